import type { Candle } from '../candle.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/**
 * Wilder's RSI over numbers. The first average gain/loss is the simple mean of the first
 * `period` changes, then avg = (avg·(period − 1) + x) / period, as TA-Lib and TradingView's
 * `ta.rsi` (rma) do. When the average loss is zero the RSI is 100 (TradingView; TA-Lib says 0
 * when gain and loss are both zero).
 */
export class RsiCore {
  readonly period: number;
  #count = 0;
  #prev = 0;
  #gain = 0;
  #loss = 0;

  constructor(period: number) {
    assertPeriod('rsi period', period);
    this.period = period;
  }

  push(x: number): number {
    const n = ++this.#count;
    const prev = this.#prev;
    this.#prev = x;
    if (n === 1) return Number.NaN;
    const change = x - prev;
    const p = this.period;
    if (n <= p) {
      if (change < 0) this.#loss -= change;
      else this.#gain += change;
      return Number.NaN;
    }
    if (n === p + 1) {
      if (change < 0) this.#loss -= change;
      else this.#gain += change;
      this.#gain /= p;
      this.#loss /= p;
    } else {
      const g = this.#gain * (p - 1);
      const l = this.#loss * (p - 1);
      this.#gain = (change < 0 ? g : g + change) / p;
      this.#loss = (change < 0 ? l - change : l) / p;
    }
    return rsiOf(this.#gain, this.#loss);
  }

  peek(x: number): number {
    const n = this.#count + 1;
    const p = this.period;
    if (n <= p) return Number.NaN;
    const change = x - this.#prev;
    if (n === p + 1) {
      const gain = (change < 0 ? this.#gain : this.#gain + change) / p;
      const loss = (change < 0 ? this.#loss - change : this.#loss) / p;
      return rsiOf(gain, loss);
    }
    const g = this.#gain * (p - 1);
    const l = this.#loss * (p - 1);
    return rsiOf((change < 0 ? g : g + change) / p, (change < 0 ? l - change : l) / p);
  }
}

function rsiOf(gain: number, loss: number): number {
  return loss === 0 ? 100 : 100 * (gain / (gain + loss));
}

/** Streaming RSI of candle closes. */
export class RsiStream {
  readonly #core: RsiCore;

  constructor(period = 14) {
    this.#core = new RsiCore(period);
  }

  update(candle: Candle): number {
    assertFinite('rsi close', candle.close);
    return this.#core.push(candle.close);
  }

  peek(candle: Candle): number {
    assertFinite('rsi close', candle.close);
    return this.#core.peek(candle.close);
  }
}

/** Wilder RSI; NaN for the first `period` entries. */
export function rsi(close: ArrayLike<number>, period = 14): Float64Array {
  assertFiniteSeries('rsi close', close);
  const core = new RsiCore(period);
  const out = new Float64Array(close.length);
  for (let i = 0; i < close.length; i++) out[i] = core.push(close[i]!);
  return out;
}
