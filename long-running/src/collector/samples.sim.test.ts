import { type DbHandle, getFundingRates, getMarkSamples, migrate, openDatabase } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import { ManualClock } from '../sim/clock.ts';
import { type RunningSimulator, startSimulator } from '../sim/server.ts';
import { waitFor } from '../testing/wait-for.ts';
import { MARKET_EVENTS } from './events.ts';
import { type CollectorService, startCollectorService } from './service.ts';

const SYMBOL = 'XBTUSDTM';
const M = 60_000;
const T0 = Date.UTC(2025, 4, 5, 10, 0, 10);

let sim: RunningSimulator;
const clock = new ManualClock(T0);
let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DbHandle;
let service: CollectorService;
const registry = new Registry();
const marks: { markPrice: string; indexPrice: string; time: number }[] = [];
const fundings: { rate: string; granularityMs: number; time: number }[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    clock,
    symbols: [SYMBOL],
    tickMs: 1_000,
    warmupMinutes: 5,
    logger: pino({ level: 'silent' }),
  });
  tdb = await createTestDatabase();
  handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  const bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
  await bus.subscribe<(typeof marks)[number]>(MARKET_EVENTS.mark, (e) => {
    marks.push(e);
  });
  await bus.subscribe<(typeof fundings)[number]>(MARKET_EVENTS.funding, (e) => {
    fundings.push(e);
  });
  service = await startCollectorService({
    symbols: [SYMBOL],
    baseUrl: sim.url,
    db: handle.db,
    registry,
    logger: pino({ level: 'silent' }),
    bus,
    reference: false,
    tuning: { staleAfterMs: 60_000, lookbackMs: 5 * M },
    // only explicit flushes in this test, so what is queued at each step is known
    sampleWrites: { flushEveryMs: 3_600_000 },
  });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await sim?.close();
  await handle?.close();
  await tdb?.drop();
});

/** Advance the simulated market in 1 s steps and wait until the collector has seen all of it. */
async function runMarket(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    sim.advance(1_000);
    await new Promise((r) => setImmediate(r));
  }
  const until = clock.now() - 1_000;
  await waitFor(
    () => (service.collector.stats(SYMBOL)?.marketTime ?? 0) >= until,
    20_000,
    'collector to catch up',
  );
}

async function metric(name: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('collector service persists mark samples and funding rates (simulator + PostgreSQL)', () => {
  it('stores one mark sample per minute and every funding push, equal to what was published', async () => {
    await runMarket(3 * M + 5_000);
    await service.samples.flush();

    const stored = await getMarkSamples(handle.db, SYMBOL, new Date(0), new Date(clock.now() + 1));
    expect(stored.length).toBeGreaterThanOrEqual(3);
    const times = stored.map((s) => s.ts.getTime());
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(M);
    const published = new Map(marks.map((m) => [m.time, m]));
    for (const s of stored) {
      const p = published.get(s.ts.getTime());
      expect(p, `published mark at ${s.ts.toISOString()}`).toBeDefined();
      expect([s.markPrice, s.indexPrice].map(Number)).toEqual([Number(p!.markPrice), Number(p!.indexPrice)]);
    }

    const rates = await getFundingRates(handle.db, SYMBOL, new Date(0), new Date(clock.now() + 1));
    expect(fundings.length).toBeGreaterThanOrEqual(3);
    expect(rates.map((r) => [r.kind, r.fundingTime.getTime(), Number(r.rate), r.granularityMs])).toEqual(
      fundings.map((f) => ['predicted', f.time, Number(f.rate), f.granularityMs]),
    );
    expect(await metric('enigma_collector_samples_stored_total{kind="funding"}')).toBe(fundings.length);
  }, 120_000);

  it('survives a failing database: counts the failure, keeps collecting, writes the backlog once it recovers', async () => {
    const failuresBefore = await metric('enigma_collector_sample_write_failures_total{kind="mark"}');
    const storedBefore = (await getMarkSamples(handle.db, SYMBOL, new Date(0), new Date(clock.now() + 1)))
      .length;
    // a real failure: the table is gone while the collector writes
    await handle.db.execute('alter table mark_price_samples rename to mark_price_samples_away');
    try {
      await runMarket(2 * M + 5_000);
      await service.samples.flush();
      expect(await metric('enigma_collector_sample_write_failures_total{kind="mark"}')).toBeGreaterThan(
        failuresBefore,
      );
      expect(service.samples.pending).toBeGreaterThanOrEqual(2);
      expect(service.collector.isFresh(SYMBOL)).toBe(true);
      const health = (await (await service.app.request('/healthz')).json()) as {
        pendingSampleWrites: number;
      };
      expect(health.pendingSampleWrites).toBe(service.samples.pending);
    } finally {
      await handle.db.execute('alter table mark_price_samples_away rename to mark_price_samples');
    }
    await runMarket(M);
    await service.samples.flush();
    expect(service.samples.pending).toBe(0);
    const after = await getMarkSamples(handle.db, SYMBOL, new Date(0), new Date(clock.now() + 1));
    expect(after.length).toBeGreaterThanOrEqual(storedBefore + 3);
  }, 120_000);
});
