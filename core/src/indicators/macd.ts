import type { Candle } from '../candle.ts';
import { EmaCore } from './ema.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** One MACD reading; every field is NaN until it is warmed up. */
export interface MacdValue {
  macd: number;
  signal: number;
  hist: number;
}

/**
 * MACD = EMA(fast) − EMA(slow); signal = EMA(signal) of MACD, seeded once MACD exists;
 * hist = MACD − signal (TradingView `ta.macd`).
 */
export class MacdCore {
  readonly #fast: EmaCore;
  readonly #slow: EmaCore;
  readonly #signal: EmaCore;
  /** reused result objects: no allocation per update */
  readonly #out: MacdValue = { macd: Number.NaN, signal: Number.NaN, hist: Number.NaN };
  readonly #peekOut: MacdValue = { macd: Number.NaN, signal: Number.NaN, hist: Number.NaN };

  constructor(fast = 12, slow = 26, signal = 9) {
    assertPeriod('macd fast', fast);
    assertPeriod('macd slow', slow);
    assertPeriod('macd signal', signal);
    if (fast >= slow) throw new RangeError(`macd fast (${fast}) must be shorter than slow (${slow})`);
    this.#fast = new EmaCore(fast);
    this.#slow = new EmaCore(slow);
    this.#signal = new EmaCore(signal);
  }

  /** Commit x. The returned object is reused by the next push. */
  push(x: number): MacdValue {
    const f = this.#fast.push(x);
    const s = this.#slow.push(x);
    const out = this.#out;
    const m = f - s;
    out.macd = m;
    out.signal = Number.isNaN(m) ? Number.NaN : this.#signal.push(m);
    out.hist = m - out.signal;
    return out;
  }

  /** What push(x) would return. The returned object is reused by the next peek. */
  peek(x: number): MacdValue {
    const m = this.#fast.peek(x) - this.#slow.peek(x);
    const out = this.#peekOut;
    out.macd = m;
    out.signal = Number.isNaN(m) ? Number.NaN : this.#signal.peek(m);
    out.hist = m - out.signal;
    return out;
  }
}

/** Streaming MACD of candle closes; results are reused objects (copy them to keep them). */
export class MacdStream {
  readonly #core: MacdCore;

  constructor(fast = 12, slow = 26, signal = 9) {
    this.#core = new MacdCore(fast, slow, signal);
  }

  update(candle: Candle): MacdValue {
    assertFinite('macd close', candle.close);
    return this.#core.push(candle.close);
  }

  peek(candle: Candle): MacdValue {
    assertFinite('macd close', candle.close);
    return this.#core.peek(candle.close);
  }
}

/**
 * MACD of closes: `macd` from index slow − 1, `signal` and `hist` from slow + signal − 2.
 *
 * @example
 * const { macd: line, signal, hist } = macd(closes); // 12, 26, 9
 */
export function macd(
  close: ArrayLike<number>,
  fast = 12,
  slow = 26,
  signal = 9,
): { macd: Float64Array; signal: Float64Array; hist: Float64Array } {
  assertFiniteSeries('macd close', close);
  const core = new MacdCore(fast, slow, signal);
  const n = close.length;
  const out = { macd: new Float64Array(n), signal: new Float64Array(n), hist: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const v = core.push(close[i]!);
    out.macd[i] = v.macd;
    out.signal[i] = v.signal;
    out.hist[i] = v.hist;
  }
  return out;
}
