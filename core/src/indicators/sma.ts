import { type Candle, type PriceSource, priceOf } from '../candle.ts';
import { RingWindow } from './ring-window.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Simple moving average over numbers; the building block the candle streams compose. */
export class SmaCore {
  readonly period: number;
  readonly #win: RingWindow;

  constructor(period: number) {
    assertPeriod('sma period', period);
    this.period = period;
    this.#win = new RingWindow(period);
  }

  /** Commit `x`; returns the average, NaN until `period` values were seen. */
  push(x: number): number {
    this.#win.push(x);
    return this.#win.full ? this.#win.sum() / this.period : Number.NaN;
  }

  /** The average `push(x)` would return, without committing x. */
  peek(x: number): number {
    return this.#win.count + 1 >= this.period ? this.#win.sumWith(x) / this.period : Number.NaN;
  }
}

/**
 * Streaming simple moving average of one candle price.
 *
 * @example
 * const s = new SmaStream(20);
 * for (const c of closedCandles) s.update(c);
 * const live = s.peek(formingCandle);
 */
export class SmaStream {
  readonly #core: SmaCore;
  readonly source: PriceSource;

  constructor(period: number, source: PriceSource = 'close') {
    this.#core = new SmaCore(period);
    this.source = source;
  }

  /** Commit a closed candle and return the SMA (NaN during warm-up). */
  update(candle: Candle): number {
    const x = priceOf(candle, this.source);
    assertFinite('sma input', x);
    return this.#core.push(x);
  }

  /** The SMA if the forming `candle` closed now; state is unchanged. */
  peek(candle: Candle): number {
    const x = priceOf(candle, this.source);
    assertFinite('sma input', x);
    return this.#core.peek(x);
  }
}

/** Simple moving average; NaN for the first `period − 1` entries. Same numbers as {@link SmaStream}. */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  assertFiniteSeries('sma values', values);
  const core = new SmaCore(period);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = core.push(values[i]!);
  return out;
}
