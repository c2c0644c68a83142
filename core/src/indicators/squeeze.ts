import type { Candle } from '../candle.ts';
import { BollingerCore, type BollingerValue } from './bollinger.ts';
import { SlidingMin } from './sliding-min.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Bollinger squeeze state at one bar. */
export interface SqueezeValue {
  /** (upper − lower) / middle; NaN during warm-up */
  bandwidth: number;
  /** the bandwidth is the lowest of the last `lookback` bars (John Bollinger's squeeze) */
  squeeze: boolean;
}

/**
 * Tracks whether a Bollinger BandWidth is the lowest of the last `lookback` bars (John
 * Bollinger's squeeze: his "six-month low" is lookback 125 on daily bars). Fed with bandwidths
 * so the indicator bundle can reuse the bands it already computed.
 */
export class SqueezeTracker {
  readonly lookback: number;
  /** the previous lookback − 1 bandwidths */
  readonly #prev: SlidingMin;

  constructor(lookback = 125) {
    assertPeriod('squeeze lookback', lookback, 2);
    this.lookback = lookback;
    this.#prev = new SlidingMin(lookback - 1);
  }

  /** Commit a bandwidth (NaN during band warm-up is ignored); returns the squeeze flag. */
  push(bandwidth: number): boolean {
    const squeeze = this.peek(bandwidth);
    if (!Number.isNaN(bandwidth)) this.#prev.push(bandwidth);
    return squeeze;
  }

  peek(bandwidth: number): boolean {
    return !Number.isNaN(bandwidth) && this.#prev.full && bandwidth <= this.#prev.min();
  }
}

/** BandWidth = (upper − lower) / middle. */
export function bandwidthOf(b: BollingerValue): number {
  return (b.upper - b.lower) / b.middle;
}

/** Bollinger squeeze of numbers: bands, BandWidth, and the lowest-in-lookback test. */
export class BollingerSqueezeCore {
  readonly #bb: BollingerCore;
  readonly #tracker: SqueezeTracker;
  readonly #out: SqueezeValue = { bandwidth: Number.NaN, squeeze: false };
  readonly #peekOut: SqueezeValue = { bandwidth: Number.NaN, squeeze: false };

  constructor(period = 20, mult = 2, lookback = 125) {
    this.#bb = new BollingerCore(period, mult);
    this.#tracker = new SqueezeTracker(lookback);
  }

  push(x: number): SqueezeValue {
    const out = this.#out;
    out.bandwidth = bandwidthOf(this.#bb.push(x));
    out.squeeze = this.#tracker.push(out.bandwidth);
    return out;
  }

  peek(x: number): SqueezeValue {
    const out = this.#peekOut;
    out.bandwidth = bandwidthOf(this.#bb.peek(x));
    out.squeeze = this.#tracker.peek(out.bandwidth);
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
