import { assertCandle, type Candle } from '../candle.ts';
import { assertFiniteSeries, assertPeriod, assertSameLength } from './validate.ts';

/**
 * Wilder's average true range (TradingView `ta.atr`): the first bar's true range is high − low,
 * later ones max(high − low, |high − prevClose|, |low − prevClose|); the first ATR (bar
 * `period − 1`) is their simple mean, then atr = (atr·(period − 1) + tr) / period.
 * TA-Lib skips bar 0 and starts one bar later; the two agree after warm-up.
 */
export class AtrCore {
  readonly period: number;
  #count = 0;
  #prevClose = Number.NaN;
  #sum = 0;
  #value = Number.NaN;

  constructor(period = 14) {
    assertPeriod('atr period', period);
    this.period = period;
  }

  push(high: number, low: number, close: number): number {
    const tr = this.#trueRange(high, low);
    this.#prevClose = close;
    const n = ++this.#count;
    const p = this.period;
    if (n < p) {
      this.#sum += tr;
    } else if (n === p) {
      this.#sum += tr;
      this.#value = this.#sum / p;
    } else {
      this.#value = (this.#value * (p - 1) + tr) / p;
    }
    return this.#value;
  }

  peek(high: number, low: number): number {
    const tr = this.#trueRange(high, low);
    const n = this.#count + 1;
    const p = this.period;
    if (n < p) return Number.NaN;
    if (n === p) return (this.#sum + tr) / p;
    return (this.#value * (p - 1) + tr) / p;
  }

  #trueRange(high: number, low: number): number {
    const range = high - low;
    if (this.#count === 0) return range;
    const up = Math.abs(high - this.#prevClose);
    const down = Math.abs(low - this.#prevClose);
    const m = Math.max(up, down);
    return Math.max(range, m);
  }
}

/** Streaming ATR of candles. */
export class AtrStream {
  readonly #core: AtrCore;

  constructor(period = 14) {
    this.#core = new AtrCore(period);
  }

  update(candle: Candle): number {
    assertCandle(candle);
    return this.#core.push(candle.high, candle.low, candle.close);
  }

  peek(candle: Candle): number {
    assertCandle(candle);
    return this.#core.peek(candle.high, candle.low);
  }
}

/** Wilder ATR; NaN for the first `period − 1` entries. */
export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
): Float64Array {
  assertSameLength('atr high, low and close', high, low, close);
  assertFiniteSeries('atr high', high);
  assertFiniteSeries('atr low', low);
  assertFiniteSeries('atr close', close);
  const core = new AtrCore(period);
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) out[i] = core.push(high[i]!, low[i]!, close[i]!);
  return out;
}
