import type { Bar } from '@enigma/core/marketdata/index';
import { Money } from '@enigma/core/money';
import { type DbHandle, getCandles, migrate, openDatabase } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedCandleWriter, type CandleStore, dbCandleStore } from './candle-store.ts';

const M = 60_000;
const T0 = Date.UTC(2025, 4, 5, 10, 0);
const bar = (i: number, close: string): Bar => ({
  symbol: 'XBTUSDTM',
  timeframe: '1m',
  openTime: T0 + i * M,
  open: new Money('100'),
  high: new Money('101.5'),
  low: new Money('99.1'),
  close: new Money(close),
  volume: new Money(7),
  turnover: new Money('0.7'),
  trades: 3,
});

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DbHandle;
let store: CandleStore;

beforeAll(async () => {
  tdb = await createTestDatabase();
  handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  store = dbCandleStore(handle.db);
});

afterAll(async () => {
  await handle?.close();
  await tdb?.drop();
});

describe('dbCandleStore', () => {
  it('stores exact decimals, reports the newest open time, and upserts idempotently', async () => {
    expect(await store.latestOpen('XBTUSDTM', '1m')).toBeUndefined();
    await store.upsert([bar(0, '100.25'), bar(1, '100.5')]);
    await store.upsert([bar(1, '100.75'), bar(2, '101')]);
    expect(await store.latestOpen('XBTUSDTM', '1m')).toBe(T0 + 2 * M);
    const rows = await getCandles(handle.db, 'XBTUSDTM', '1m', new Date(T0), new Date(T0 + 10 * M));
    expect(rows.map((r) => [r.openTime.getTime() - T0, Number(r.close), r.trades, r.source])).toEqual([
      [0, 100.25, 3, 'kucoin-trades'],
      [M, 100.75, 3, 'kucoin-trades'],
      [2 * M, 101, 3, 'kucoin-trades'],
    ]);
    expect(rows[0]!.high).toMatch(/^101\.5/);
  });

  it('keeps REST bars apart: no invented trade count or turnover', async () => {
    await store.upsert([{ ...bar(5, '99'), source: 'kucoin' }]);
    const [row] = await getCandles(handle.db, 'XBTUSDTM', '1m', new Date(T0 + 5 * M), new Date(T0 + 6 * M));
    expect(row).toMatchObject({ source: 'kucoin', trades: null, turnover: null });
  });
});

describe('BatchedCandleWriter', () => {
  it('writes queued bars in one batch on flush and reports them', async () => {
    const written: number[] = [];
    const writer = new BatchedCandleWriter(store, {
      flushEveryMs: 60_000,
      onWritten: (b) => written.push(b.length),
    });
    writer.add([bar(10, '1'), bar(11, '2')]);
    writer.add([bar(12, '3')]);
    expect(writer.pending).toBe(3);
    await writer.close();
    expect(written).toEqual([3]);
    expect(await store.latestOpen('XBTUSDTM', '1m')).toBe(T0 + 12 * M);
  });

  it('keeps bars queued when a write fails and writes them on the next flush', async () => {
    let fail = true;
    const flaky: CandleStore = {
      latestOpen: store.latestOpen,
      load: store.load,
      async upsert(bars) {
        if (fail) throw new Error('connection reset');
        await store.upsert(bars);
      },
    };
    const writer = new BatchedCandleWriter(flaky, { flushEveryMs: 60_000 });
    writer.add([bar(20, '5')]);
    await expect(writer.flush()).rejects.toThrow('connection reset');
    expect(writer.pending).toBe(1);
    fail = false;
    await writer.close();
    expect(writer.pending).toBe(0);
    expect(await store.latestOpen('XBTUSDTM', '1m')).toBe(T0 + 20 * M);
  });
});
