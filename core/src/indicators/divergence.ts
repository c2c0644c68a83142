import { assertCandle, type Candle } from '../candle.ts';
import { MacdCore, macd } from './macd.ts';
import { RsiCore, rsi } from './rsi.ts';
import { assertFiniteSeries, assertPeriod, assertSameLength } from './validate.ts';

/** A confirmed oscillator pivot and the price at that bar (low for pivot lows, high for highs). */
export interface Pivot {
  type: 'high' | 'low';
  /** bar index (0 = first bar fed) */
  index: number;
  /** bar open time (ms), or the index when no times were given */
  time: number;
  price: number;
  osc: number;
}

/**
 * Divergence between price and oscillator over two consecutive pivots of the same type:
 * regular bullish: price lower low, osc higher low; hidden bullish: price higher low, osc lower low;
 * regular bearish: price higher high, osc lower high; hidden bearish: price lower high, osc higher high.
 */
export interface Divergence {
  kind: 'regular' | 'hidden';
  direction: 'bullish' | 'bearish';
  from: Pivot;
  to: Pivot;
  /** bar index at which `to` was confirmed (to.index + right): the earliest bar it is known */
  confirmedAt: number;
}

/** Pivot and pairing settings; defaults are TradingView's built-in "Divergence Indicator". */
export interface DivergenceOptions {
  /** bars left of a pivot that must be strictly beyond it */
  left: number;
  /** bars right of a pivot that must be strictly beyond it (the confirmation delay) */
  right: number;
  /** fewest bars between the two pivots */
  minBars: number;
  /** most bars between the two pivots */
  maxBars: number;
}

export const defaultDivergenceOptions: Readonly<DivergenceOptions> = Object.freeze({
  left: 5,
  right: 5,
  minBars: 5,
  maxBars: 60,
});

/**
 * Streaming pivot and divergence detector over (high, low, oscillator) per bar. A pivot at bar p
 * is only known at bar p + right, so nothing here looks ahead.
 */
export class DivergenceDetector {
  readonly options: Readonly<DivergenceOptions>;
  readonly #w: number;
  readonly #osc: Float64Array;
  readonly #high: Float64Array;
  readonly #low: Float64Array;
  readonly #time: Float64Array;
  #count = 0;
  #lastLow: Pivot | null = null;
  #lastHigh: Pivot | null = null;
  /** pivot confirmed by the last update, if any */
  lastPivot: Pivot | null = null;

  constructor(options: Partial<DivergenceOptions> = {}) {
    const o = Object.freeze({ ...defaultDivergenceOptions, ...options });
    assertPeriod('divergence left', o.left, 1);
    assertPeriod('divergence right', o.right, 1);
    assertPeriod('divergence minBars', o.minBars, 1);
    assertPeriod('divergence maxBars', o.maxBars, o.minBars);
    this.options = o;
    this.#w = o.left + o.right + 1;
    this.#osc = new Float64Array(this.#w);
    this.#high = new Float64Array(this.#w);
    this.#low = new Float64Array(this.#w);
    this.#time = new Float64Array(this.#w);
  }

  /** Commit one bar; returns a divergence confirmed at this bar, or null. NaN osc = warm-up. */
  update(high: number, low: number, osc: number, time: number = this.#count): Divergence | null {
    const slot = this.#count % this.#w;
    this.#osc[slot] = osc;
    this.#high[slot] = high;
    this.#low[slot] = low;
    this.#time[slot] = time;
    this.#count++;
    const found = this.#evaluate(this.#count, -1, 0, 0, 0);
    this.lastPivot = found.pivot;
    if (found.pivot?.type === 'low') this.#lastLow = found.pivot;
    if (found.pivot?.type === 'high') this.#lastHigh = found.pivot;
    return found.divergence;
  }

  /** The divergence `update` would return for this bar, without committing it. */
  peek(high: number, low: number, osc: number, time: number = this.#count): Divergence | null {
    return this.#evaluate(this.#count + 1, this.#count, high, low, osc, time).divergence;
  }

  /**
   * Look for a pivot `right` bars before the newest of `count` bars. `virtualSeq` names a bar
   * held in the arguments instead of the buffers (peek); −1 when there is none.
   */
  #evaluate(
    count: number,
    virtualSeq: number,
    vHigh: number,
    vLow: number,
    vOsc: number,
    vTime = 0,
  ): { pivot: Pivot | null; divergence: Divergence | null } {
    const none = { pivot: null, divergence: null };
    if (count < this.#w) return none;
    const { left, right } = this.options;
    const p = count - 1 - right;
    const at = (seq: number, arr: Float64Array, v: number) => (seq === virtualSeq ? v : arr[seq % this.#w]!);
    const pOsc = at(p, this.#osc, vOsc);
    if (Number.isNaN(pOsc)) return none;
    let isHigh = true;
    let isLow = true;
    for (let s = p - left; s <= p + right; s++) {
      if (s === p) continue;
      const o = at(s, this.#osc, vOsc);
      if (Number.isNaN(o)) return none;
      if (!(o < pOsc)) isHigh = false;
      if (!(o > pOsc)) isLow = false;
    }
    if (!isHigh && !isLow) return none;
    const pivot: Pivot = {
      type: isLow ? 'low' : 'high',
      index: p,
      time: at(p, this.#time, vTime),
      price: isLow ? at(p, this.#low, vLow) : at(p, this.#high, vHigh),
      osc: pOsc,
    };
    const prev = isLow ? this.#lastLow : this.#lastHigh;
    return { pivot, divergence: prev ? this.#compare(prev, pivot, count - 1) : null };
  }

  #compare(from: Pivot, to: Pivot, confirmedAt: number): Divergence | null {
    const gap = to.index - from.index;
    if (gap < this.options.minBars || gap > this.options.maxBars) return null;
    if (to.type === 'low') {
      if (to.price < from.price && to.osc > from.osc)
        return { kind: 'regular', direction: 'bullish', from, to, confirmedAt };
      if (to.price > from.price && to.osc < from.osc)
        return { kind: 'hidden', direction: 'bullish', from, to, confirmedAt };
    } else {
      if (to.price > from.price && to.osc < from.osc)
        return { kind: 'regular', direction: 'bearish', from, to, confirmedAt };
      if (to.price < from.price && to.osc > from.osc)
        return { kind: 'hidden', direction: 'bearish', from, to, confirmedAt };
    }
    return null;
  }
}

/** Pivots and divergences of an oscillator series against price highs and lows. */
export function divergences(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  osc: ArrayLike<number>,
  options: Partial<DivergenceOptions> = {},
  time?: ArrayLike<number>,
): { pivots: Pivot[]; divergences: Divergence[] } {
  assertSameLength('divergence high, low and osc', high, low, osc);
  assertFiniteSeries('divergence high', high);
  assertFiniteSeries('divergence low', low);
  if (time) assertSameLength('divergence time and osc', time, osc);
  const d = new DivergenceDetector(options);
  const out = { pivots: [] as Pivot[], divergences: [] as Divergence[] };
  for (let i = 0; i < osc.length; i++) {
    // NaN is the oscillator's warm-up; anything else non-finite is bad input
    if (!Number.isNaN(osc[i]) && !Number.isFinite(osc[i]))
      throw new RangeError(`divergence osc[${i}] is ${osc[i]}`);
    const found = d.update(high[i]!, low[i]!, osc[i]!, time ? time[i]! : i);
    if (d.lastPivot) out.pivots.push(d.lastPivot);
    if (found) out.divergences.push(found);
  }
  return out;
}

/** Streaming RSI divergence over candles (RSI of closes, pivots on the RSI). */
export class RsiDivergenceStream {
  readonly #rsi: RsiCore;
  readonly #detector: DivergenceDetector;

  constructor(rsiPeriod = 14, options: Partial<DivergenceOptions> = {}) {
    this.#rsi = new RsiCore(rsiPeriod);
    this.#detector = new DivergenceDetector(options);
  }

  update(candle: Candle): Divergence | null {
    assertCandle(candle);
    return this.#detector.update(candle.high, candle.low, this.#rsi.push(candle.close), candle.time);
  }

  peek(candle: Candle): Divergence | null {
    assertCandle(candle);
    return this.#detector.peek(candle.high, candle.low, this.#rsi.peek(candle.close), candle.time);
  }
}

/** Streaming MACD divergence over candles (pivots on the MACD line, or on the histogram). */
export class MacdDivergenceStream {
  readonly #macd: MacdCore;
  readonly #detector: DivergenceDetector;
  readonly #line: 'macd' | 'hist';

  constructor(
    fast = 12,
    slow = 26,
    signal = 9,
    options: Partial<DivergenceOptions> = {},
    line: 'macd' | 'hist' = 'macd',
  ) {
    this.#macd = new MacdCore(fast, slow, signal);
    this.#detector = new DivergenceDetector(options);
    this.#line = line;
  }

  update(candle: Candle): Divergence | null {
    assertCandle(candle);
    const m = this.#macd.push(candle.close);
    return this.#detector.update(candle.high, candle.low, m[this.#line], candle.time);
  }

  peek(candle: Candle): Divergence | null {
    assertCandle(candle);
    const m = this.#macd.peek(candle.close);
    return this.#detector.peek(candle.high, candle.low, m[this.#line], candle.time);
  }
}

/** RSI divergences of candles given as columns: RSI(period) of close, pivots on the RSI. */
export function rsiDivergences(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
  options: Partial<DivergenceOptions> = {},
  time?: ArrayLike<number>,
): { pivots: Pivot[]; divergences: Divergence[] } {
  return divergences(high, low, rsi(close, period), options, time);
}

/** MACD divergences of candles given as columns: pivots on the MACD line (or histogram). */
export function macdDivergences(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  fast = 12,
  slow = 26,
  signal = 9,
  options: Partial<DivergenceOptions> = {},
  line: 'macd' | 'hist' = 'macd',
  time?: ArrayLike<number>,
): { pivots: Pivot[]; divergences: Divergence[] } {
  return divergences(high, low, macd(close, fast, slow, signal)[line], options, time);
}
