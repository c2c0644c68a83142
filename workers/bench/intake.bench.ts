/**
 * Webhook intake on Node (@hono/node-server, the embedded default): requests/s and p99 of
 * `POST /webhooks/tradingview` (full pipeline: guards, source lookup with secret decryption, secret
 * check, parse, idempotency, row insert in the local PostgreSQL, publish) against a bare Hono hello
 * route on the same server, same client, same run. Goal: intake ≥ 0.25× hello throughput.
 *
 * Then a count audit on the edge stack (Upstash KV and bus through the local Upstash bridge into the
 * real Redis, rows in PostgreSQL): alerts at a fixed offered rate (INTAKE_AUDIT_RATE, default 1000/s)
 * for INTAKE_AUDIT_SECONDS (default 10; the full audit is 60), every tenth one a repeat
 * delivery; afterwards every accepted request must be exactly one `received` row and one stream entry.
 */
import type { BusPayload, BusPublisher } from '@enigma/core/bus/index';
import { migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { Redis } from '@upstash/redis';
import { eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { ratioOf } from '../../bench/types.ts';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';
import { createApp } from '../src/app.ts';
import { UpstashBusPublisher } from '../src/bus/upstash.ts';
import type { AppDeps } from '../src/deps.ts';
import { MemoryKv } from '../src/kv/memory.ts';
import { UpstashKv } from '../src/kv/upstash.ts';
import { UpstashBatcher } from '../src/kv/upstash-batcher.ts';
import { benchDeps, listen } from '../src/testing/bench-app.ts';
import { keepAliveClient } from '../src/testing/keep-alive-client.ts';
import { alertBody, CONCURRENCY, closedLoop, p99 } from './load.ts';

const PHASE_MS = 6_000;
const WARMUP_MS = 1_500;
const GOAL = 0.25;
const MAX_IN_FLIGHT = 128;

class CountingBus implements BusPublisher {
  count = 0;
  async append(_stream: string, _payload: BusPayload): Promise<string> {
    this.count++;
    return `${this.count}-0`;
  }
  async publish(): Promise<number> {
    return 0;
  }
}

const suite: BenchSuite = {
  name: 'webhook intake (Node)',
  async run(progress) {
    const tdb = await createTestDatabase();
    const handle = await openDatabase({ url: tdb.url });
    const results: BenchResult[] = [];
    try {
      await migrate(handle);
      const masterKey = generateMasterKey();
      const { secret } = await createWebhookSource(handle.db, masterKey, {
        name: 'tradingview',
        kind: 'tradingview',
        rateLimitPerMin: 10_000_000,
      });

      // Throughput: intake (embedded adapters) vs bare hello, one server, alternating phases.
      const bus = new CountingBus();
      const app = createApp(benchDeps(handle.db, new MemoryKv(), bus, masterKey));
      // The echo route shows what a POST with a JSON body costs by itself (client and server).
      const hello = new Hono()
        .get('/hello', (c) => c.text('hello'))
        .post('/echo', async (c) => c.json({ bytes: (await c.req.text()).length }, 202));
      const root = new Hono().route('/', hello).route('/', app);
      const server = await listen(root.fetch);
      let seq = 0;
      const intake = () =>
        fetch(`${server.url}/webhooks/tradingview`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: alertBody(secret, seq++, Date.now()),
        });
      const helloReq = () => fetch(`${server.url}/hello`);
      const echo = () =>
        fetch(`${server.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: alertBody(secret, seq++, Date.now()),
        });
      progress('warming up');
      await closedLoop(WARMUP_MS, helloReq, (r) => r.ok);
      await closedLoop(WARMUP_MS, intake, (r) => r.status === 202);
      progress(`hello route, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
      const h = await closedLoop(PHASE_MS, helloReq, (r) => r.ok);
      progress(`webhook intake, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
      const w = await closedLoop(PHASE_MS, intake, (r) => r.status === 202);
      progress(`bare POST echo, ${CONCURRENCY} connections, ${PHASE_MS / 2000} s`);
      const e = await closedLoop(PHASE_MS / 2, echo, (r) => r.status === 202);
      await server.close();
      const ratio = ratioOf(w.rps, h.rps, true);
      results.push({
        name: 'webhook intake (PostgreSQL, memory KV) vs bare Hono hello',
        unit: 'req/s',
        value: w.rps,
        higherIsBetter: true,
        peer: { name: 'bare Hono hello route', value: h.rps },
        ratio,
        goal: `>= ${GOAL}x hello`,
        goalMet: ratio >= GOAL,
        extra: {
          non202: w.bad,
          requests: w.count,
          bareJsonPostEchoRps: Math.round(e.rps),
          ratioToBareJsonPostEcho: Number((w.rps / e.rps).toFixed(3)),
        },
      });
      results.push({
        name: 'webhook intake p99',
        unit: 'ms p99',
        value: w.p99,
        higherIsBetter: false,
        peer: { name: 'bare Hono hello route p99', value: h.p99 },
        ratio: ratioOf(w.p99, h.p99, false),
      });

      results.push(await countAudit(handle.db, masterKey, secret, progress));
    } finally {
      await handle.close();
      await tdb.drop();
    }
    return results;
  },
};

/** Fixed-rate load through the edge stack, then count rows and stream entries. */
async function countAudit(
  db: AppDeps['db'],
  masterKey: string,
  secret: string,
  progress: (m: string) => void,
): Promise<BenchResult> {
  const rate = Number(process.env.INTAKE_AUDIT_RATE ?? 1000);
  const seconds = Number(process.env.INTAKE_AUDIT_SECONDS ?? 10);
  const token = crypto.randomUUID();
  const bridge = await startUpstashBridge({ token });
  const redis = new Redis({
    url: bridge.url,
    token,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
  const prefix = `enigma_bench_${crypto.randomUUID().slice(0, 8)}:`;
  // One long-lived client (Node): concurrent requests share /pipeline round trips.
  const batcher = new UpstashBatcher(redis);
  const app = createApp(
    benchDeps(
      db,
      new UpstashKv(redis, prefix, Date.now, batcher),
      new UpstashBusPublisher(redis, prefix, batcher),
      masterKey,
    ),
  );
  const client = keepAliveClient(MAX_IN_FLIGHT);
  const server = await listen(app.fetch);
  await db.delete(signals);
  progress(`count audit: ${rate} alerts/s for ${seconds} s (every 10th a repeat delivery)`);
  const answers = { received: 0, duplicate: 0, other: 0 };
  const others = new Map<string, number>();
  const other = (why: string) => {
    answers.other++;
    others.set(why, (others.get(why) ?? 0) + 1);
  };
  const inFlight = new Set<Promise<void>>();
  const latencies: number[] = [];
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  const sentAt = new Map<number, string>();
  let offered = 0;
  for (let i = 0; performance.now() < stopAt; i++) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Bounded in-flight requests: past this the generator waits, and the achieved rate shows it.
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    // Every tenth request repeats the previous alert (same body): it must come back as a duplicate.
    const alert = i % 10 === 9 ? i - 1 : i;
    const at = sentAt.get(alert) ?? new Date().toISOString();
    sentAt.set(alert, at);
    if (alert !== i) sentAt.delete(alert);
    offered++;
    const sent = performance.now();
    const p = client
      .post(`${server.url}/webhooks/tradingview`, alertBody(secret, 1_000_000 + alert, Date.parse(at)))
      .then((res) => {
        latencies.push(performance.now() - sent);
        const body = JSON.parse(res.body) as { status?: string };
        if (res.status === 202 && body.status === 'received') answers.received++;
        else if (body.status === 'duplicate') answers.duplicate++;
        else other(`${res.status} ${body.status ?? ''}`.trim());
      })
      .catch((e: unknown) => other((e as Error).message))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  client.close();
  const elapsed = (performance.now() - started) / 1000;
  const [rows] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(signals)
    .where(eq(signals.status, 'received'));
  const [distinct] = await db
    .select({ n: sql<number>`count(distinct ${signals.idempotencyKey})::int` })
    .from(signals)
    .where(eq(signals.status, 'received'));
  const streamLength = Number(await redis.xlen(`${prefix}signals:incoming`));
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  await server.close();
  await bridge.close();
  const lost = Math.max(0, answers.received - Math.min(rows!.n, streamLength));
  const duplicated = Math.max(0, rows!.n - distinct!.n) + Math.max(0, streamLength - answers.received);
  const ok = rows!.n === answers.received && streamLength === answers.received && duplicated === 0;
  return {
    name: `count audit: ${rate}/s for ${seconds} s through the Upstash bridge (≤ ${MAX_IN_FLIGHT} in flight)`,
    unit: 'alerts/s accepted',
    value: answers.received / elapsed,
    higherIsBetter: true,
    goal: 'every accepted request = 1 row + 1 stream entry (0 lost, 0 duplicated)',
    goalMet: ok,
    extra: {
      targetRate: rate,
      offered,
      offeredRate: Number((offered / seconds).toFixed(1)),
      accepted: answers.received,
      duplicateAnswers: answers.duplicate,
      otherAnswers: answers.other,
      receivedRows: rows!.n,
      streamEntries: streamLength,
      lost,
      duplicated,
      elapsedSeconds: Number(elapsed.toFixed(1)),
      upstashRequests: batcher.requests,
      p99Ms: Number(p99(latencies).toFixed(1)),
      ...Object.fromEntries([...others].map(([k, v]) => [`other: ${k}`, v])),
    },
  };
}

export default suite;
