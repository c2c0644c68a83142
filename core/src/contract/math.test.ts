import { describe, expect, it } from 'vitest';
import { toMoney } from '../money.ts';
import {
  applyFill,
  bankruptcyPrice,
  closedTradeReturns,
  conservativeLiquidationPrice,
  fundingFee,
  initialMargin,
  liquidationPrice,
  maintenanceMargin,
  notionalValue,
  tradingFee,
  unrealisedPnl,
} from './math.ts';
import { CONTRACTS, contractSpec, riskTierFor } from './specs.ts';

const XBT = CONTRACTS.XBTUSDTM!;
const m = toMoney;

describe('contract specs', () => {
  it('lists the three majors with KuCoin multipliers and rejects unknown symbols', () => {
    expect(XBT.multiplier.toString()).toBe('0.001');
    expect(contractSpec('ETHUSDTM').multiplier.toString()).toBe('0.01');
    expect(contractSpec('SOLUSDTM').multiplier.toString()).toBe('0.1');
    expect(() => contractSpec('DOGEUSDTM')).toThrow(/unknown contract/);
  });

  it('picks the risk tier by notional', () => {
    expect(riskTierFor(XBT, m(50_000)).level).toBe(1);
    expect(riskTierFor(XBT, m(100_001)).level).toBe(2);
    expect(riskTierFor(XBT, m(1e12)).level).toBe(12);
  });
});

describe('contract maths (KuCoin position sample: long 1 XBTUSDTM @ 67430.9, mark 68900.7)', () => {
  it('computes notional, margin and unrealised PnL as in the sample', () => {
    expect(notionalValue(XBT, 1, m('67430.9')).toString()).toBe('67.4309');
    expect(initialMargin(m('67.4309'), 3).toFixed(4)).toBe('22.4770');
    expect(unrealisedPnl(XBT, 1, m('67430.9'), m('68900.7')).toString()).toBe('1.4698');
    expect(unrealisedPnl(XBT, -1, m('67430.9'), m('68900.7')).toString()).toBe('-1.4698');
  });

  it('charges fees on notional at the maker or taker rate (fill sample 67.4309 → 0.04045854)', () => {
    expect(tradingFee(XBT, 1, m('67430.9'), 'taker').toString()).toBe('0.04045854');
    expect(tradingFee(XBT, 1, m('67430.9'), 'maker').toString()).toBe('0.01348618');
  });

  it('makes longs pay a positive funding rate (funding sample 87.13992 × 0.000641)', () => {
    expect(fundingFee(XBT, 1, m('87139.92'), m('0.000641')).toFixed(8)).toBe('-0.05585669');
    expect(fundingFee(XBT, -1, m('87139.92'), m('0.000641')).toFixed(8)).toBe('0.05585669');
  });

  it('reproduces the Help Center liquidation example (short 5 @ 28000, 100x, MMR 0.4% → 28168)', () => {
    const margin = initialMargin(notionalValue(XBT, 5, m(28000)), 100);
    expect(liquidationPrice(XBT, -5, m(28000), margin, m('0.004')).toString()).toBe('28168');
    expect(bankruptcyPrice(XBT, -5, m(28000), margin).toString()).toBe('28280');
    const longMargin = initialMargin(notionalValue(XBT, 5, m(28000)), 100);
    expect(liquidationPrice(XBT, 5, m(28000), longMargin, m('0.004')).toString()).toBe('27832');
  });

  it('keeps a repeating average entry to 12 places and a realised P&L to 10: finite decimals, no 40-digit tails', () => {
    // 95,636.3 + 95,636.6 + 95,636.7 over 3 lots = 95,636.5333…
    let p = applyFill(XBT, 0, m(0), 1, m('95636.3'));
    p = applyFill(XBT, p.qty, p.entryPrice, 1, m('95636.6'));
    p = applyFill(XBT, p.qty, p.entryPrice, 1, m('95636.7'));
    expect(p.entryPrice.toFixed()).toBe('95636.533333333333');
    const closed = applyFill(XBT, p.qty, p.entryPrice, -3, m('95636.4'));
    // (95,636.4 − 95,636.533333333333) × 3 × 0.001 = −0.000399999999999, to 10 places −0.0004
    expect(closed.realisedGross.toFixed()).toBe('-0.0004');
  });

  it('judges risk against the closer of KuCoin’s two isolated liquidation formulas, fees included', () => {
    // 60,000 at 50×, MMR 0.4 %, taker fee 0.06 %. Long: the older formula with the close fee in the
    // maintenance margin, 60,000 × (1 − (0.02 − 0.004 − 1.02 × 0.0006)) = 59,076.72, is closer than the
    // current one, 60,000 × 0.98 / 0.9954 = 59,071.73. Short: the current one, 61,200 / 1.0046 =
    // 60,919.769…, is closer than the older 60,923.28. Without fees, a long's classic 60,000 × 0.984 = 59,040
    // is closer than 60,000 × 0.98 / 0.996 = 59,036.14.
    const p = m(60_000);
    expect(conservativeLiquidationPrice(p, 1, 50, m('0.004'), m('0.0006')).toFixed(2)).toBe('59076.72');
    expect(conservativeLiquidationPrice(p, -1, 50, m('0.004'), m('0.0006')).toFixed(6)).toBe('60919.769062');
    expect(conservativeLiquidationPrice(p, 1, 50, m('0.004'), m(0)).toFixed(2)).toBe('59040.00');
    // the classic formula (no fee) agrees with liquidationPrice on the Help Center example
    expect(conservativeLiquidationPrice(m(28000), 1, 100, m('0.004'), m(0)).toFixed(0)).toBe('27832');
    // leverage beyond what the maintenance rate allows: the liquidation price is past the entry
    expect(conservativeLiquidationPrice(p, 1, 300, m('0.004'), m('0.0006')).gt(p)).toBe(true);
  });
});

describe('applyFill', () => {
  it('averages the entry on an increase', () => {
    const r = applyFill(XBT, 1, m(100), 1, m(110));
    expect(r).toMatchObject({ qty: 2, closedLots: 0, openedLots: 1 });
    expect(r.entryPrice.toString()).toBe('105');
  });

  it('realises PnL on a reduction and keeps the entry', () => {
    const r = applyFill(XBT, 3, m(100), -2, m(120));
    expect(r).toMatchObject({ qty: 1, closedLots: 2, openedLots: 0 });
    expect(r.realisedGross.toString()).toBe('0.04');
    expect(r.entryPrice.toString()).toBe('100');
  });

  it('flips through zero: closes all, opens the rest at the fill price', () => {
    const r = applyFill(XBT, -2, m(100), 5, m(90));
    expect(r).toMatchObject({ qty: 3, closedLots: 2, openedLots: 3 });
    expect(r.realisedGross.toString()).toBe('0.02');
    expect(r.entryPrice.toString()).toBe('90');
  });

  it('rejects a fractional or zero fill', () => {
    expect(() => applyFill(XBT, 0, m(0), 0, m(1))).toThrow();
    expect(() => applyFill(XBT, 0, m(0), 1.5, m(1))).toThrow();
  });
});

describe('edges of the contract maths (hand-computed)', () => {
  it('gives the long bankruptcy price below the entry: 28000 − 1.4 / (5 × 0.001) = 27720', () => {
    const margin = initialMargin(notionalValue(XBT, 5, m(28000)), 100);
    expect(margin.toString()).toBe('1.4');
    expect(bankruptcyPrice(XBT, 5, m(28000), margin).toString()).toBe('27720');
  });

  it('has no bankruptcy or liquidation price for a flat position', () => {
    expect(bankruptcyPrice(XBT, 0, m(28000), m(1)).toString()).toBe('0');
    expect(liquidationPrice(XBT, 0, m(28000), m(1), m('0.004')).toString()).toBe('0');
  });

  it('refuses a leverage of zero or less', () => {
    expect(() => initialMargin(m(100), 0)).toThrow(/leverage must be positive/);
    expect(() => initialMargin(m(100), -2)).toThrow(/leverage must be positive/);
    expect(initialMargin(m(100), m('0.5')).toString()).toBe('200');
  });

  it('computes the maintenance margin on |q|: 5 × 0.001 × 28000 × 0.4 % = 0.56 for a long or a short', () => {
    expect(maintenanceMargin(XBT, 5, m(28000), m('0.004')).toString()).toBe('0.56');
    expect(maintenanceMargin(XBT, -5, m(28000), m('0.004')).toString()).toBe('0.56');
  });

  it('closes a position exactly: flat, entry 0, PnL (110 − 100) × 2 × 0.001', () => {
    const r = applyFill(XBT, 2, m(100), -2, m(110));
    expect(r).toMatchObject({ qty: 0, closedLots: 2, openedLots: 0 });
    expect(r.entryPrice.toString()).toBe('0');
    expect(r.realisedGross.toString()).toBe('0.02');
  });

  it('says why a fill is refused', () => {
    expect(() => applyFill(XBT, 0, m(0), 0, m(1))).toThrow(/non-zero integer/);
  });
});

describe("a closed trade's return (hand-computed)", () => {
  const trade = { size: 4, entryPrice: '61725', netPnl: '2.469', leverage: '5' };

  it('is net / (entry notional / leverage) on margin and net / entry notional on notional', () => {
    // notional 4 × 0.001 × 61725 = 246.9; margin 246.9 / 5 = 49.38; 2.469 / 49.38 = 0.05; 2.469 / 246.9 = 0.01
    expect(closedTradeReturns(XBT, trade)).toEqual({ roiOnNotional: '0.01', roiOnMargin: '0.05' });
    // a loss at a fractional leverage: notional 2 × 0.001 × 50000.5 = 100.001; margin / 2.5 = 40.0004;
    // −0.800008 / 40.0004 = −0.02; on notional −0.800008 / 100.001 = −0.008
    expect(
      closedTradeReturns(XBT, { size: 2, entryPrice: '50000.5', netPnl: '-0.800008', leverage: '2.5' }),
    ).toEqual({ roiOnNotional: '-0.008', roiOnMargin: '-0.02' });
  });

  it('keeps ten places of a return that does not end: 0.1 × 3 / 0.7 = 0.4285714285714…', () => {
    // notional 7 × 0.001 × 100 = 0.7
    expect(closedTradeReturns(XBT, { size: 7, entryPrice: '100', netPnl: '0.1', leverage: '3' })).toEqual({
      roiOnNotional: '0.1428571429',
      roiOnMargin: '0.4285714286',
    });
  });

  it('is unknown on margin without a leverage (never guessed), and unknown both ways without a notional', () => {
    expect(closedTradeReturns(XBT, { ...trade, leverage: null })).toEqual({
      roiOnNotional: '0.01',
      roiOnMargin: null,
    });
    expect(closedTradeReturns(XBT, { ...trade, leverage: '0' }).roiOnMargin).toBeNull();
    expect(closedTradeReturns(XBT, { ...trade, size: 0 })).toEqual({
      roiOnNotional: null,
      roiOnMargin: null,
    });
  });
});
