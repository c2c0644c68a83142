import type { Candle } from '../candle.ts';
import { RingWindow } from './ring-window.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Bollinger bands at one bar; NaN during warm-up. */
export interface BollingerValue {
  upper: number;
  middle: number;
  lower: number;
}

/**
 * Bollinger bands: middle = SMA(period), upper/lower = middle ± mult·σ with σ the population
 * standard deviation of the window (TradingView `ta.bb`, TA-Lib BBANDS with SMA). σ is computed
 * two-pass over the window, not from running Σx², which loses digits on large prices.
 */
export class BollingerCore {
  readonly period: number;
  readonly mult: number;
  readonly #win: RingWindow;
  readonly #out: BollingerValue = { upper: Number.NaN, middle: Number.NaN, lower: Number.NaN };
  readonly #peekOut: BollingerValue = { upper: Number.NaN, middle: Number.NaN, lower: Number.NaN };

  constructor(period = 20, mult = 2) {
    assertPeriod('bollinger period', period);
    assertFinite('bollinger mult', mult);
    this.period = period;
    this.mult = mult;
    this.#win = new RingWindow(period);
  }

  push(x: number): BollingerValue {
    const w = this.#win;
    w.push(x);
    const out = this.#out;
    if (!w.full) return out;
    const mean = w.sum() / this.period;
    const dev = this.mult * Math.sqrt(w.sqDev(mean) / this.period);
    out.middle = mean;
    out.upper = mean + dev;
    out.lower = mean - dev;
    return out;
  }

  peek(x: number): BollingerValue {
    const w = this.#win;
    const out = this.#peekOut;
    if (w.count + 1 < this.period) {
      out.upper = out.middle = out.lower = Number.NaN;
      return out;
    }
    const mean = w.sumWith(x) / this.period;
    const dev = this.mult * Math.sqrt(w.sqDevWith(x, mean) / this.period);
    out.middle = mean;
    out.upper = mean + dev;
    out.lower = mean - dev;
    return out;
  }
}

/** Streaming Bollinger bands of closes; results are reused objects. */
export class BollingerStream {
  readonly #core: BollingerCore;

  constructor(period = 20, mult = 2) {
    this.#core = new BollingerCore(period, mult);
  }

  update(candle: Candle): BollingerValue {
    assertFinite('bollinger close', candle.close);
    return this.#core.push(candle.close);
  }

  peek(candle: Candle): BollingerValue {
    assertFinite('bollinger close', candle.close);
    return this.#core.peek(candle.close);
  }
}

/** Bollinger bands of closes; NaN for the first `period − 1` entries. */
export function bollinger(
  close: ArrayLike<number>,
  period = 20,
  mult = 2,
): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  assertFiniteSeries('bollinger close', close);
  const core = new BollingerCore(period, mult);
  const n = close.length;
  const out = { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const v = core.push(close[i]!);
    out.upper[i] = v.upper;
    out.middle[i] = v.middle;
    out.lower[i] = v.lower;
  }
  return out;
}
