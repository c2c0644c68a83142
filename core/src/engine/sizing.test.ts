import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryLots, type SizingInput, stopDistance, stopPriceFor, takeProfitPriceFor } from './sizing.ts';
import { DEFAULT_STRATEGY, strategyConfigSchema } from './strategy.ts';

const d = (v: string | number) => new Decimal(v);

/** XBTUSDTM-like: 0.001 BTC per lot, 1-lot step, at 65,000 USDT. */
const input = (over: Partial<SizingInput>): SizingInput => ({
  sizing: { method: 'fixed_notional', notional: '100' },
  equity: d(10_000),
  price: d(65_000),
  multiplier: d('0.001'),
  lotSize: 1,
  stopDistance: null,
  defaultRiskPct: '1',
  score: null,
  scaleByScore: false,
  ...over,
});

const lots = (over: Partial<SizingInput>) => {
  const r = entryLots(input(over));
  if (!r.ok) throw new Error(`expected lots, got ${r.code}: ${r.message}`);
  return r.lots;
};
const code = (over: Partial<SizingInput>) => {
  const r = entryLots(input(over));
  return r.ok ? `ok ${r.lots}` : r.code;
};

describe('entryLots — hand-computed sizes', () => {
  it('fixed notional: 100 USDT at 65,000 × 0.001 = 65 USDT a lot → 1 lot (1.538 rounded down)', () => {
    expect(lots({})).toBe(1);
  });
  it('risk sizing counts both taker fees and the stop aligned one tick further: the loss at the stop stays within the budget', () => {
    // equity 1,000, 1 % = 10 USDT; XBT at 60,000, a 0.5 % stop (300), taker 0.06 %, tick 0.1.
    // Per lot: (300.1 + 60,000 × 0.0006 + 60,300.1 × 0.0006) × 0.001 = (300.1 + 36 + 36.18006) × 0.001
    // = 0.37228006 → 10 / 0.37228006 = 26.86 → 26 lots (the move alone: 10 / 0.3 = 33 lots, which lose 12.27)
    const risk = {
      sizing: { method: 'risk' as const, riskPct: '1' },
      equity: d(1_000),
      price: d(60_000),
      stopDistance: d(300),
    };
    expect(lots(risk)).toBe(33);
    expect(lots({ ...risk, takerFeeRate: d('0.0006'), tickSize: d('0.1') })).toBe(26);
    // what 26 lots lose at the stop, fees included, is within the 10 USDT budget
    const loss = d(26)
      .mul('0.001')
      .mul(d(300).plus(d(60_000).mul('0.0006')).plus(d(59_700).mul('0.0006')));
    expect(loss.lte(10)).toBe(true);
  });
  it('fixed notional: 1,000 USDT → 15 lots (15.38); 130 USDT → 2 lots exactly', () => {
    expect(lots({ sizing: { method: 'fixed_notional', notional: '1000' } })).toBe(15);
    expect(lots({ sizing: { method: 'fixed_notional', notional: '130' } })).toBe(2);
  });
  it('fixed notional below one lot (50 USDT < 65) is refused, not rounded up', () => {
    expect(code({ sizing: { method: 'fixed_notional', notional: '50' } })).toBe('size_below_one_lot');
  });
  it('fixed lots, rounded down to the lot step', () => {
    expect(lots({ sizing: { method: 'fixed_lots', lots: 7 } })).toBe(7);
    expect(lots({ sizing: { method: 'fixed_lots', lots: 7 }, lotSize: 5 })).toBe(5);
    expect(lots({ sizing: { method: 'fixed_lots', lots: 14 }, lotSize: 5 })).toBe(10);
    expect(code({ sizing: { method: 'fixed_lots', lots: 3 }, lotSize: 5 })).toBe('size_below_one_lot');
  });
  it('equity fraction: 10 % of 10,000 = 1,000 USDT at 3,000 × 0.01 (30 a lot) → 33 lots', () => {
    expect(
      lots({ sizing: { method: 'equity_fraction', pct: '10' }, price: d(3000), multiplier: d('0.01') }),
    ).toBe(33);
  });
  it('equity fraction is a percentage: "1" means 1 % (100 USDT → 1 lot at 65 a lot), not 100 %', () => {
    expect(lots({ sizing: { method: 'equity_fraction', pct: '1' } })).toBe(1);
  });
  it('risk: 1 % of 10,000 = 100 USDT over a 500-USDT stop × 0.001 (0.5 a lot) → 200 lots', () => {
    expect(lots({ sizing: { method: 'risk', riskPct: '1' }, stopDistance: d(500) })).toBe(200);
  });
  it('risk without its own percentage uses the risk limit’s default (0.5 % → 100 lots)', () => {
    expect(lots({ sizing: { method: 'risk' }, stopDistance: d(500), defaultRiskPct: '0.5' })).toBe(100);
  });
  it('risk: 2 % of 2,500 = 50 USDT over a 1,234-USDT stop × 0.001 (1.234 a lot) → 40 lots (40.52)', () => {
    expect(lots({ sizing: { method: 'risk', riskPct: '2' }, equity: d(2500), stopDistance: d(1234) })).toBe(
      40,
    );
  });
  it('scale by score: half the score → half the lots, rounded down; a score above 1 never enlarges', () => {
    const sizing = { method: 'fixed_lots', lots: 9 } as const;
    expect(lots({ sizing, scaleByScore: true, score: 0.5 })).toBe(4);
    expect(lots({ sizing, scaleByScore: true, score: 1.7 })).toBe(9);
    expect(code({ sizing, scaleByScore: true, score: -1 })).toBe('size_below_one_lot');
    expect(code({ sizing, scaleByScore: true, score: null })).toBe('score_missing');
    expect(code({ sizing, scaleByScore: true, score: Number.NaN })).toBe('score_missing');
    expect(lots({ sizing, scaleByScore: false, score: 0.1 })).toBe(9);
  });
});

describe('entryLots — fail closed', () => {
  it('no positive finite price', () => {
    for (const price of [d(0), d(-1), d(Number.NaN), d(Number.POSITIVE_INFINITY)]) {
      expect(code({ price }), price.toString()).toBe('price_missing');
    }
  });
  it('equity unknown for equity and risk sizing', () => {
    for (const equity of [d(0), d(-5), d(Number.NaN)]) {
      expect(code({ sizing: { method: 'equity_fraction', pct: '10' }, equity })).toBe('balance_missing');
      expect(code({ sizing: { method: 'risk' }, equity, stopDistance: d(500) })).toBe('balance_missing');
    }
  });
  it('risk sizing without a usable stop distance', () => {
    for (const stopDistance of [null, d(0), d(-3), d(Number.NaN)]) {
      expect(code({ sizing: { method: 'risk' }, stopDistance })).toBe('stop_missing');
    }
  });
  it('a malformed contract (multiplier or lot size 0/NaN/negative) never yields lots', () => {
    for (const multiplier of [d(0), d(Number.NaN), d(-0.001), d(Number.POSITIVE_INFINITY)]) {
      for (const sizing of [
        { method: 'fixed_notional', notional: '100' },
        { method: 'fixed_lots', lots: 3 },
        { method: 'risk' },
      ] as const) {
        const r = entryLots(input({ multiplier, sizing, stopDistance: d(500) }));
        expect(r.ok ? 'ok' : r.code, `${sizing.method} × ${multiplier}`).toBe('contract_invalid');
      }
    }
    for (const lotSize of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(code({ lotSize, sizing: { method: 'fixed_lots', lots: 3 } }), `lot ${lotSize}`).toBe(
        'contract_invalid',
      );
    }
  });
  it('property: the result is whole lots, a multiple of the step, never above the rule', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('0.001', '0.01', '1', '10'),
        fc.integer({ min: 1, max: 10 }),
        (notional, priceCents, mult, step) => {
          const price = d(priceCents).div(100);
          const r = entryLots(
            input({
              sizing: { method: 'fixed_notional', notional: String(notional) },
              price,
              multiplier: d(mult),
              lotSize: step,
            }),
          );
          const exact = d(notional).div(price.mul(mult)); // lots the rule asks for, unrounded
          if (!r.ok) {
            expect(r.code).toBe('size_below_one_lot');
            expect(exact.lt(step)).toBe(true);
            return;
          }
          expect(Number.isSafeInteger(r.lots)).toBe(true);
          expect(r.lots % step).toBe(0);
          expect(d(r.lots).lte(exact)).toBe(true);
          expect(d(r.lots + step).gt(exact)).toBe(true); // rounded down by less than a step
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('stopDistance', () => {
  it('percentage of the price: 1 % of 65,000 = 650', () => {
    expect(stopDistance({ kind: 'pct', pct: '1' }, d(65_000), null)?.toString()).toBe('650');
    expect(stopDistance({ kind: 'pct', pct: '0.25' }, d(3000), 12)?.toString()).toBe('7.5');
  });
  it('multiple × ATR: 2 × 120 = 240; no ATR → null', () => {
    const rule = { kind: 'atr', multiple: '2', period: 14, timeframe: '1m' } as const;
    expect(stopDistance(rule, d(65_000), 120)?.toString()).toBe('240');
    expect(stopDistance({ ...rule, multiple: '1.5' }, d(65_000), 33.3)?.toString()).toBe('49.95');
    for (const atr of [null, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(stopDistance(rule, d(65_000), atr), String(atr)).toBeNull();
    }
  });
  it('a floor (minPct): 2 × 13 = 26 is below 0.5 % of 65,000 = 325 → 325; 2 × 200 = 400 above it → 400', () => {
    const rule = { kind: 'atr', multiple: '2', period: 14, timeframe: '1m', minPct: '0.5' } as const;
    expect(stopDistance(rule, d(65_000), 13)?.toString()).toBe('325');
    expect(stopDistance(rule, d(65_000), 162.5)?.toString()).toBe('325');
    expect(stopDistance(rule, d(65_000), 200)?.toString()).toBe('400');
    // the floor is not a fallback: without an ATR there is still no stop
    for (const atr of [null, 0, Number.NaN]) expect(stopDistance(rule, d(65_000), atr)).toBeNull();
  });
  it('the default strategy (the newcomer’s) keeps its stop at least 0.5 % from the entry', () => {
    expect(stopDistance(DEFAULT_STRATEGY.stop, d(90_000), 9)?.toString()).toBe('450');
    expect(strategyConfigSchema.parse(DEFAULT_STRATEGY)).toEqual(DEFAULT_STRATEGY);
  });
});

describe('stop and take-profit prices, tick-aligned', () => {
  const tick = d('0.1');
  it('stops are aligned away from the entry (a long’s stop down, a short’s up)', () => {
    // entry 100.05, distance 0.33: raw 99.72 / 100.38
    expect(stopPriceFor('long', d('100.05'), d('0.33'), tick).toString()).toBe('99.7');
    expect(stopPriceFor('short', d('100.05'), d('0.33'), tick).toString()).toBe('100.4');
    // already on a tick: unchanged
    expect(stopPriceFor('long', d(65_000), d(650), d('0.1')).toString()).toBe('64350');
    expect(stopPriceFor('short', d(65_000), d(650), d('0.1')).toString()).toBe('65650');
    // a coarse tick
    expect(stopPriceFor('long', d(3001), d(7.5), d(5)).toString()).toBe('2990');
    expect(stopPriceFor('short', d(3001), d(7.5), d(5)).toString()).toBe('3010');
  });
  it('take-profits are aligned toward the entry (never asks for more than R)', () => {
    // entry 100, distance 0.33, 2 R = 0.66: raw 100.66 / 99.34
    expect(takeProfitPriceFor('long', d(100), d('0.33'), '2', tick).toString()).toBe('100.6');
    expect(takeProfitPriceFor('short', d(100), d('0.33'), '2', tick).toString()).toBe('99.4');
    expect(takeProfitPriceFor('long', d(65_000), d(650), '1.5', tick).toString()).toBe('65975');
    expect(takeProfitPriceFor('short', d(65_000), d(650), '1.5', tick).toString()).toBe('64025');
  });
  it('property: on a tick, stop at least the distance away and less than one tick more; TP at most R and within a tick', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10_000, max: 10_000_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom('0.1', '0.01', '0.5', '1', '5'),
        fc.constantFrom('1', '1.5', '2', '3.3'),
        (entryCents, distCents, tickS, r) => {
          const entry = d(entryCents).div(100);
          const dist = d(distCents).div(100);
          const t = d(tickS);
          const sl = stopPriceFor('long', entry, dist, t);
          const ss = stopPriceFor('short', entry, dist, t);
          for (const p of [sl, ss]) expect(p.mod(t).isZero()).toBe(true);
          expect(entry.minus(sl).gte(dist) && entry.minus(sl).lt(dist.plus(t))).toBe(true);
          expect(ss.minus(entry).gte(dist) && ss.minus(entry).lt(dist.plus(t))).toBe(true);
          const move = dist.mul(r);
          const tl = takeProfitPriceFor('long', entry, dist, r, t);
          const ts = takeProfitPriceFor('short', entry, dist, r, t);
          for (const p of [tl, ts]) expect(p.mod(t).isZero()).toBe(true);
          expect(tl.minus(entry).lte(move) && tl.minus(entry).gt(move.minus(t))).toBe(true);
          expect(entry.minus(ts).lte(move) && entry.minus(ts).gt(move.minus(t))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('entryLots and stopDistance — refusals by hand', () => {
  const refusal = (over: Partial<SizingInput>) => {
    const r = entryLots(input(over));
    return r.ok ? `ok ${r.lots}` : `${r.code}: ${r.message}`;
  };
  it('names each refusal', () => {
    expect(refusal({ price: d(0) })).toBe('price_missing: no positive reference price');
    expect(refusal({ multiplier: d(0) })).toBe(
      'contract_invalid: contract multiplier or lot size is not usable',
    );
    expect(refusal({ sizing: { method: 'equity_fraction', pct: '10' }, equity: d(0) })).toBe(
      'balance_missing: equity unknown or not positive',
    );
    expect(refusal({ sizing: { method: 'risk' }, equity: d(-1) })).toBe(
      'balance_missing: equity unknown or not positive',
    );
    expect(refusal({ sizing: { method: 'risk' } })).toBe('stop_missing: risk sizing needs a stop distance');
    // 50 USDT at 65 USDT a lot = 0.76923… lots
    expect(refusal({ sizing: { method: 'fixed_notional', notional: '50' } })).toBe(
      'size_below_one_lot: the sizing rule gives 0.7692 lots (< 1)',
    );
  });
  it('scale-by-score without a usable score is refused, never sized at 0 or NaN', () => {
    for (const score of [null, Number.NaN, Number.POSITIVE_INFINITY])
      expect(refusal({ scaleByScore: true, score })).toBe('score_missing: scale-by-score needs a score');
  });
  it('an ATR stop needs a positive finite ATR', () => {
    const rule = { kind: 'atr' as const, multiple: '2', period: 14, timeframe: '1m' as const };
    for (const atr of [null, 0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(stopDistance(rule, d(65_000), atr)).toBeNull();
    expect(stopDistance(rule, d(65_000), 0.5)?.toString()).toBe('1');
  });
});
