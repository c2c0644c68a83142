/**
 * Webhook intake in workerd: the worker bundled by `wrangler deploy --dry-run` runs in Miniflare
 * with the real local PostgreSQL (Neon driver through the WebSocket proxy) and Redis (Upstash client
 * through the local bridge), against a bare hello worker in the same workerd, same client, same run (two
 * Miniflare instances, one after the other).
 * The stand-ins (Neon proxy, Upstash bridge) run in a child process (`standins.ts`), not in the
 * load generator's event loop. Requests/s and p99 against the goal (≥ 0.2× the hello worker,
 * p99 ≤ 100 ms at 32 connections); on this machine the stand-ins and PostgreSQL/Redis share its two
 * cores with workerd and the client, which production does not.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { Redis } from '@upstash/redis';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { ratioOf } from '../../bench/types.ts';
import { alertBody, CONCURRENCY, closedLoop } from './load.ts';

const PHASE_MS = 5_000;
const workersDir = fileURLToPath(new URL('..', import.meta.url));

const suite: BenchSuite = {
  name: 'webhook intake (workerd)',
  async run(progress) {
    // Wrangler's own Miniflare: its workerd matches the compatibility date wrangler bundled for.
    const fromWrangler = createRequire(createRequire(import.meta.url).resolve('wrangler/package.json'));
    const mfModule = (await import(pathToFileURL(fromWrangler.resolve('miniflare')).href)) as {
      Miniflare: new (options: unknown) => { ready: Promise<URL>; dispose(): Promise<void> };
      convertV4MiniflareOptions(options: unknown): unknown;
    };
    // Miniflare 5 takes a new options shape; the classic single-worker options convert to it.
    const Miniflare = function (this: unknown, options: unknown) {
      return new mfModule.Miniflare(mfModule.convertV4MiniflareOptions(options));
    } as unknown as typeof mfModule.Miniflare;
    const out = mkdtempSync(join(tmpdir(), 'enigma-bench-wr-'));
    const tdb = await createTestDatabase();
    const token = crypto.randomUUID();
    const { child, proxy, bridge } = await startStandIns(token);
    const prefix = `enigma_bench_${crypto.randomUUID().slice(0, 8)}:`;
    try {
      progress('bundling the worker with wrangler --dry-run');
      await promisify(execFile)(
        join(workersDir, 'node_modules', '.bin', 'wrangler'),
        ['deploy', '--dry-run', '--outdir', out, '-c', '../wrangler.toml', '--env', 'production'],
        { cwd: workersDir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
      );
      const handle = await openDatabase({ url: tdb.url });
      await migrate(handle);
      const masterKey = generateMasterKey();
      const { secret } = await createWebhookSource(handle.db, masterKey, {
        name: 'tradingview',
        kind: 'tradingview',
        rateLimitPerMin: 10_000_000,
      });
      await handle.close();

      // Two instances, one after the other: Miniflare 5 takes the classic options for a single worker.
      const helloMf = new Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response("hello"); } };',
        compatibilityDate: '2026-11-01',
      });
      let h: Awaited<ReturnType<typeof closedLoop>>;
      try {
        const helloUrl = new URL('/hello', await helloMf.ready);
        const hello = () => fetch(helloUrl);
        progress('warming up the hello worker');
        await closedLoop(1_000, hello, (r) => r.ok);
        progress(`hello worker, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
        h = await closedLoop(PHASE_MS, hello, (r) => r.ok);
      } finally {
        await helloMf.dispose();
      }
      const mf = new Miniflare({
        modules: true,
        scriptPath: join(out, 'worker.js'),
        modulesRoot: out,
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: {
          DATABASE_URL: tdb.url,
          NEON_WS_PROXY: proxy.wsProxy,
          NEON_HTTP_ENDPOINT: proxy.fetchEndpoint,
          UPSTASH_REDIS_REST_URL: bridge.url,
          UPSTASH_REDIS_REST_TOKEN: token,
          REDIS_KEY_PREFIX: prefix,
          JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-00',
          ENIGMA_MASTER_KEY: masterKey,
          IP_RATE_LIMIT_PER_MIN: '10000000',
          LOG_LEVEL: 'warn',
        },
      });
      try {
        const intakeUrl = new URL('/webhooks/tradingview', await mf.ready);
        let seq = 0;
        const intake = () =>
          fetch(intakeUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
            body: alertBody(secret, seq++, Date.now()),
          });
        progress('warming up the intake worker');
        await closedLoop(1_500, intake, (r) => r.status === 202);
        progress(`webhook intake worker, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
        const w = await closedLoop(PHASE_MS, intake, (r) => r.status === 202);
        const results: BenchResult[] = [
          {
            name: 'webhook intake in workerd (Neon via WS proxy, Upstash via bridge) vs hello worker',
            unit: 'req/s',
            value: w.rps,
            higherIsBetter: true,
            peer: { name: 'hello worker (workerd)', value: h.rps },
            ratio: ratioOf(w.rps, h.rps, true),
            goal: '>= 0.2x',
            goalMet: ratioOf(w.rps, h.rps, true) >= 0.2,
            extra: { non202: w.bad, requests: w.count },
          },
          {
            name: 'webhook intake in workerd p99',
            unit: 'ms p99',
            value: w.p99,
            higherIsBetter: false,
            peer: { name: 'hello worker p99', value: h.p99 },
            ratio: ratioOf(w.p99, h.p99, false),
            goal: '<= 100 ms',
            goalMet: w.p99 <= 100,
          },
        ];
        return results;
      } finally {
        await mf.dispose();
      }
    } finally {
      const redis = new Redis({
        url: bridge.url,
        token,
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
      await tdb.drop();
      rmSync(out, { recursive: true, force: true });
    }
  },
};

/** Start `standins.ts` in its own Node process and wait for its addresses. */
async function startStandIns(token: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./standins.ts', import.meta.url)), token],
    { cwd: workersDir, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  const line = out.split('\n')[0];
  if (!line) throw new Error('the stand-ins process exited before it was ready');
  const ready = JSON.parse(line) as { wsProxy: string; fetchEndpoint: string; url: string };
  return {
    child,
    proxy: { wsProxy: ready.wsProxy, fetchEndpoint: ready.fetchEndpoint },
    bridge: { url: ready.url },
  };
}

export default suite;
