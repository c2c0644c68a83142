import { assertCandle, type Candle } from '../candle.ts';
import { RingWindow } from './ring-window.ts';
import { assertFinite, assertFiniteSeries, assertPeriod } from './validate.ts';

/** Volume relative to its recent average. */
export interface VolumeSpikeValue {
  /** volume / mean volume of the previous `period` bars; NaN during warm-up or when both are 0 */
  ratio: number;
  /** ratio ≥ mult */
  spike: boolean;
}

/**
 * Volume spike: the bar's volume against the simple mean of the `period` bars before it (the
 * bar itself is left out so a spike does not raise its own baseline).
 */
export class VolumeSpikeCore {
  readonly period: number;
  readonly mult: number;
  readonly #win: RingWindow;
  readonly #out: VolumeSpikeValue = { ratio: Number.NaN, spike: false };
  readonly #peekOut: VolumeSpikeValue = { ratio: Number.NaN, spike: false };

  constructor(period = 20, mult = 2) {
    assertPeriod('volumeSpike period', period);
    assertFinite('volumeSpike mult', mult);
    this.period = period;
    this.mult = mult;
    this.#win = new RingWindow(period);
  }

  push(volume: number): VolumeSpikeValue {
    this.#fill(this.#out, volume);
    this.#win.push(volume);
    return this.#out;
  }

  peek(volume: number): VolumeSpikeValue {
    return this.#fill(this.#peekOut, volume);
  }

  #fill(out: VolumeSpikeValue, volume: number): VolumeSpikeValue {
    if (this.#win.full) {
      out.ratio = volume / (this.#win.sum() / this.period);
      out.spike = out.ratio >= this.mult;
    } else {
      out.ratio = Number.NaN;
      out.spike = false;
    }
    return out;
  }
}

/** Streaming volume spike detector over candles; results are reused objects. */
export class VolumeSpikeStream {
  readonly #core: VolumeSpikeCore;

  constructor(period = 20, mult = 2) {
    this.#core = new VolumeSpikeCore(period, mult);
  }

  update(candle: Candle): VolumeSpikeValue {
    assertCandle(candle);
    return this.#core.push(candle.volume);
  }

  peek(candle: Candle): VolumeSpikeValue {
    assertCandle(candle);
    return this.#core.peek(candle.volume);
  }
}

/**
 * Volume spikes: `ratio` (NaN for the first `period` bars) and `spike` (1 when ratio ≥ mult).
 *
 * @example
 * const { spike } = volumeSpike(volumes, 20, 3); // 3× the last 20 bars' mean
 */
export function volumeSpike(
  volume: ArrayLike<number>,
  period = 20,
  mult = 2,
): { ratio: Float64Array; spike: Uint8Array } {
  assertFiniteSeries('volumeSpike volume', volume);
  const core = new VolumeSpikeCore(period, mult);
  const n = volume.length;
  const out = { ratio: new Float64Array(n), spike: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const v = volume[i]!;
    if (v < 0) throw new RangeError(`volumeSpike volume[${i}] is negative: ${v}`);
    const r = core.push(v);
    out.ratio[i] = r.ratio;
    out.spike[i] = r.spike ? 1 : 0;
  }
  return out;
}
