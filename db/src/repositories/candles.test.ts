import Decimal from 'decimal.js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db-type.ts';
import { openTestDatabase, TEST_DRIVERS_WITH_HTTP, type TestHandle } from '../testing/drivers.ts';
import { type CandleInput, getCandles, latestCandleTime, upsertCandles } from './candles.ts';

const MIN = 60_000;
const t0 = Date.parse('2026-11-01T00:00:00Z');

function series(symbol: string, n: number, startMs = t0): CandleInput[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol,
    timeframe: '1m',
    openTime: new Date(startMs + i * MIN),
    open: `${60000 + i}.5`,
    high: `${60010 + i}`,
    low: `${59990 + i}`,
    close: new Decimal(60001 + i).plus('0.25'),
    volume: '12.345678901234567890',
    turnover: '740000.1',
    trades: i,
  }));
}

async function count(h: TestHandle): Promise<number> {
  return Number(rowsOf<{ n: string }>(await h.db.execute(sql`select count(*) as n from candles`))[0]!.n);
}

describe.each(TEST_DRIVERS_WITH_HTTP)('candles repository (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('is idempotent: the same batch twice leaves the same rows', async () => {
    const rows = series('XBTUSDTM', 100);
    await upsertCandles(h.db, rows);
    const first = await getCandles(h.db, 'XBTUSDTM', '1m', new Date(t0), new Date(t0 + 100 * MIN));
    await upsertCandles(h.db, rows);
    const second = await getCandles(h.db, 'XBTUSDTM', '1m', new Date(t0), new Date(t0 + 100 * MIN));
    expect(second).toEqual(first);
    expect(first).toHaveLength(100);
    expect(first[0]).toMatchObject({
      open: '60000.5',
      close: '60001.25',
      volume: '12.345678901234567890',
      trades: 0,
    });
    expect(await count(h)).toBe(100);
  });

  it('updates a revised candle in place (the still-forming bar)', async () => {
    const [last] = series('XBTUSDTM', 1, t0 + 99 * MIN);
    await upsertCandles(h.db, [{ ...last!, close: '1.5', volume: '99', trades: 7 }]);
    const [row] = await getCandles(h.db, 'XBTUSDTM', '1m', new Date(t0 + 99 * MIN), new Date(t0 + 100 * MIN));
    expect(row).toMatchObject({ close: '1.5', volume: '99', trades: 7 });
    expect(await count(h)).toBe(100);
  });

  it('splits large batches into chunks and keeps the last duplicate in one batch', async () => {
    const rows = series('ETHUSDTM', 2500);
    rows.push({ ...rows[0]!, close: '42' });
    await upsertCandles(h.db, rows, { chunkRows: 1000 });
    const got = await getCandles(h.db, 'ETHUSDTM', '1m', new Date(t0), new Date(t0 + 10_000 * MIN));
    expect(got).toHaveLength(2500);
    expect(got[0]!.close).toBe('42');
    expect(got.map((c) => c.openTime.getTime())).toEqual(
      rows.slice(0, 2500).map((c) => c.openTime.getTime()),
    );
  });

  it('reads a half-open range and the latest open time', async () => {
    const got = await getCandles(h.db, 'XBTUSDTM', '1m', new Date(t0 + 10 * MIN), new Date(t0 + 20 * MIN));
    expect(got.map((c) => c.openTime.getTime())).toEqual(
      Array.from({ length: 10 }, (_, i) => t0 + (10 + i) * MIN),
    );
    expect((await latestCandleTime(h.db, 'XBTUSDTM', '1m'))?.getTime()).toBe(t0 + 99 * MIN);
    expect(await latestCandleTime(h.db, 'XBTUSDTM', '4h')).toBeNull();
  });

  it('round-trips nulls and awkward text through the column arrays', async () => {
    const odd = 'A,"B"\\{C} NULL';
    const [c] = series(odd, 1);
    await upsertCandles(h.db, [{ ...c!, timeframe: 'NULL', turnover: null, trades: null, source: "o'neil" }]);
    const [row] = await getCandles(h.db, odd, 'NULL', new Date(t0), new Date(t0 + MIN));
    expect(row).toMatchObject({
      symbol: odd,
      timeframe: 'NULL',
      turnover: null,
      trades: null,
      source: "o'neil",
    });
  });

  it('rejects a batch with one bad candle and writes none of it', async () => {
    const rows = series('SOLUSDTM', 10);
    rows[5] = { ...rows[5]!, high: 'NaN' };
    await expect(upsertCandles(h.db, rows)).rejects.toThrow(/high/);
    rows[5] = { ...rows[5]!, high: '1', openTime: new Date(Number.NaN) };
    await expect(upsertCandles(h.db, rows)).rejects.toThrow(/openTime/);
    expect(await latestCandleTime(h.db, 'SOLUSDTM', '1m')).toBeNull();
  });
});
