import type { Candle } from '../candle.ts';
import { BollingerCore } from './bollinger.ts';
import { RingWindow } from './ring-window.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Bollinger squeeze state at one bar. */
export interface SqueezeValue {
  /** (upper − lower) / middle; NaN during warm-up */
  bandwidth: number;
  /** the bandwidth is the lowest of the last `lookback` bars (John Bollinger's squeeze) */
  squeeze: boolean;
}

/**
 * Bollinger squeeze: BandWidth = (upper − lower) / middle is at its lowest over `lookback` bars
 * (Bollinger's "six-month low" with lookback 125 on daily bars).
 */
export class BollingerSqueezeCore {
  readonly lookback: number;
  readonly #bb: BollingerCore;
  /** the previous lookback − 1 bandwidths */
  readonly #prev: RingWindow;
  readonly #out: SqueezeValue = { bandwidth: Number.NaN, squeeze: false };
  readonly #peekOut: SqueezeValue = { bandwidth: Number.NaN, squeeze: false };

  constructor(period = 20, mult = 2, lookback = 125) {
    assertPeriod('squeeze lookback', lookback, 2);
    this.#bb = new BollingerCore(period, mult);
    this.lookback = lookback;
    this.#prev = new RingWindow(lookback - 1);
  }

  push(x: number): SqueezeValue {
    const b = this.#bb.push(x);
    return this.#commit(this.#fill(this.#out, (b.upper - b.lower) / b.middle));
  }

  peek(x: number): SqueezeValue {
    const b = this.#bb.peek(x);
    return this.#fill(this.#peekOut, (b.upper - b.lower) / b.middle);
  }

  #fill(out: SqueezeValue, bandwidth: number): SqueezeValue {
    out.bandwidth = bandwidth;
    out.squeeze = !Number.isNaN(bandwidth) && this.#prev.full && bandwidth <= this.#prev.min();
    return out;
  }

  #commit(out: SqueezeValue): SqueezeValue {
    if (!Number.isNaN(out.bandwidth)) this.#prev.push(out.bandwidth);
    return out;
  }
}

/** Streaming Bollinger squeeze over closes; results are reused objects. */
export class BollingerSqueezeStream {
  readonly #core: BollingerSqueezeCore;

  constructor(period = 20, mult = 2, lookback = 125) {
    this.#core = new BollingerSqueezeCore(period, mult, lookback);
  }

  update(candle: Candle): SqueezeValue {
    assertFinite('squeeze close', candle.close);
    return this.#core.push(candle.close);
  }

  peek(candle: Candle): SqueezeValue {
    assertFinite('squeeze close', candle.close);
    return this.#core.peek(candle.close);
  }
}

/** Bollinger squeeze of closes: `bandwidth` (NaN in warm-up) and `squeeze` (1 / 0). */
export function bollingerSqueeze(
  close: ArrayLike<number>,
  period = 20,
  mult = 2,
  lookback = 125,
): { bandwidth: Float64Array; squeeze: Uint8Array } {
  assertFiniteSeries('squeeze close', close);
  const core = new BollingerSqueezeCore(period, mult, lookback);
  const n = close.length;
  const out = { bandwidth: new Float64Array(n), squeeze: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const v = core.push(close[i]!);
    out.bandwidth[i] = v.bandwidth;
    out.squeeze[i] = v.squeeze ? 1 : 0;
  }
  return out;
}
