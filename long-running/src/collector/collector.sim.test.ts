import { type DbHandle, getCandles, migrate, openDatabase } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { ManualClock } from '../sim/clock.ts';
import { type RunningSimulator, startSimulator } from '../sim/server.ts';
import { waitFor } from '../testing/wait-for.ts';
import { dbCandleStore } from './candle-store.ts';
import { Collector } from './collector.ts';
import { type HealthEvent, MARKET_EVENTS } from './events.ts';
import { kucoinCollectorRest } from './kucoin-api.ts';
import { kucoinFeed } from './kucoin-feed.ts';

const SYMBOL = 'XBTUSDTM';
const M = 60_000;
// 10 s into a minute, so the collector starts mid-minute as it would in production
const T0 = Date.UTC(2025, 4, 5, 10, 0, 10);

interface Rig {
  sim: RunningSimulator;
  clock: ManualClock;
  collector: Collector;
  http: KucoinHttpClient;
  handle: DbHandle;
  health: HealthEvent[];
  /** Stop the collector and replace it with a new, not yet started one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A simulator on a manual clock, a fresh PostgreSQL database and a collector wired to both. */
async function startRig(symbol: string, source: 'synthetic' | 'replay'): Promise<Rig> {
  const clock = new ManualClock(T0);
  const sim = await startSimulator({
    clock,
    symbols: [symbol],
    source,
    tickMs: 1_000,
    warmupMinutes: 30,
    // dead after 1.5 s of silence: short for the test, long enough not to trip on a busy CI machine
    pingInterval: 1_000,
    pingTimeout: 1_000,
    logger: pino({ level: 'silent' }),
  });
  const tdb = await createTestDatabase();
  const handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  const http = new KucoinHttpClient({ baseUrl: sim.url });
  const bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
  const health: HealthEvent[] = [];
  await bus.subscribe<HealthEvent>(MARKET_EVENTS.health, (e) => {
    health.push(e);
  });
  const newCollector = () =>
    new Collector({
      symbols: [symbol],
      rest: kucoinCollectorRest(http),
      feed: kucoinFeed(http, { handshakeTimeoutMs: 500, reconnectBaseMs: 20, reconnectMaxMs: 200 }),
      store: dbCandleStore(handle.db),
      registry: new Registry(),
      bus,
      tickMs: 20,
      lookbackMs: 20 * M,
      staleAfterMs: 60_000,
    });
  const rig: Rig = {
    sim,
    clock,
    collector: newCollector(),
    http,
    handle,
    health,
    async restart() {
      await rig.collector.stop();
      rig.collector = newCollector();
    },
    async close() {
      await rig.collector.stop();
      await sim.close();
      await bus.close();
      await handle.close();
      await tdb.drop();
    },
  };
  await rig.collector.start();
  return rig;
}

/** Move the simulated market forward in 1 s steps, letting the pushes reach the collector as it goes. */
async function runMarket(rig: Rig, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1_000) {
    rig.sim.advance(1_000);
    await new Promise((r) => setImmediate(r));
  }
}

/** Wait until the collector has seen the market up to the simulator's clock. */
async function caughtUp(rig: Rig, symbol: string): Promise<void> {
  await waitFor(
    () => (rig.collector.stats(symbol)?.marketTime ?? 0) >= rig.clock.now() - 1_000,
    20_000,
    'collector to catch up',
  );
}

/** Stored 1m candles vs the simulator's own minute bars: same minutes, same OHLCV. */
async function expectStoredEqualsSim(rig: Rig, symbol: string, from: number, lastClosed: number) {
  await waitFor(
    () => rig.collector.stats(symbol)!.candlesContiguousUntil >= lastClosed,
    20_000,
    'candles contiguous',
  );
  await rig.collector.flush();
  const rows = await getCandles(rig.handle.db, symbol, '1m', new Date(from), new Date(lastClosed + M));
  expect(rows.map((r) => r.openTime.getTime())).toEqual(
    Array.from({ length: (lastClosed - from) / M + 1 }, (_, i) => from + i * M),
  );
  const simBars = new Map(rig.sim.engine.market(symbol).minutes.map((b) => [b.time, b]));
  for (const r of rows) {
    const s = simBars.get(r.openTime.getTime());
    expect(s, `sim bar ${r.openTime.toISOString()}`).toBeDefined();
    expect(
      [Number(r.open), Number(r.high), Number(r.low), Number(r.close), Number(r.volume)],
      r.openTime.toISOString(),
    ).toEqual([s!.open, s!.high, s!.low, s!.close, s!.volume]);
  }
  return rows;
}

describe('Collector against the simulator', () => {
  let rig: Rig;
  afterAll(async () => {
    await rig?.close();
  });

  it('survives a silently dead WebSocket: detects it, reconnects, resyncs the book and backfills the candle gap', async () => {
    rig = await startRig(SYMBOL, 'synthetic');
    const { sim, collector, health } = rig;
    await runMarket(rig, 3 * M);
    await caughtUp(rig, SYMBOL);
    await waitFor(() => collector.stats(SYMBOL)!.bookSynced, 10_000, 'book sync');
    expect(collector.isFresh(SYMBOL, 'level2')).toBe(true);

    // the link goes silent: no data, no pong, no close frame
    sim.faults.set({ wsSilent: true });
    await waitFor(() => collector.details().connected === false, 10_000, 'silence detected');
    await waitFor(() => health.some((e) => e.kind === 'disconnected'), 5_000, 'disconnected health event');
    const lastSeenBefore = collector.stats(SYMBOL)!.marketTime;
    await runMarket(rig, 2 * M + 30_000); // trades and deltas the collector never sees
    sim.faults.set({ wsSilent: false });
    await waitFor(() => collector.reconnects >= 1, 10_000, 'reconnect');

    await runMarket(rig, 3 * M);
    await caughtUp(rig, SYMBOL);
    await waitFor(() => collector.stats(SYMBOL)!.bookSynced, 10_000, 'book resync');

    // the book equals the simulator's at the same sequence
    const snapshot = await rig.http.market.orderBook(SYMBOL);
    await waitFor(
      () => collector.orderBook(SYMBOL)?.sequence === snapshot.sequence,
      10_000,
      'book at snapshot sequence',
    );
    const ours = collector.orderBook(SYMBOL)!.depth(10_000);
    const plain = (ls: { price: { toString(): string }; size: number }[]) =>
      ls.map((l) => `${l.price.toString()}@${l.size}`);
    expect(ours.bids.length).toBeGreaterThan(10);
    expect(plain(ours.bids)).toEqual(plain(snapshot.bids));
    expect(plain(ours.asks)).toEqual(plain(snapshot.asks));
    expect(collector.stats(SYMBOL)!.resyncs).toBeGreaterThanOrEqual(2);

    // every minute from the lookback to the last closed one is stored and equals the simulator's candles
    const lastClosed = Math.floor(rig.clock.now() / M) * M - M;
    const rows = await expectStoredEqualsSim(rig, SYMBOL, Math.floor((T0 - 20 * M) / M) * M, lastClosed);
    // the gap came from REST; minutes before and after it were built from trades
    const bySource = new Map(rows.map((r) => [r.openTime.getTime(), r.source]));
    const gapMinute = Math.floor(lastSeenBefore / M) * M + M;
    expect(bySource.get(gapMinute)).toBe('kucoin');
    expect(bySource.get(gapMinute - 2 * M)).toBe('kucoin-trades');
    expect(bySource.get(lastClosed)).toBe('kucoin-trades');
    expect(
      health.some(
        (e) => e.kind === 'backfilled' && (e.from as number) <= gapMinute && (e.to as number) > gapMinute,
      ),
    ).toBe(true);
    // the exchange's own candle channel agreed with the bars built from trades
    expect(collector.stats(SYMBOL)!.comparedCandles).toBeGreaterThanOrEqual(2);
    expect(collector.stats(SYMBOL)!.candleDisagreements).toBe(0);
  }, 120_000);

  it('after a restart resumes from the last stored bar and backfills the downtime, retrying REST failures', async () => {
    await rig?.close();
    rig = await startRig(SYMBOL, 'synthetic');
    await runMarket(rig, 2 * M + 30_000);
    await caughtUp(rig, SYMBOL);
    const before = rig.collector.stats(SYMBOL)!.candlesContiguousUntil;
    await rig.restart(); // stop writes every queued bar
    await runMarket(rig, 3 * M); // the collector is down
    // and the kline endpoint fails for a while after it comes back: the backfill must retry
    rig.sim.faults.set({ errorResponses: 6, errorStatus: 503, pathPrefix: '/api/v1/kline' });
    await rig.collector.start();
    await waitFor(() => rig.health.some((e) => e.kind === 'backfill-failed'), 20_000, 'a failed backfill');
    await runMarket(rig, 2 * M);
    await caughtUp(rig, SYMBOL);
    const lastClosed = Math.floor(rig.clock.now() / M) * M - M;
    const rows = await expectStoredEqualsSim(rig, SYMBOL, Math.floor((T0 - 20 * M) / M) * M, lastClosed);
    const bySource = new Map(rows.map((r) => [r.openTime.getTime(), r.source]));
    expect(bySource.get(before + M)).toBe('kucoin');
    expect(bySource.get(before)).toBe('kucoin-trades');
    expect(bySource.get(lastClosed)).toBe('kucoin-trades');
  }, 120_000);

  it("builds 1m candles from the replayed trades that equal the simulator's own candles", async () => {
    await rig?.close();
    rig = await startRig('ETHUSDTM', 'replay');
    await runMarket(rig, 8 * M);
    await caughtUp(rig, 'ETHUSDTM');
    const lastClosed = Math.floor(rig.clock.now() / M) * M - M;
    const rows = await expectStoredEqualsSim(rig, 'ETHUSDTM', Math.floor(T0 / M) * M + M, lastClosed);
    expect(rows.filter((r) => r.source === 'kucoin-trades').length).toBeGreaterThanOrEqual(7);
    expect(rows.every((r) => Number(r.volume) > 0)).toBe(true);
  }, 120_000);
});
