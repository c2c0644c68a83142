import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import type { RunningSimulator } from './server.ts';
import { T0 } from './test-engine.ts';
import { startTestSimulator } from './test-helpers.ts';

/**
 * Issue #11 item 12: the contract table is one data file (core/src/contract/contracts.json) and what the
 * simulator lists is built from it. The file is read here from disk, not through the module under test.
 * KUCOIN.md §3.2 (contract object), §3.9 (risk-limit tiers), §6.3 (funding schedule).
 */

interface Tier {
  level: number;
  minRiskLimit: number;
  maxRiskLimit: number;
  maxLeverage: number;
  initialMargin: string;
  maintainMargin: string;
}
type Row = Record<string, unknown> & {
  riskLimits: Tier[];
  confirmed: Record<string, string>;
  unconfirmed: Record<string, string>;
};

const file = new URL('../../../core/src/contract/contracts.json', import.meta.url);
const table = (JSON.parse(readFileSync(file, 'utf8')) as { contracts: Record<string, Row> }).contracts;

// biome-ignore lint/suspicious/noExplicitAny: KuCoin's JSON is read field by field.
type Envelope = { code: string; data: any };

describe('contract table (contracts.json)', () => {
  let sim: RunningSimulator;
  const get = async (path: string): Promise<Envelope> =>
    (await (await fetch(`${sim.url}${path}`)).json()) as Envelope;

  beforeAll(async () => {
    sim = await startTestSimulator({ clock: new ManualClock(T0) });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists exactly the file’s contracts, each field as the file gives it', async () => {
    const res = await get('/api/v1/contracts/active');
    expect(res.code).toBe('200000');
    const bySymbol = new Map<string, Record<string, unknown>>(
      res.data.map((c: Record<string, unknown>) => [c['symbol'], c]),
    );
    expect([...bySymbol.keys()].sort()).toEqual(Object.keys(table).sort());
    for (const [symbol, row] of Object.entries(table)) {
      const c = bySymbol.get(symbol)!;
      const first = row.riskLimits[0]!;
      expect(c, symbol).toMatchObject({
        symbol,
        baseCurrency: row['baseCurrency'],
        quoteCurrency: row['quoteCurrency'],
        settleCurrency: row['settleCurrency'],
        // KuCoin sends these as JSON numbers (KUCOIN.md §3.2); the file keeps decimal strings.
        multiplier: Number(row['multiplier']),
        tickSize: Number(row['tickSize']),
        indexPriceTickSize: Number(row['indexPriceTickSize']),
        lotSize: row['lotSize'],
        maxOrderQty: row['maxOrderQty'],
        maxPrice: row['maxPrice'],
        maxLeverage: row['maxLeverage'],
        makerFeeRate: Number(row['makerFeeRate']),
        takerFeeRate: Number(row['takerFeeRate']),
        fundingRateGranularity: row['fundingRateGranularity'],
        indexSymbol: row['indexSymbol'],
        firstOpenDate: row['firstOpenDate'],
        initialMargin: Number(first.initialMargin),
        maintainMargin: Number(first.maintainMargin),
      });
    }
  });

  it('answers each contract’s risk-limit tiers from the file (KUCOIN.md §3.9)', async () => {
    for (const [symbol, row] of Object.entries(table)) {
      const res = await get(`/api/v1/contracts/risk-limit/${symbol}`);
      expect(res.data, symbol).toEqual(
        row.riskLimits.map((t) => ({
          symbol,
          level: t.level,
          minRiskLimit: t.minRiskLimit,
          maxRiskLimit: t.maxRiskLimit,
          maxLeverage: t.maxLeverage,
          initialMargin: Number(t.initialMargin),
          maintainMargin: Number(t.maintainMargin),
        })),
      );
    }
  });

  it('settles funding on each contract’s own grid: XBTUSDTM 04:00, SOLUSDTM 08:00 after midnight', async () => {
    // T0 is 2025-01-01 00:00 UTC. XBTUSDTM: recorded timePoint 04:00 (data/kucoin/http_get_funding_rate_current.json);
    // SOLUSDTM: the recorded series' funding rate restarts at 00:00/08:00/16:00 (data/series/kucoin-futures).
    const next = async (s: string) => (await get(`/api/v1/contracts/${s}`)).data.nextFundingRateTime;
    expect(await next('XBTUSDTM')).toBe(4 * 3600_000);
    expect(await next('SOLUSDTM')).toBe(8 * 3600_000);
    for (const [symbol, row] of Object.entries(table)) {
      const g = row['fundingRateGranularity'] as number;
      const offset = row['fundingTimeOffset'] as number;
      expect(await next(symbol), symbol).toBe((((offset - T0) % g) + g) % g || g);
    }
  });

  it('marks every field confirmed (with its source) or unconfirmed (with why), never both', () => {
    for (const [symbol, row] of Object.entries(table)) {
      const fields = Object.keys(row).filter((k) => k !== 'confirmed' && k !== 'unconfirmed');
      const marked = [...Object.keys(row.confirmed), ...Object.keys(row.unconfirmed)];
      expect(marked.sort(), symbol).toEqual(fields.sort());
      for (const why of [...Object.values(row.confirmed), ...Object.values(row.unconfirmed)])
        expect(why.length, symbol).toBeGreaterThan(10);
    }
    // KUCOIN.md §3.2/§3.9 carry a whole XBTUSDTM sample; ETHUSDTM's tick (§8.7) and both ladders are open.
    expect(table['XBTUSDTM']!.unconfirmed).toEqual({});
    expect(Object.keys(table['ETHUSDTM']!.unconfirmed)).toEqual(
      expect.arrayContaining(['tickSize', 'riskLimits']),
    );
    expect(Object.keys(table['SOLUSDTM']!.unconfirmed)).toEqual(
      expect.arrayContaining(['multiplier', 'tickSize', 'riskLimits']),
    );
  });
});
