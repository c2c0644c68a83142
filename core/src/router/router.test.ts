import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { type BookSide, costBps, depthWithin, midOf, protectedLimit, walkBook } from './book.ts';
import {
  chaseStep,
  DEFAULT_EXECUTION,
  type ExecutionConfig,
  executionQuality,
  executionSchema,
  icebergVisible,
  route,
  twapSlices,
} from './plan.ts';

const d = (s: string | number) => new Decimal(s);
const lv = (price: string, lots: number) => ({ price: d(price), lots });
// mid 100.05; asks 100.1 ×10, 100.2 ×20, 100.5 ×100; bids 100.0 ×5, 99.9 ×30, 99.0 ×100
const book: BookSide = {
  asks: [lv('100.1', 10), lv('100.2', 20), lv('100.5', 100)],
  bids: [lv('100.0', 5), lv('99.9', 30), lv('99.0', 100)],
};
const tick = d('0.1');
const cfg = (over: Partial<ExecutionConfig> = {}): ExecutionConfig => ({ ...DEFAULT_EXECUTION, ...over });

describe('walking the book (the slippage model), hand-computed', () => {
  it('fills a buy across levels at the volume-weighted price', () => {
    const w = walkBook(book, 'buy', 25);
    // 10 × 100.1 + 15 × 100.2 = 1001 + 1503 = 2504 → 2504 / 25 = 100.16
    expect(w.filledLots).toBe(25);
    expect(w.vwap!.toFixed()).toBe('100.16');
    expect(w.worstPrice!.toFixed()).toBe('100.2');
    expect(w.levels).toBe(2);
    // (100.16 − 100.05) / 100.05 × 10 000 = 10.99450274862568…
    expect(w.costBps!.toFixed(6)).toBe('10.994503');
  });

  it('fills a sell from the highest bid down and counts selling below the mid as a cost', () => {
    const w = walkBook(book, 'sell', 10);
    // 5 × 100.0 + 5 × 99.9 = 999.5 → 99.95; (100.05 − 99.95) / 100.05 × 10 000 = 9.995002…
    expect(w.vwap!.toFixed()).toBe('99.95');
    expect(w.costBps!.toFixed(6)).toBe('9.995002');
  });

  it('stops at the limit and at the end of the book', () => {
    expect(walkBook(book, 'buy', 25, d('100.1')).filledLots).toBe(10);
    expect(walkBook(book, 'sell', 500).filledLots).toBe(135);
    expect(walkBook(book, 'buy', 0).vwap).toBeNull();
    expect(depthWithin(book, 'buy', d('100.2'))).toBe(30);
    expect(depthWithin(book, 'sell', d('99.95'))).toBe(5);
    expect(midOf(book)!.toFixed()).toBe('100.05');
    expect(midOf({ bids: [], asks: book.asks })).toBeNull();
  });

  it('signs costs by side', () => {
    expect(costBps('buy', d('101'), d('100')).toFixed()).toBe('100');
    expect(costBps('sell', d('101'), d('100')).toFixed()).toBe('-100');
  });
});

describe('price protection', () => {
  it('moves the touch by the budget on the tick grid, never beyond it', () => {
    // 100.1 × 1.005 = 100.6005 → down to 100.6; 100.0 × 0.995 = 99.5
    expect(protectedLimit('buy', d('100.1'), 50, tick).toFixed()).toBe('100.6');
    expect(protectedLimit('sell', d('100.0'), 50, tick).toFixed()).toBe('99.5');
    // 100.0 × 0.9993 = 99.93 → up to 100.0 (99.9 would exceed the 7 bps budget)
    expect(protectedLimit('sell', d('100.0'), 7, tick).toFixed()).toBe('100');
    expect(protectedLimit('buy', d('100.1'), 0, tick).toFixed()).toBe('100.1');
    expect(() => protectedLimit('buy', d('100'), -1, tick)).toThrow(RangeError);
  });
});

describe('choosing the style', () => {
  it('auto: one protected taker order when the book holds the size within the budget', () => {
    const r = route({
      side: 'buy',
      lots: 30,
      book,
      tickSize: tick,
      config: cfg({ style: 'auto', slippageBps: 10 }),
    });
    // limit 100.1 × 1.001 = 100.2001 → 100.2: depth 30
    expect(r).toMatchObject({ ok: true, style: 'market', depthWithinBudget: 30, slices: 1 });
    if (r.ok) expect(r.limit.toFixed()).toBe('100.2');
  });

  it('auto: a TWAP sized to the depth when the book holds only part', () => {
    const r = route({
      side: 'buy',
      lots: 100,
      book,
      tickSize: tick,
      config: cfg({ style: 'auto', slippageBps: 10 }),
    });
    // 30 lots within budget for 100: 30 at once, the other 70 in ceil(70 / 30) = 3 more slices
    expect(r).toMatchObject({ ok: true, style: 'twap', slices: 4, depthWithinBudget: 30, firstLots: 30 });
    if (!r.ok) throw new Error('routed');
    // front-loaded: the first slice is what one order within the budget would have got now
    expect(twapSlices(100, r.slices, 8_000, r.firstLots)).toEqual([
      { index: 0, lots: 30, offsetMs: 0 },
      { index: 1, lots: 24, offsetMs: 2_000 },
      { index: 2, lots: 23, offsetMs: 4_000 },
      { index: 3, lots: 23, offsetMs: 6_000 },
    ]);
    const capped = route({
      side: 'buy',
      lots: 1000,
      book,
      tickSize: tick,
      config: cfg({ style: 'auto', slippageBps: 10, maxAutoSlices: 6 }),
    });
    expect(capped).toMatchObject({ style: 'twap', slices: 6, firstLots: 30 });
    // near the depth: most of it at once, a small rest later (an equal split would have sent half later)
    const near = route({
      side: 'buy',
      lots: 33,
      book,
      tickSize: tick,
      config: cfg({ style: 'auto', slippageBps: 10 }),
    });
    expect(near).toMatchObject({ style: 'twap', slices: 2, firstLots: 30 });
    if (near.ok)
      expect(twapSlices(33, near.slices, 1_000, near.firstLots).map((s) => s.lots)).toEqual([30, 3]);
  });

  it('auto: a passive chase when nothing is inside the budget', () => {
    const wide: BookSide = { bids: [lv('99', 10)], asks: [lv('101', 10)] };
    // buy limit 101 × 1 = 101 with a 0 bps budget holds 10; a sell at 0 bps holds 10 too: use a budget the spread exceeds
    const r = route({
      side: 'buy',
      lots: 5,
      book: { ...wide, asks: [] },
      tickSize: tick,
      config: cfg({ style: 'auto' }),
    });
    expect(r).toMatchObject({ ok: false, code: 'no_book' });
    const thin: BookSide = { bids: [lv('99', 10)], asks: [lv('101', 0), lv('102', 10)] };
    const c = route({
      side: 'buy',
      lots: 5,
      book: thin,
      tickSize: tick,
      config: cfg({ style: 'auto', slippageBps: 5 }),
    });
    expect(c).toMatchObject({ ok: true, style: 'limit_chase', depthWithinBudget: 0 });
  });

  it('a named style wins over the configuration and auto', () => {
    const r = route({
      side: 'sell',
      lots: 3,
      book,
      tickSize: tick,
      config: cfg({ style: 'auto' }),
      requested: 'iceberg',
    });
    expect(r).toMatchObject({ style: 'iceberg' });
    const t = route({ side: 'sell', lots: 3, book, tickSize: tick, config: cfg({ style: 'twap' }) });
    expect(t).toMatchObject({ style: 'twap', slices: 3 });
  });

  it('the configuration parses with defaults and refuses unknown fields', () => {
    expect(executionSchema.parse({ twap: { slices: 4 } }).twap).toEqual({ slices: 4, durationSeconds: 60 });
    expect(DEFAULT_EXECUTION.style).toBe('market');
    expect(DEFAULT_EXECUTION.chase.fallback).toBe('taker');
    expect(executionSchema.safeParse({ stlye: 'twap' }).success).toBe(false);
    expect(executionSchema.safeParse({ slippageBps: -1 }).success).toBe(false);
    // beyond 2 %: KuCoin's price band and the collar would refuse the order anyway
    expect(executionSchema.safeParse({ slippageBps: 201 }).success).toBe(false);
    expect(executionSchema.safeParse({ slippageBps: 200 }).success).toBe(true);
  });
});

describe('TWAP slices', () => {
  it('sum to the size, spread the remainder over the first slices, evenly spaced from the start', () => {
    expect(twapSlices(10, 3, 60_000)).toEqual([
      { index: 0, lots: 4, offsetMs: 0 },
      { index: 1, lots: 3, offsetMs: 20_000 },
      { index: 2, lots: 3, offsetMs: 40_000 },
    ]);
    expect(twapSlices(2, 5, 1000).map((s) => s.lots)).toEqual([1, 1]);
    // a first slice of the whole size (or a single slice) leaves the plain split
    expect(twapSlices(10, 3, 900, 10).map((s) => s.lots)).toEqual([4, 3, 3]);
    expect(twapSlices(10, 3, 900, 8)).toEqual([
      { index: 0, lots: 8, offsetMs: 0 },
      { index: 1, lots: 1, offsetMs: 300 },
      { index: 2, lots: 1, offsetMs: 600 },
    ]);
    // more slices than the rest has lots: one lot each, never an empty slice
    expect(twapSlices(10, 5, 1000, 9).map((s) => s.lots)).toEqual([9, 1]);
    expect(() => twapSlices(10, 3, 1, 0)).toThrow(RangeError);
    expect(() => twapSlices(0, 3, 1)).toThrow(RangeError);
  });
});

describe('iceberg', () => {
  it('shows a tenth by default, never less than 1/20 of the size', () => {
    expect(icebergVisible(100, null)).toBe(10);
    expect(icebergVisible(100, 2)).toBe(5);
    expect(icebergVisible(3, null)).toBe(1);
    expect(icebergVisible(10, 50)).toBe(10);
  });
});

describe('limit chase', () => {
  const c = DEFAULT_EXECUTION.chase; // 10 ticks, 30 s
  const state = { startedAt: 0, firstTouch: d('100.0'), price: d('100.0') };
  it('keeps a resting order at the touch, re-prices when the touch moves', () => {
    expect(chaseStep('buy', state, d('100.0'), 1000, c, tick)).toEqual({ action: 'keep' });
    expect(chaseStep('buy', state, d('100.3'), 1000, c, tick)).toEqual({
      action: 'reprice',
      price: d('100.3'),
    });
    expect(chaseStep('buy', { ...state, price: null }, d('99.8'), 1000, c, tick)).toEqual({
      action: 'reprice',
      price: d('99.8'),
    });
  });
  it('stops at the tick limit (against the order only) and at the time limit', () => {
    expect(chaseStep('buy', state, d('101.0'), 1000, c, tick)).toMatchObject({ action: 'reprice' });
    expect(chaseStep('buy', state, d('101.1'), 1000, c, tick)).toMatchObject({ action: 'fallback' });
    expect(chaseStep('buy', state, d('98.0'), 1000, c, tick)).toMatchObject({ action: 'reprice' });
    expect(chaseStep('sell', state, d('98.9'), 1000, c, tick)).toMatchObject({ action: 'fallback' });
    expect(chaseStep('buy', state, d('100.0'), 30_000, c, tick)).toMatchObject({ action: 'fallback' });
    expect(chaseStep('buy', state, d('100.0'), 29_999, c, tick)).toEqual({ action: 'keep' });
    expect(chaseStep('buy', state, null, 1, c, tick)).toMatchObject({ action: 'fallback' });
  });
});

describe('execution quality', () => {
  it('slippage against the decision-time mid and the implementation shortfall with the missed part', () => {
    const q = executionQuality({
      side: 'buy',
      lots: 10,
      filledLots: 8,
      avgFillPrice: d('100.2'),
      decisionMid: d('100'),
      multiplier: d('0.01'),
      finalMid: d('101'),
    });
    expect(q.fillRatio.toFixed()).toBe('0.8');
    expect(q.slippageBps!.toFixed()).toBe('20');
    // filled: 0.2 × 0.01 × 8 = 0.016; missed: 1 × 0.01 × 2 = 0.02
    expect(q.shortfall.toFixed()).toBe('0.036');
    const s = executionQuality({
      side: 'sell',
      lots: 4,
      filledLots: 4,
      avgFillPrice: d('99.5'),
      decisionMid: d('100'),
      multiplier: d('1'),
    });
    expect(s.slippageBps!.toFixed()).toBe('50');
    expect(s.shortfall.toFixed()).toBe('2');
    const none = executionQuality({
      side: 'sell',
      lots: 4,
      filledLots: 0,
      avgFillPrice: null,
      decisionMid: d('100'),
      multiplier: d('1'),
    });
    expect(none.slippageBps).toBeNull();
    expect(none.shortfall.toFixed()).toBe('0');
  });
});
