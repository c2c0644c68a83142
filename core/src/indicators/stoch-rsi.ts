import type { Candle } from '../candle.ts';
import { RingWindow } from './ring-window.ts';
import { RsiCore } from './rsi.ts';
import { SmaCore } from './sma.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Stochastic RSI at one bar; NaN during warm-up. */
export interface StochRsiValue {
  k: number;
  d: number;
}

/**
 * TradingView's Stoch RSI: rsi = RSI(close, rsiPeriod);
 * stoch = 100·(rsi − lowest(rsi, stochPeriod)) / (highest − lowest); k = SMA(stoch, k);
 * d = SMA(k, d). A flat RSI window (highest = lowest) gives NaN, as Pine's division by zero
 * does, and that NaN stays in the k/d averages while it is inside their windows.
 * (TA-Lib's STOCHRSI smooths differently; see docs/indicators.md.)
 */
export class StochRsiCore {
  readonly #rsi: RsiCore;
  readonly #win: RingWindow;
  readonly #k: SmaCore;
  readonly #d: SmaCore;
  readonly #stochPeriod: number;
  readonly #out: StochRsiValue = { k: Number.NaN, d: Number.NaN };
  readonly #peekOut: StochRsiValue = { k: Number.NaN, d: Number.NaN };

  constructor(rsiPeriod = 14, stochPeriod = 14, k = 3, d = 3) {
    assertPeriod('stochRsi stochPeriod', stochPeriod);
    assertPeriod('stochRsi k', k);
    assertPeriod('stochRsi d', d);
    this.#rsi = new RsiCore(rsiPeriod);
    this.#win = new RingWindow(stochPeriod);
    this.#k = new SmaCore(k);
    this.#d = new SmaCore(d);
    this.#stochPeriod = stochPeriod;
  }

  push(x: number): StochRsiValue {
    const out = this.#out;
    const r = this.#rsi.push(x);
    if (Number.isNaN(r)) return out;
    const w = this.#win;
    w.push(r);
    if (!w.full) return out;
    const lo = w.min();
    const hi = w.max();
    const k = this.#k.push((100 * (r - lo)) / (hi - lo));
    out.k = k;
    // d starts once k has a full window: NaN from a flat RSI window is a real value, warm-up is not
    if (this.#kReady()) out.d = this.#d.push(k);
    return out;
  }

  peek(x: number): StochRsiValue {
    const out = this.#peekOut;
    out.k = out.d = Number.NaN;
    const r = this.#rsi.peek(x);
    if (Number.isNaN(r)) return out;
    const w = this.#win;
    if (w.count + 1 < this.#stochPeriod) return out;
    const lo = w.minWith(r);
    const hi = w.maxWith(r);
    const k = this.#k.peek((100 * (r - lo)) / (hi - lo));
    out.k = k;
    if (this.#kReadyAfter(1)) out.d = this.#d.peek(k);
    return out;
  }

  #stochCount(): number {
    const c = this.#win.count - this.#stochPeriod + 1;
    return Math.max(c, 0);
  }

  /** whether k was out of warm-up at the last push */
  #kReady(): boolean {
    return this.#stochCount() >= this.#k.period;
  }

  #kReadyAfter(extra: number): boolean {
    return this.#stochCount() + extra >= this.#k.period;
  }
}

/** Streaming Stoch RSI of closes; results are reused objects. */
export class StochRsiStream {
  readonly #core: StochRsiCore;

  constructor(rsiPeriod = 14, stochPeriod = 14, k = 3, d = 3) {
    this.#core = new StochRsiCore(rsiPeriod, stochPeriod, k, d);
  }

  update(candle: Candle): StochRsiValue {
    assertFinite('stochRsi close', candle.close);
    return this.#core.push(candle.close);
  }

  peek(candle: Candle): StochRsiValue {
    assertFinite('stochRsi close', candle.close);
    return this.#core.peek(candle.close);
  }
}

/**
 * TradingView Stoch RSI of closes: `k` from index rsiPeriod + stochPeriod + k − 2,
 * `d` from d − 1 bars later.
 */
export function stochRsi(
  close: ArrayLike<number>,
  rsiPeriod = 14,
  stochPeriod = 14,
  k = 3,
  d = 3,
): { k: Float64Array; d: Float64Array } {
  assertFiniteSeries('stochRsi close', close);
  const core = new StochRsiCore(rsiPeriod, stochPeriod, k, d);
  const n = close.length;
  const out = { k: new Float64Array(n), d: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const v = core.push(close[i]!);
    out.k[i] = v.k;
    out.d[i] = v.d;
  }
  return out;
}
