/**
 * The engine's latency.
 *
 * (a) In-engine: a signal's `signals:incoming` entry read → its first order request on the wire (the
 * engine's `onDecision` hook, the same span as the `enigma_engine_decision_seconds` histogram), p50/p99
 * at an offered 2 (unloaded), 100 and 1,000 signals/s, with the event-loop delay p99 under that load against idle.
 * Between the two ends: staleness, strategy and scoring (from memory), the strategy's plan, sizing and
 * the pre-trade checks against the account view in memory, the router's plan, and the decision's one
 * durable statement (signal, snapshot, model output, intent and order rows under the lease's fence). Every signal trades: buy and sell
 * alternate on each of the simulator's three contracts (flat → long, then reverse, …), so each one sends
 * an order; within one contract signals are handled in order, so above what one contract can take the
 * latency includes the queue (reported with the throughput reached).
 *
 * (b) End to end over loopback: a TradingView alert POSTed to the real Hono app (createApp, as
 * `enigma start` wires it) → intake (auth, parse, idempotency, row) → the stream → engine (score, risk,
 * order) → the order accepted by the simulator (its answer received), p50/p99 at 2 alerts/s (unloaded:
 * one alert at a time, as a trader's alerts come) and at 100 alerts/s, in two
 * topologies: the intake in this process on the in-process bus, and the intake in a process of its own
 * (`intake-process.ts`) appending to a Redis stream, as in production. TradingView's side is a
 * keep-alive `node:http` client in this process.
 *
 * PostgreSQL (127.0.0.1:5432) for the engine's database (and a second pool on it for the decision path),
 * the in-process bus (Redis in the second end-to-end topology), the collector in this process feeding marks, ticks and the book (as `enigma start`
 * runs it), the simulator in a child process of its own (the real exchange is remote) with matching
 * inside the request (asyncMatching off), so the exchange's matching delay is not counted.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Bus } from '@enigma/core/bus/types';
import { clientOidFor } from '@enigma/core/engine/client-oid';
import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import { checkStreamPayload } from '@enigma/core/streams/catalog';
import {
  acquireLease,
  commitDecision,
  type EnigmaDb,
  ensureAccount,
  insertSignalIdempotent,
  putSetting,
  signalStatuses,
} from '@enigma/db';
import { openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { openTestDatabase } from '@enigma/db/testing/drivers';
import { keepAliveClient } from '@enigma/workers/testing/keep-alive-client';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { createBus } from '../src/bus/index.ts';
import { createMemoryBus } from '../src/bus/memory.ts';
import { deletePrefix } from '../src/bus/testing/redis-prefix.ts';
import { startCollectorService } from '../src/collector/service.ts';
import { runEngine } from '../src/engine/runner.ts';
import { serveBenchIntake } from './intake-app.ts';

const SYMBOLS = ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'];
const IN_ENGINE_RATES = [
  // unloaded: one signal at a time, the floor of the decision path (no queue)
  { rate: 2, seconds: 4 },
  { rate: 100, seconds: 3 },
  { rate: 1_000, seconds: 1 },
];
// unloaded first (a trader's alerts come one at a time: what one alert takes with no queue), then the goal's rate
const E2E_RATES = [
  { rate: 2, seconds: 4 },
  { rate: 100, seconds: 3 },
];
const E2E_TOPOLOGIES = ['one process', 'intake process + Redis'] as const;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const IDLE_MS = 1_500;
const SETTLE_TIMEOUT_MS = 60_000;
const GOALS = { enginep50: 1, enginep99: 5, e2ep50: 10, e2ep99: 50 };
const credential = {
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  passphrase: 'sim-pass',
  keyVersion: '3' as const,
};
const strategy: StrategyConfig = { ...DEFAULT_STRATEGY, stop: { kind: 'pct', pct: '1' } };
/** Breakers off: alternating buy/sell reverses at a small loss every time, on purpose. */
const LIMITS = {
  maxConsecutiveLosses: 1000,
  lossCooldownMinutes: 0,
  maxDailyLoss: '100000000',
  maxDrawdownPct: '100',
  maxExchangeErrorPct: '100',
};
const FINAL = new Set(['protected', 'closed', 'ignored', 'risk_blocked', 'failed', 'stale', 'rejected']);

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Call `emit(i)` `rate` times a second for `seconds`, on a 5 ms timer (catching up on late ticks). */
async function paced(rate: number, seconds: number, emit: (i: number) => void): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due) emit(sent++);
    await new Promise((r) => setTimeout(r, 5));
  }
  return (performance.now() - start) / 1000;
}

/** How the signals ended, e.g. { protected: 290, risk_blocked: 10 }, with the reason codes of blocks. */
async function outcomes(db: EnigmaDb, ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const statuses = await signalStatuses(db, ids);
  for (const id of ids) {
    const row = statuses.get(id);
    const key =
      row?.status === 'risk_blocked' || row?.status === 'failed' || row?.status === 'ignored'
        ? `${row.status}:${(row.reason ?? '').split(':')[0]}`
        : (row?.status ?? 'missing');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function settled(db: EnigmaDb, ids: string[]): Promise<number> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let left = ids;
  while (left.length > 0 && Date.now() < deadline) {
    // One query a pass: the poll is the bench's, and must not load the database the engine is measured on.
    const statuses = await signalStatuses(db, left);
    left = left.filter((id) => !FINAL.has(statuses.get(id)?.status ?? ''));
    if (left.length > 0) await new Promise((r) => setTimeout(r, 250));
  }
  return left.length;
}

/**
 * `commitDecision` alone, 200 times in a row on `db` (its own signals and lease): what one durable
 * round trip with the decision's writes costs here, the floor under the in-engine latency.
 */
async function decisionStatementAlone(
  db: EnigmaDb,
  { count, pauseMs }: { count: number; pauseMs: number },
): Promise<{ p50: number; p99: number }> {
  const accountId = await ensureAccount(db, 'bench-floor', 'paper');
  const lease = (await acquireLease(db, `bench:floor:${pauseMs}`, 'bench', 600_000, new Date()))!;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    const id = crypto.randomUUID();
    await insertSignalIdempotent(db, {
      id,
      idempotencyKey: `floor:${id}`,
      source: 'bench-floor',
      status: 'received',
      symbol: 'XBTUSDTM',
      action: 'buy',
      receivedAt: new Date(),
    } as never);
    const t0 = performance.now();
    await commitDecision(db, {
      lease: { name: lease.name, fence: lease.fence },
      accountId,
      signalId: id,
      symbol: 'XBTUSDTM',
      from: ['received'],
      status: 'ordered',
      reason: 'bench floor',
      score: '50',
      metadata: { direction: 'long' },
      snapshot: { timeframe: '1m', at: new Date(), values: { rsi: 50 } },
      modelScore: {
        modelName: 'scorer',
        modelVersion: 'scorer-only',
        score: '50',
        decision: 'long',
        features: {},
      },
      intent: {
        side: 'buy',
        size: 1,
        leverage: '3',
        reduceOnly: false,
        status: 'ordered',
        params: {},
        orders: [
          {
            clientOid: `floor${pauseMs}x${i}${id.slice(0, 8)}`,
            side: 'buy',
            purpose: 'entry',
            type: 'market',
            size: 1,
            reduceOnly: false,
          },
        ],
      },
    });
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/**
 * The simulator in a child process of its own (bench/sim-process.ts): the real exchange is remote, so
 * its matching, pushes and answers do not share the engine's event loop (they did until 2026-12-06 and
 * took about a third of its CPU). The machine's two cores are still shared.
 */
async function startSim(): Promise<{ url: string; close(): Promise<void> }> {
  const options = {
    key: credential.apiKey,
    secret: credential.apiSecret,
    passphrase: credential.passphrase,
    initialBalance: 10_000_000,
    symbols: SYMBOLS,
    warmupMinutes: 30,
    behaviour: { asyncMatching: false },
    // A high VIP level's quota: the client paces itself by the gateway's rate-limit headers, and at
    // VIP 0 (2,000 per 30 s) that pacing, not the engine, caps the load at a few signals a second.
    poolQuota: { public: 2_000_000, futures: 2_000_000 },
  };
  return startChild<{ url: string }>('./sim-process.ts', options);
}

/**
 * Fork a bench companion (`sim-process.ts`, `intake-process.ts`) with its options as JSON: resolves with
 * its first IPC message once it listens; `close()` asks it to stop and waits for its exit.
 */
async function startChild<T extends object>(
  script: string,
  options: object,
): Promise<T & { close(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return {
    ...ready,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

/**
 * What `enigma start` runs next to the engine: the collector feeding marks, ticks and the book onto the
 * bus (without it every decision read the book over REST: the router wants a touch under a second old),
 * and the decision path's own pool on the same database.
 */
async function companions(sim: { url: string }, url: string, bus: Bus, db: EnigmaDb) {
  const collector = await startCollectorService({
    symbols: SYMBOLS,
    baseUrl: sim.url,
    db,
    registry: new Registry(),
    logger: pino({ level: 'silent' }),
    bus,
    reference: false,
  });
  const decision = await openDatabase({ kind: 'pg', url });
  return {
    decisionDb: decision.db,
    async close() {
      await collector.close();
      await decision.close();
    },
  };
}

const suite: BenchSuite = {
  name: 'engine',
  async run(progress) {
    const results: BenchResult[] = [];

    // ── (a) in-engine ──────────────────────────────────────────────────────────────────────────────
    {
      const sim = await startSim();
      const h = await openTestDatabase('pg');
      const bus = createMemoryBus();
      const decisions: number[] = [];
      let record = false;
      await putSetting(h.db, strategyKey('bench'), strategy);
      await putSetting(h.db, 'risk.limits', LIMITS);
      const extras = await companions(sim, h.url!, bus, h.db);
      const running = await runEngine({
        db: h.db,
        decisionDb: extras.decisionDb,
        bus,
        logger: pino({ level: 'silent' }),
        mode: 'paper',
        baseUrl: sim.url,
        credential,
        model: { enabled: false, reason: 'bench' },
        tuning: { reconcileEveryMs: 3_600_000, orderPollMs: 20 },
        onDecision: (ms) => {
          if (record) decisions.push(ms);
        },
      });
      try {
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        await new Promise((r) => setTimeout(r, IDLE_MS));
        loop.disable();
        const idleP99 = loop.percentile(99) / 1e6;
        // The floor of the decision path: its one durable statement alone, on the same database, in this run.
        const backToBack = await decisionStatementAlone(h.db, { count: 200, pauseMs: 0 });
        progress(
          `decision statement alone, back to back: p50 ${backToBack.p50.toFixed(2)} ms, p99 ${backToBack.p99.toFixed(2)} ms`,
        );
        // At the unloaded row's pace: on an idle machine the database and this process wake from idle for
        // each statement (on this VM that alone costs about a millisecond), which back to back hides.
        const atTwoPerS = await decisionStatementAlone(h.db, { count: 12, pauseMs: 500 });
        progress(
          `decision statement alone, 2/s: p50 ${atTwoPerS.p50.toFixed(2)} ms, p99 ${atTwoPerS.p99.toFixed(2)} ms`,
        );
        const sentOf = new Map<string, number>();
        for (const { rate, seconds } of IN_ENGINE_RATES) {
          // Rows first (intake's job), so the timed phase only appends stream entries.
          const total = rate * seconds;
          const now = Date.now();
          const entries: Record<string, unknown>[] = [];
          for (let i = 0; i < total; i++) {
            const signalId = crypto.randomUUID();
            const symbol = SYMBOLS[i % SYMBOLS.length]!;
            // Alternating per contract across the phases (a phase may end on either side of a contract).
            const sent = sentOf.get(symbol) ?? 0;
            sentOf.set(symbol, sent + 1);
            const action = sent % 2 === 0 ? 'buy' : 'sell';
            await insertSignalIdempotent(h.db, {
              id: signalId,
              idempotencyKey: `bench:${signalId}`,
              source: 'bench',
              status: 'received',
              symbol,
              action,
              receivedAt: new Date(now),
              alertTime: new Date(now),
            } as never);
            entries.push(
              checkStreamPayload('signals:incoming', {
                signalId,
                source: 'bench',
                symbol,
                interval: '15',
                alertTime: now,
                receivedAt: now,
                price: null,
                size: null,
                orderId: null,
                indicators: {},
                conditions: {},
                route: 'tradingview',
                action,
              }),
            );
          }
          progress(`in-engine: ${rate} signals/s for ${seconds} s (${total} signals, every one trades)`);
          const floor = rate <= 2 ? atTwoPerS : backToBack;
          const floorName = rate <= 2 ? 'alone at 2/s' : 'alone, back to back';
          decisions.length = 0;
          record = true;
          loop.reset();
          loop.enable();
          const started = performance.now();
          const offeredFor = await paced(
            rate,
            seconds,
            (i) => void bus.append('signals:incoming', entries[i]!),
          );
          const ids = entries.map((e) => (e as { signalId: string }).signalId);
          const left = await settled(h.db, ids);
          const ended = await outcomes(h.db, ids);
          const busyS = (performance.now() - started) / 1000;
          loop.disable();
          record = false;
          const p50 = percentile(decisions, 50);
          const p99 = percentile(decisions, 99);
          const extra = {
            outcomes: JSON.stringify(ended),
            signals: total,
            ordersOnTheWire: decisions.length,
            notSettledAfter60s: left,
            offeredForS: Number(offeredFor.toFixed(2)),
            handledPerS: Number((decisions.length / busyS).toFixed(1)),
            eventLoopDelayP99Ms: Number((loop.percentile(99) / 1e6).toFixed(2)),
            eventLoopDelayIdleP99Ms: Number(idleP99.toFixed(2)),
            eventLoopDelayMaxMs: Number((loop.max / 1e6).toFixed(1)),
          };
          results.push(
            {
              name: `in-engine: stream entry read → order on the wire p50 @ ${rate} signals/s`,
              unit: 'ms p50',
              value: p50,
              higherIsBetter: false,
              goal: `<= ${GOALS.enginep50} ms`,
              goalMet: p50 <= GOALS.enginep50,
              peer: {
                name: `the decision's one durable statement (commitDecision) ${floorName}, p50`,
                value: floor.p50,
              },
              extra,
            },
            {
              name: `in-engine: stream entry read → order on the wire p99 @ ${rate} signals/s`,
              unit: 'ms p99',
              value: p99,
              higherIsBetter: false,
              goal: `<= ${GOALS.enginep99} ms`,
              goalMet: p99 <= GOALS.enginep99,
              peer: {
                name: `the decision's one durable statement (commitDecision) ${floorName}, p99`,
                value: floor.p99,
              },
              extra: {
                eventLoopDelayP99Ms: extra.eventLoopDelayP99Ms,
                eventLoopDelayIdleP99Ms: extra.eventLoopDelayIdleP99Ms,
              },
            },
            {
              name: `event-loop delay p99 @ ${rate} signals/s (engine + collector + generator in one process; the simulator in its own)`,
              unit: 'ms p99',
              value: extra.eventLoopDelayP99Ms,
              higherIsBetter: false,
              peer: { name: 'idle (engine running, no signals)', value: extra.eventLoopDelayIdleP99Ms },
            },
          );
          progress(
            `  p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${extra.handledPerS}/s handled, loop p99 ${extra.eventLoopDelayP99Ms} ms (idle ${extra.eventLoopDelayIdleP99Ms}) ${extra.outcomes}`,
          );
        }
      } finally {
        await running.close();
        await extras.close();
        await bus.close();
        await sim.close();
        await h.cleanup();
      }
    }

    // ── (b) end to end: HTTP intake → stream → engine → order accepted by the simulator ───────────
    // Twice: the intake in the engine's process on the in-process bus (the cheapest on these two cores),
    // and the production topology: the intake in a process of its own, appending to a Redis stream the
    // engine reads (in production the intake is a worker on Cloudflare, the engine a container).
    for (const topology of E2E_TOPOLOGIES) {
      const sim = await startSim();
      const h = await openTestDatabase('pg');
      const keyPrefix = `bench-e2e-${process.pid}-${Date.now()}:`;
      // no URL: createBus's in-process bus
      const bus = createBus({ redisUrl: topology === 'one process' ? undefined : REDIS_URL, keyPrefix });
      const masterKey = generateMasterKey();
      const { secret } = await createWebhookSource(h.db, masterKey, {
        name: 'tradingview',
        kind: 'tradingview',
        rateLimitPerMin: 10_000_000,
      });
      await putSetting(h.db, strategyKey('tradingview'), strategy);
      await putSetting(h.db, 'risk.limits', LIMITS);
      const sentAt = new Map<string, number>();
      const accepted = new Map<string, number>();
      const extras = await companions(sim, h.url!, bus, h.db);
      const running = await runEngine({
        db: h.db,
        decisionDb: extras.decisionDb,
        bus,
        logger: pino({ level: 'silent' }),
        mode: 'paper',
        baseUrl: sim.url,
        credential,
        model: { enabled: false, reason: 'bench' },
        tuning: { reconcileEveryMs: 3_600_000, orderPollMs: 20 },
        onPoint: (step, d) => {
          if (step === 'after_answer' && d.clientOid && !accepted.has(d.clientOid))
            accepted.set(d.clientOid, performance.now());
        },
      });
      const intake =
        topology === 'one process'
          ? await serveBenchIntake(h.db, bus, masterKey)
          : await startChild<{ url: string }>('./intake-process.ts', {
              databaseUrl: h.url!,
              redisUrl: REDIS_URL,
              keyPrefix,
              masterKey,
            });
      const url = `${intake.url}/webhooks/tradingview`;
      // TradingView's side: a keep-alive node:http client (fetch cost the engine's loop ~1 ms a request)
      const client = keepAliveClient(64);
      try {
        const post = async (i: number) => {
          const symbol = SYMBOLS[i % SYMBOLS.length]!;
          const action = Math.floor(i / SYMBOLS.length) % 2 === 0 ? 'buy' : 'sell';
          const t0 = performance.now();
          const res = await client.post(
            url,
            JSON.stringify({
              secret,
              timestamp: new Date().toISOString(),
              exchange: 'KUCOIN',
              symbol,
              interval: '15',
              action,
              order_id: `e2e-${i}-${Date.now()}`,
            }),
          );
          const body = JSON.parse(res.body) as { signalId?: string };
          if (res.status === 202 && body.signalId) sentAt.set(body.signalId, t0);
        };
        progress(`end to end (${topology}): warm-up (6 alerts)`);
        for (let i = 0; i < 6; i++) await post(i);
        await settled(h.db, [...sentAt.keys()]);
        sentAt.clear();
        let next = 6;
        for (const E2E of E2E_RATES) {
          sentAt.clear();
          const posts: Promise<void>[] = [];
          progress(`end to end (${topology}): ${E2E.rate} alerts/s for ${E2E.seconds} s over loopback`);
          await paced(E2E.rate, E2E.seconds, () => posts.push(post(next++)));
          await Promise.all(posts);
          const left = await settled(h.db, [...sentAt.keys()]);
          const latencies: number[] = [];
          for (const [signalId, t0] of sentAt) {
            const t1 =
              accepted.get(clientOidFor('open', signalId)) ?? accepted.get(clientOidFor('close', signalId));
            if (t1 !== undefined) latencies.push(t1 - t0);
          }
          const p50 = percentile(latencies, 50);
          const p99 = percentile(latencies, 99);
          const extra = {
            alerts: sentAt.size,
            ordersAccepted: latencies.length,
            notSettledAfter60s: left,
            outcomes: JSON.stringify(await outcomes(h.db, [...sentAt.keys()])),
          };
          for (const [stat, value, goal] of [
            ['p50', p50, GOALS.e2ep50],
            ['p99', p99, GOALS.e2ep99],
          ] as const)
            results.push({
              name: `end to end (${topology}): alert POST → order accepted by the simulator ${stat} @ ${E2E.rate} alerts/s`,
              unit: `ms ${stat}`,
              value,
              higherIsBetter: false,
              goal: `<= ${goal} ms`,
              goalMet: value <= goal,
              extra,
            });
          progress(
            `  p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (${latencies.length} orders) ${extra.outcomes}`,
          );
        }
      } finally {
        client.close();
        await intake.close();
        await running.close();
        await extras.close();
        await bus.close();
        if (topology !== 'one process') await deletePrefix(keyPrefix, REDIS_URL);
        await sim.close();
        await h.cleanup();
      }
    }
    return results;
  },
};

export default suite;
