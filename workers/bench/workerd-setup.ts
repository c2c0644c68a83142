/**
 * Set-up shared by the workerd intake bench and its profiler: the worker bundled by `wrangler deploy
 * --dry-run`, run by wrangler's own Miniflare against the real PostgreSQL (Neon's SQL-over-HTTP through
 * the local proxy) and Redis (Upstash's REST protocol through the local bridge), the stand-ins in their
 * own Node process; and a CPU sampler per process (Linux `/proc`), to see which process the time goes to.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
import { alertBody } from './load.ts';
import type { LoadTarget } from './loadgen.ts';

const workersDir = fileURLToPath(new URL('..', import.meta.url));

type MiniflareLike = { ready: Promise<URL>; dispose(): Promise<void> };
type MiniflareCtor = new (options: unknown) => MiniflareLike;

/** Wrangler's own Miniflare (its workerd matches the compatibility date wrangler bundles for). */
export async function wranglerMiniflare(): Promise<MiniflareCtor> {
  const fromWrangler = createRequire(createRequire(import.meta.url).resolve('wrangler/package.json'));
  const mfModule = (await import(pathToFileURL(fromWrangler.resolve('miniflare')).href)) as {
    Miniflare: MiniflareCtor;
    convertV4MiniflareOptions(options: unknown): unknown;
  };
  // Miniflare 5 takes a new options shape; the classic single-worker options convert to it.
  return function (this: unknown, options: unknown) {
    return new mfModule.Miniflare(mfModule.convertV4MiniflareOptions(options));
  } as unknown as MiniflareCtor;
}

export interface IntakeWorker {
  /** what the load generator (`loadGenerator` in `load.ts`) sends: the benches' client */
  target: LoadTarget;
  /** one request through `fetch` in this process (tests, `tail-probe.ts`, ENIGMA_BENCH_CLIENT=fetch) */
  send: () => Promise<Response>;
  /** the intake route, its source's secret and the database (tests); absent for the hello worker */
  intake?: { url: URL; secret: string; databaseUrl: string };
  ok: (r: Response) => boolean;
  standInsPid: number;
  databaseName: string;
  close(): Promise<void>;
}

/**
 * The bundled worker in Miniflare, a `tradingview` source with a budget no run reaches, and a `send`
 * posting one fresh alert in the design's format (each body different: every request is a new alert).
 * With `hello`, a bare hello worker instead (same client, same process layout).
 */
export async function startIntakeWorker(
  opts: { progress?: (m: string) => void; inspectorPort?: number; hello?: boolean } = {},
): Promise<IntakeWorker> {
  const progress = opts.progress ?? (() => {});
  const Miniflare = await wranglerMiniflare();
  const out = mkdtempSync(join(tmpdir(), 'enigma-bench-wr-'));
  const tdb = await createTestDatabase();
  const token = crypto.randomUUID();
  const standIns = await startStandIns(token);
  const prefix = `enigma_bench_${crypto.randomUUID().slice(0, 8)}:`;
  let mf: MiniflareLike | undefined;
  const close = async () => {
    await mf?.dispose();
    const redis = new Redis({
      url: standIns.url,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    standIns.child.stdin.end();
    if (standIns.child.exitCode === null) await once(standIns.child, 'exit');
    await tdb.drop();
    rmSync(out, { recursive: true, force: true });
  };
  try {
    if (opts.hello) {
      mf = new Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response("hello"); } };',
        compatibilityDate: '2026-11-01',
        ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
      });
      const url = new URL('/hello', await mf.ready);
      return {
        target: { url: url.href, okStatus: 200 },
        send: () => fetch(url),
        ok: (r) => r.ok,
        standInsPid: standIns.child.pid!,
        databaseName: new URL(tdb.url).pathname.slice(1),
        close,
      };
    }
    // ENIGMA_BENCH_WORKERS_DIR: bundle another copy of workers/ (beside its wrangler.toml), e.g. an
    // earlier commit's (`git archive <commit> workers wrangler.toml`, node_modules linked), to compare.
    const bundleFrom = process.env['ENIGMA_BENCH_WORKERS_DIR'] ?? workersDir;
    progress(`bundling the worker with wrangler --dry-run (${bundleFrom})`);
    await promisify(execFile)(
      join(workersDir, 'node_modules', '.bin', 'wrangler'),
      ['deploy', '--dry-run', '--outdir', out, '-c', '../wrangler.toml', '--env', 'production'],
      { cwd: bundleFrom, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
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
    mf = new Miniflare({
      modules: true,
      scriptPath: join(out, 'worker.js'),
      modulesRoot: out,
      compatibilityDate: '2026-11-01',
      compatibilityFlags: ['nodejs_compat'],
      ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
      bindings: {
        DATABASE_URL: tdb.url,
        NEON_WS_PROXY: standIns.wsProxy,
        NEON_HTTP_ENDPOINT: standIns.fetchEndpoint,
        UPSTASH_REDIS_REST_URL: standIns.url,
        UPSTASH_REDIS_REST_TOKEN: token,
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET: 'bench-jwt-secret-bench-jwt-secret-00',
        ENIGMA_MASTER_KEY: masterKey,
        IP_RATE_LIMIT_PER_MIN: '10000000',
        LOG_LEVEL: 'warn',
      },
    });
    const intakeUrl = new URL('/webhooks/tradingview', await mf.ready);
    let seq = 0;
    return {
      target: { url: intakeUrl.href, alertSecret: secret, okStatus: 202 },
      send: () =>
        fetch(intakeUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
          body: alertBody(secret, seq++, Date.now()),
        }),
      ok: (r) => r.status === 202,
      standInsPid: standIns.child.pid!,
      databaseName: new URL(tdb.url).pathname.slice(1),
      intake: { url: intakeUrl, secret, databaseUrl: tdb.url },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Start `standins.ts` in its own Node process and wait for its addresses. */
async function startStandIns(token: string) {
  const child = spawn(
    process.execPath,
    [
      // STANDINS_CPU_PROF=<dir>: a V8 CPU profile of the stand-ins, written when they exit
      ...(process.env['STANDINS_CPU_PROF']
        ? ['--cpu-prof', '--cpu-prof-dir', process.env['STANDINS_CPU_PROF']]
        : []),
      '--import',
      'tsx',
      fileURLToPath(new URL('./standins.ts', import.meta.url)),
      token,
    ],
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
  return { child, ...ready };
}

/** utime + stime of a process, in seconds (Linux). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] are utime and stime (14th and 15th of the whole line), in clock ticks
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function processes(): { pid: number; ppid: number; comm: string; cmdline: string }[] {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      out.push({ pid: Number(name), ppid, comm, cmdline });
    } catch {
      // gone
    }
  }
  return out;
}

function descendants(root: number, all: ReturnType<typeof processes>): number[] {
  const kids = new Map<number, number[]>();
  for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    for (const k of kids.get(pid) ?? []) {
      out.push(k);
      stack.push(k);
    }
  }
  return out;
}

/**
 * The bench's processes by role: the client (the load generator's process, by default this one), this
 * process when the client is another (Miniflare's host), workerd, the stand-ins, the database's backends,
 * Redis.
 */
export function processGroups(opts: { standIns: number; database: string; client?: number }) {
  const all = processes();
  const mine = new Set(descendants(process.pid, all));
  const client = opts.client ?? process.pid;
  return {
    client: [client],
    ...(client === process.pid ? {} : { 'bench host': [process.pid] }),
    workerd: all.filter((p) => mine.has(p.pid) && p.comm.startsWith('workerd')).map((p) => p.pid),
    standIns: [opts.standIns],
    postgres: all.filter((p) => p.cmdline.includes(` ${opts.database} `)).map((p) => p.pid),
    redis: all.filter((p) => p.comm.startsWith('redis-server')).map((p) => p.pid),
  };
}

/**
 * CPU seconds used between `start` and `stop` by: the load generator (`opts.client`, default this
 * process), this process if it is not the load generator (the bench and Miniflare's host), workerd (this
 * process's workerd children), the stand-ins process, the PostgreSQL backends serving `database`,
 * redis-server (shared with anything else using it), and the whole machine (`/proc/stat`, all cores).
 */
export function cpuSampler(opts: { standIns: number; database: string; client?: number }) {
  const groups = () => processGroups(opts);
  const machine = () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (line[3] ?? 0) + (line[4] ?? 0);
    const total = line.reduce((s, x) => s + x, 0);
    return { busy: (total - idle) / 100, total: total / 100 };
  };
  let before: Map<number, number> = new Map();
  let m0 = machine();
  let t0 = performance.now();
  let pids: ReturnType<typeof groups> = groups();
  return {
    start() {
      pids = groups();
      before = new Map(Object.values(pids).flatMap((list) => list.map((pid) => [pid, cpuOf(pid)] as const)));
      m0 = machine();
      t0 = performance.now();
    },
    stop(): Record<string, number> {
      const wall = (performance.now() - t0) / 1000;
      // postgres backends opened during the phase count too (from zero)
      const now = groups();
      const used: Record<string, number> = {};
      for (const [name, list] of Object.entries(now)) {
        used[name] = list.reduce((s, pid) => s + cpuOf(pid) - (before.get(pid) ?? 0), 0);
      }
      const m1 = machine();
      used['machine (all processes)'] = m1.busy - m0.busy;
      used['wall seconds'] = wall;
      void pids;
      return used;
    },
  };
}
