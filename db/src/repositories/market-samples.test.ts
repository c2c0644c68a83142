import Decimal from 'decimal.js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db-type.ts';
import { openTestDatabase, TEST_DRIVERS_WITH_HTTP, type TestHandle } from '../testing/drivers.ts';
import {
  type FundingRateInput,
  getFundingRates,
  getMarkSamples,
  latestFundingTime,
  type MarkSampleInput,
  upsertFundingRates,
  upsertMarkSamples,
} from './market-samples.ts';

const MIN = 60_000;
const H8 = 8 * 3_600_000;
const t0 = Date.parse('2026-11-01T04:00:00Z');

function settled(symbol: string, n: number, startMs = t0): FundingRateInput[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol,
    kind: 'settled' as const,
    fundingTime: new Date(startMs + i * H8),
    rate: `0.0001${i}`,
    granularityMs: H8,
  }));
}

function marks(symbol: string, n: number, startMs = t0): MarkSampleInput[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol,
    ts: new Date(startMs + i * MIN),
    markPrice: new Decimal(97000 + i).plus('0.15'),
    indexPrice: `${96990 + i}.123456789012345678`,
  }));
}

async function count(h: TestHandle, table: 'funding_rates' | 'mark_price_samples'): Promise<number> {
  const res = await h.db.execute(sql`select count(*) as n from ${sql.identifier(table)}`);
  return Number(rowsOf<{ n: string }>(res)[0]!.n);
}

describe.each(TEST_DRIVERS_WITH_HTTP)('market samples repository (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('is idempotent for funding rates: the same batch twice leaves the same rows', async () => {
    const rows = settled('XBTUSDTM', 30);
    expect(await upsertFundingRates(h.db, rows)).toEqual({ written: 30 });
    const first = await getFundingRates(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 30 * H8));
    await upsertFundingRates(h.db, rows);
    const second = await getFundingRates(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 30 * H8));
    expect(second).toEqual(first);
    expect(first).toHaveLength(30);
    expect(first[3]).toMatchObject({ kind: 'settled', rate: '0.00013', granularityMs: H8, source: 'kucoin' });
    expect(await count(h, 'funding_rates')).toBe(30);
  });

  it('keeps a live predicted rate and the settled rate at the same instant apart', async () => {
    await upsertFundingRates(h.db, [
      {
        symbol: 'XBTUSDTM',
        kind: 'predicted',
        fundingTime: new Date(t0),
        rate: '-0.0002',
        granularityMs: MIN,
      },
    ]);
    const both = await getFundingRates(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 1));
    expect(both.map((r) => [r.kind, r.rate])).toEqual([
      ['predicted', '-0.0002'],
      ['settled', '0.00010'],
    ]);
    const onlySettled = await getFundingRates(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 1), 'settled');
    expect(onlySettled.map((r) => r.kind)).toEqual(['settled']);
  });

  it('reports the latest funding time per kind, optionally before a bound', async () => {
    expect((await latestFundingTime(h.db, 'XBTUSDTM'))?.getTime()).toBe(t0 + 29 * H8);
    expect((await latestFundingTime(h.db, 'XBTUSDTM', 'predicted'))?.getTime()).toBe(t0);
    expect((await latestFundingTime(h.db, 'XBTUSDTM', 'settled', new Date(t0 + 10 * H8)))?.getTime()).toBe(
      t0 + 9 * H8,
    );
    expect(await latestFundingTime(h.db, 'ETHUSDTM')).toBeNull();
  });

  it('updates a revised rate in place', async () => {
    const [first] = settled('XBTUSDTM', 1);
    await upsertFundingRates(h.db, [{ ...first!, rate: '0.0003' }]);
    const [row] = await getFundingRates(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 1), 'settled');
    expect(row!.rate).toBe('0.0003');
    expect(await count(h, 'funding_rates')).toBe(31);
  });

  it('is idempotent for mark samples and keeps exact decimals', async () => {
    const rows = marks('XBTUSDTM', 60);
    await upsertMarkSamples(h.db, rows);
    const first = await getMarkSamples(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 60 * MIN));
    await upsertMarkSamples(h.db, rows);
    expect(await getMarkSamples(h.db, 'XBTUSDTM', new Date(t0), new Date(t0 + 60 * MIN))).toEqual(first);
    expect(first).toHaveLength(60);
    expect(first[0]).toMatchObject({ markPrice: '97000.15', indexPrice: '96990.123456789012345678' });
    expect(await count(h, 'mark_price_samples')).toBe(60);
  });

  it('splits large batches into chunks and keeps the last duplicate in one batch', async () => {
    const rows = marks('ETHUSDTM', 2500);
    rows.push({ ...rows[0]!, markPrice: '42', indexPrice: null });
    expect(await upsertMarkSamples(h.db, rows, { chunkRows: 1000 })).toEqual({ written: 2500 });
    const got = await getMarkSamples(h.db, 'ETHUSDTM', new Date(t0), new Date(t0 + 10_000 * MIN));
    expect(got).toHaveLength(2500);
    expect(got[0]).toMatchObject({ markPrice: '42', indexPrice: null });
    expect(got.map((s) => s.ts.getTime())).toEqual(rows.slice(0, 2500).map((s) => s.ts.getTime()));

    const rates = settled('ETHUSDTM', 2500);
    await upsertFundingRates(h.db, rates, { chunkRows: 700 });
    const stored = await getFundingRates(h.db, 'ETHUSDTM', new Date(t0), new Date(t0 + 2500 * H8));
    expect(stored).toHaveLength(2500);
  });

  it('rejects a batch with one bad row and writes none of it', async () => {
    const rates = settled('SOLUSDTM', 10);
    for (const bad of [
      { rate: 'NaN' },
      { rate: Number.POSITIVE_INFINITY },
      { rate: Number.NaN },
      { rate: new Decimal(Number.NaN) },
      { fundingTime: new Date(Number.NaN) },
      { kind: 'guessed' as never },
      { granularityMs: 0 },
      { granularityMs: 1.5 },
    ]) {
      const rows = rates.map((r, i) => (i === 5 ? { ...r, ...bad } : r));
      await expect(upsertFundingRates(h.db, rows)).rejects.toThrow();
    }
    expect(await latestFundingTime(h.db, 'SOLUSDTM')).toBeNull();

    const samples = marks('SOLUSDTM', 10);
    for (const bad of [
      { markPrice: 'Infinity' },
      { markPrice: Number.NaN },
      { markPrice: new Decimal(Number.POSITIVE_INFINITY) },
      { indexPrice: Number.NEGATIVE_INFINITY },
      { ts: new Date(Number.NaN) },
    ]) {
      const rows = samples.map((s, i) => (i === 5 ? { ...s, ...bad } : s));
      await expect(upsertMarkSamples(h.db, rows)).rejects.toThrow(/markPrice|indexPrice|ts/);
    }
    expect(await getMarkSamples(h.db, 'SOLUSDTM', new Date(0), new Date(t0 + 100 * MIN))).toEqual([]);
  });
});
