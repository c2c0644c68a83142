import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { entryLots } from '../engine/sizing.ts';
import { preTradeChecks } from './checks.ts';
import {
  DEFAULT_RISK_LIMITS,
  type RiskLimits,
  RiskLimitsError,
  resolveRiskLimits,
  riskLimitsSchema,
  type StoredRiskLimits,
} from './limits.ts';

/** The documented defaults, written out by hand. */
const DOCUMENTED: RiskLimits = {
  maxLeverage: 10,
  maxPositionLots: {},
  maxPositionNotional: '5000',
  maxTotalExposure: '20000',
  maxOpenPositions: 5,
  maxOrderLots: 10_000,
  maxOrderNotional: '5000',
  priceCollarPct: '2',
  minLiquidationDistanceMultiple: '2',
  maxDataAgeMs: 15_000,
  maxDailyLoss: '500',
  maxDrawdownPct: '20',
  maxConsecutiveLosses: 5,
  lossCooldownMinutes: 60,
  maxExchangeErrorPct: '50',
  riskPerTradePct: '1',
};

/** A valid stored value for every field, each different from its default. */
const OTHER: RiskLimits = {
  maxLeverage: 3,
  maxPositionLots: { XBTUSDTM: 7 },
  maxPositionNotional: '1000.5',
  maxTotalExposure: '3000',
  maxOpenPositions: 0,
  maxOrderLots: 50,
  maxOrderNotional: '250',
  priceCollarPct: '0.5',
  minLiquidationDistanceMultiple: '3.5',
  maxDataAgeMs: 2000,
  maxDailyLoss: '0',
  maxDrawdownPct: '100',
  maxConsecutiveLosses: 1,
  lossCooldownMinutes: 0,
  maxExchangeErrorPct: '12.25',
  riskPerTradePct: '0.25',
};
const KEYS = Object.keys(DOCUMENTED) as (keyof RiskLimits)[];

describe('risk limits: defaults', () => {
  it('the defaults are the documented ones', () => {
    expect(DEFAULT_RISK_LIMITS).toEqual(DOCUMENTED);
  });
  it('every field of the schema has a default, and the defaults parse', () => {
    expect(Object.keys(riskLimitsSchema.shape).sort()).toEqual([...KEYS].sort());
    expect(riskLimitsSchema.safeParse(DEFAULT_RISK_LIMITS).success).toBe(true);
    expect(riskLimitsSchema.safeParse(OTHER).success).toBe(true);
  });
  it('no stored value (missing row) means the defaults', () => {
    expect(resolveRiskLimits(undefined)).toEqual(DOCUMENTED);
    expect(resolveRiskLimits(null)).toEqual(DOCUMENTED);
    expect(resolveRiskLimits({})).toEqual(DOCUMENTED);
  });
  it('the defaults cannot be changed through a resolved value', () => {
    const r = resolveRiskLimits(undefined);
    r.maxLeverage = 100;
    try {
      r.maxPositionLots.XBTUSDTM = 1;
    } catch {
      // frozen: fine
    }
    expect(DEFAULT_RISK_LIMITS).toEqual(DOCUMENTED);
    expect(resolveRiskLimits(undefined)).toEqual(DOCUMENTED);
  });
});

describe('risk limits: an absent field means its default, a present one overrides only itself', () => {
  it('for every field alone', () => {
    for (const k of KEYS) {
      const r = resolveRiskLimits({ [k]: OTHER[k] });
      expect(r[k], k).toEqual(OTHER[k]);
      for (const other of KEYS)
        if (other !== k) expect(r[other], `${k} set, ${other}`).toEqual(DOCUMENTED[other]);
    }
  });
  it('for any subset of fields (property)', () => {
    fc.assert(
      fc.property(fc.subarray(KEYS), (present) => {
        const stored: StoredRiskLimits = {};
        for (const k of present) Object.assign(stored, { [k]: OTHER[k] });
        const r = resolveRiskLimits(JSON.parse(JSON.stringify(stored)));
        for (const k of KEYS) expect(r[k]).toEqual(present.includes(k) ? OTHER[k] : DOCUMENTED[k]);
      }),
      { numRuns: 300 },
    );
  });
  it('an explicit undefined is absent, not "no limit"', () => {
    const r = resolveRiskLimits({ maxLeverage: undefined, maxOrderNotional: undefined });
    expect(r.maxLeverage).toBe(10);
    expect(r.maxOrderNotional).toBe('5000');
    expect(Object.values(r).includes(undefined as never)).toBe(false);
  });
});

describe('risk limits: a stored value that does not parse throws, never {}', () => {
  const BAD: [string, unknown][] = [
    ['a JSON string instead of an object', '{"maxLeverage":3}'],
    ['a number', 42],
    ['an array', []],
    ['true', true],
    ['an unknown field (typo)', { maxLevrage: 3 }],
    ['leverage as a string', { maxLeverage: '10' }],
    ['leverage 0', { maxLeverage: 0 }],
    ['leverage 126', { maxLeverage: 126 }],
    ['leverage 2.5', { maxLeverage: 2.5 }],
    ['leverage null', { maxLeverage: null }],
    ['percent as a number', { priceCollarPct: 2 }],
    ['percent above 100', { priceCollarPct: '101' }],
    ['percent 100.000001', { maxDrawdownPct: '100.000001' }],
    ['negative percent', { riskPerTradePct: '-1' }],
    ['percent with a sign', { riskPerTradePct: '1%' }],
    ['money as a number', { maxDailyLoss: 500 }],
    ['negative money', { maxDailyLoss: '-5' }],
    ['money in exponent form', { maxOrderNotional: '1e3' }],
    ['money NaN', { maxOrderNotional: 'NaN' }],
    ['lot cap for a lower-case symbol', { maxPositionLots: { xbtusdtm: 5 } }],
    ['lot cap 0', { maxPositionLots: { XBTUSDTM: 0 } }],
    ['lot cap fractional', { maxPositionLots: { XBTUSDTM: 1.5 } }],
    ['data age below 100 ms', { maxDataAgeMs: 50 }],
    ['liquidation multiple negative', { minLiquidationDistanceMultiple: '-2' }],
    ['open positions above 100', { maxOpenPositions: 101 }],
    ['order lots 0', { maxOrderLots: 0 }],
  ];
  it.each(BAD)('%s', (_name, stored) => {
    expect(() => resolveRiskLimits(stored)).toThrow(RiskLimitsError);
  });
  it('the error names the field', () => {
    expect(() => resolveRiskLimits({ priceCollarPct: '150' })).toThrow(/priceCollarPct/);
    expect(() => resolveRiskLimits({ maxPositionLots: { XBTUSDTM: -1 } })).toThrow(
      /maxPositionLots\.XBTUSDTM/,
    );
  });
});

describe('risk limits: percentages are percent ("1" = 1 %, not 100 %)', () => {
  it('accepts 0 … 100 with up to 6 decimals', () => {
    for (const v of ['0', '0.5', '1', '12.345678', '99.999999', '100', '100.0']) {
      expect(resolveRiskLimits({ priceCollarPct: v }).priceCollarPct, v).toBe(v);
    }
  });
  it('priceCollarPct "1" lets a price 1 % from the mark through and blocks one tick beyond', () => {
    const limits = resolveRiskLimits({ priceCollarPct: '1' });
    const d = (v: number | string) => new Decimal(v);
    const now = 1_700_000_000_000;
    const check = (price: string) =>
      preTradeChecks(
        {
          symbol: 'XBTUSDTM',
          side: 'buy',
          lots: 1,
          reduceOnly: false,
          price: d(price),
          leverage: 5,
          stopPrice: d(9_900),
          kind: 'limit',
        },
        {
          symbol: 'XBTUSDTM',
          multiplier: d('0.001'),
          tickSize: d('0.1'),
          lotSize: 1,
          maxOrderQty: 1_000_000,
          maxLeverage: 125,
          takerFeeRate: d('0.0006'),
          maintainMarginRate: d('0.004'),
        },
        {
          now,
          limits,
          killSwitchOn: false,
          breaker: 'active',
          origin: 'signal',
          market: { mark: d(10_000), markAt: now, bestBid: d(9_999.9), bestAsk: d(10_000.1), bookAt: now },
          account: { equity: d(1000), available: d(1000) },
          positions: [],
          openOrders: { limit: 0, stop: 0 },
        },
      ).map((b) => b.code);
    expect(check('10100')).toEqual([]); // 100 = 1 % of 10,000
    expect(check('10100.1')).toEqual(['price_collar']);
  });
  it('riskPerTradePct "1" risks 1 % of equity (100 of 10,000 USDT → 100 lots over a 1-USDT stop × 1)', () => {
    const limits = resolveRiskLimits({ riskPerTradePct: '1' });
    const r = entryLots({
      sizing: { method: 'risk' },
      equity: new Decimal(10_000),
      price: new Decimal(50),
      multiplier: new Decimal(1),
      lotSize: 1,
      stopDistance: new Decimal(1),
      defaultRiskPct: limits.riskPerTradePct,
      score: null,
      scaleByScore: false,
    });
    expect(r).toEqual({ ok: true, lots: 100 });
  });
});

describe('risk limits: patterns, messages and documentation, by hand', () => {
  const refused = (stored: unknown) => {
    try {
      resolveRiskLimits(stored);
    } catch (e) {
      expect(e).toBeInstanceOf(RiskLimitsError);
      return (e as Error).message;
    }
    throw new Error('expected a RiskLimitsError');
  };
  it('names the error and lists each issue with its path', () => {
    expect(new RiskLimitsError('x').name).toBe('RiskLimitsError');
    expect(refused({ maxLeverage: 0, maxOrderLots: -1 })).toMatch(
      /^stored risk limits do not parse: maxLeverage: .+; maxOrderLots: .+$/,
    );
    expect(refused(5)).toMatch(/^stored risk limits do not parse: \(root\): .+$/);
    expect(refused({ priceCollarPct: '150' })).toBe(
      'stored risk limits do not parse: priceCollarPct: at most 100 (percent)',
    );
    expect(refused({ maxDailyLoss: 'abc' })).toBe(
      'stored risk limits do not parse: maxDailyLoss: a non-negative USDT amount as a decimal string, e.g. "2500.50"',
    );
    expect(refused({ maxDrawdownPct: '1x' })).toBe(
      // Number('1x') is NaN, so the "at most 100" check fails too
      'stored risk limits do not parse: maxDrawdownPct: a percentage as a decimal string where "1" means 1 %; maxDrawdownPct: at most 100 (percent)',
    );
  });
  it('accepts and refuses by the documented patterns', () => {
    for (const ok of [{ maxDailyLoss: '2500.50' }, { maxDailyLoss: '1.12345678' }, { priceCollarPct: '1.5' }])
      expect(() => resolveRiskLimits(ok)).not.toThrow();
    for (const multiple of ['10', '2.25', '9999.9999'])
      expect(
        resolveRiskLimits({ minLiquidationDistanceMultiple: multiple }).minLiquidationDistanceMultiple,
      ).toBe(multiple);
    for (const multiple of ['12345', '2.12345', '2x', 'x2'])
      expect(() => resolveRiskLimits({ minLiquidationDistanceMultiple: multiple }), multiple).toThrow(
        RiskLimitsError,
      );
    expect(() => resolveRiskLimits({ maxDailyLoss: '1.123456789' })).toThrow(RiskLimitsError);
    for (const key of ['xXBTUSDTM', 'XBTUSDTMX', 'XBTUSDT', 'M'])
      expect(() => resolveRiskLimits({ maxPositionLots: { [key]: 1 } }), key).toThrow(RiskLimitsError);
    expect(resolveRiskLimits({ maxPositionLots: { XBTUSDTM: 3 } }).maxPositionLots).toEqual({ XBTUSDTM: 3 });
  });
  it('documents every field (the settings API and the dashboard show these descriptions)', () => {
    const json = z.toJSONSchema(riskLimitsSchema) as { properties: Record<string, { description?: string }> };
    const undocumented = Object.entries(json.properties)
      .filter(([, p]) => !p.description || p.description.length < 10)
      .map(([k]) => k);
    expect(undocumented).toEqual([]);
    expect(Object.keys(json.properties).sort()).toEqual(Object.keys(DEFAULT_RISK_LIMITS).sort());
  });
});
