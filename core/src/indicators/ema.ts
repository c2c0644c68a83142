import { type Candle, type PriceSource, priceOf } from '../candle.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/**
 * Exponential moving average over numbers, k = 2 / (period + 1), seeded with the simple average
 * of the first `period` values (TA-Lib's and TradingView's observable warm-up).
 */
export class EmaCore {
  readonly period: number;
  readonly #k: number;
  #count = 0;
  #seedSum = 0;
  #value = Number.NaN;

  constructor(period: number) {
    assertPeriod('ema period', period);
    this.period = period;
    this.#k = 2 / (period + 1);
  }

  /** last committed value (NaN during warm-up) */
  get value(): number {
    return this.#value;
  }

  push(x: number): number {
    const n = ++this.#count;
    if (n < this.period) {
      this.#seedSum += x;
    } else if (n === this.period) {
      this.#seedSum += x;
      this.#value = this.#seedSum / this.period;
    } else {
      this.#value = (x - this.#value) * this.#k + this.#value;
    }
    return this.#value;
  }

  peek(x: number): number {
    const n = this.#count + 1;
    if (n < this.period) return Number.NaN;
    if (n === this.period) return (this.#seedSum + x) / this.period;
    return (x - this.#value) * this.#k + this.#value;
  }
}

/**
 * Streaming EMA of one candle price.
 *
 * @example
 * const e = new EmaStream(21);
 * e.update(candle); // committed
 * e.peek(forming);  // what-if, no state change
 */
export class EmaStream {
  readonly #core: EmaCore;
  readonly source: PriceSource;

  constructor(period: number, source: PriceSource = 'close') {
    this.#core = new EmaCore(period);
    this.source = source;
  }

  update(candle: Candle): number {
    const x = priceOf(candle, this.source);
    assertFinite('ema input', x);
    return this.#core.push(x);
  }

  peek(candle: Candle): number {
    const x = priceOf(candle, this.source);
    assertFinite('ema input', x);
    return this.#core.peek(x);
  }
}

/** Exponential moving average; NaN for the first `period − 1` entries. */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  assertFiniteSeries('ema values', values);
  const core = new EmaCore(period);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = core.push(values[i]!);
  return out;
}
