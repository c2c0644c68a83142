import { assertCandle, type Candle } from '../candle.ts';
import { AtrCore } from './atr.ts';
import { BollingerCore } from './bollinger.ts';
import { EmaCore } from './ema.ts';
import { MacdCore } from './macd.ts';
import { RsiCore } from './rsi.ts';
import { bandwidthOf, SqueezeTracker } from './squeeze.ts';
import { StochRsiCore } from './stoch-rsi.ts';
import { VolumeSpikeCore } from './volume-spike.ts';

/** Periods of every indicator in the bundle; defaults are TradingView's. */
export interface IndicatorBundleOptions {
  rsiPeriod: number;
  macdFast: number;
  macdSlow: number;
  macdSignal: number;
  bbPeriod: number;
  bbMult: number;
  atrPeriod: number;
  stochRsiRsiPeriod: number;
  stochRsiStochPeriod: number;
  stochRsiK: number;
  stochRsiD: number;
  emaFast: number;
  emaSlow: number;
  volumePeriod: number;
  volumeSpikeMult: number;
  squeezeLookback: number;
}

export const defaultBundleOptions: Readonly<IndicatorBundleOptions> = Object.freeze({
  rsiPeriod: 14,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
  bbPeriod: 20,
  bbMult: 2,
  atrPeriod: 14,
  stochRsiRsiPeriod: 14,
  stochRsiStochPeriod: 14,
  stochRsiK: 3,
  stochRsiD: 3,
  emaFast: 20,
  emaSlow: 50,
  volumePeriod: 20,
  volumeSpikeMult: 2,
  squeezeLookback: 125,
});

/**
 * Every indicator of one symbol at one bar, as the scorer and the engine read it. Numbers are NaN
 * while an indicator warms up; the flags are false then.
 */
export interface IndicatorSnapshot {
  /** open time of the bar (ms) */
  time: number;
  close: number;
  rsi: number;
  macd: number;
  macd_signal: number;
  macd_hist: number;
  bb_upper: number;
  bb_middle: number;
  bb_lower: number;
  /** (upper − lower) / middle */
  bb_bandwidth: number;
  atr: number;
  stoch_rsi_k: number;
  stoch_rsi_d: number;
  ema_fast: number;
  ema_slow: number;
  /** volume / mean volume of the previous bars */
  volume_ratio: number;
  volume_spike: boolean;
  /** Bollinger BandWidth at its lowest of the squeeze lookback */
  squeeze: boolean;
}

/** A snapshot with every number NaN and every flag false. */
export function emptySnapshot(): IndicatorSnapshot {
  const n = Number.NaN;
  return {
    time: n,
    close: n,
    rsi: n,
    macd: n,
    macd_signal: n,
    macd_hist: n,
    bb_upper: n,
    bb_middle: n,
    bb_lower: n,
    bb_bandwidth: n,
    atr: n,
    stoch_rsi_k: n,
    stoch_rsi_d: n,
    ema_fast: n,
    ema_slow: n,
    volume_ratio: n,
    volume_spike: false,
    squeeze: false,
  };
}

/**
 * All indicators of one symbol, updated together per closed candle with no allocation: each
 * candle is validated once, then fed to the numeric cores; the bands feed the squeeze directly.
 *
 * @example
 * const bundle = new IndicatorBundle({ emaFast: 9, emaSlow: 21 });
 * for (const c of closed) bundle.update(c);
 * const live = bundle.peek(forming, {}); // what-if for the forming bar, state unchanged
 */
export class IndicatorBundle {
  readonly options: Readonly<IndicatorBundleOptions>;
  readonly #rsi: RsiCore;
  readonly #macd: MacdCore;
  readonly #bb: BollingerCore;
  readonly #atr: AtrCore;
  readonly #stoch: StochRsiCore;
  readonly #emaFast: EmaCore;
  readonly #emaSlow: EmaCore;
  readonly #volume: VolumeSpikeCore;
  readonly #squeeze: SqueezeTracker;
  readonly #out: IndicatorSnapshot = emptySnapshot();
  readonly #peekOut: IndicatorSnapshot = emptySnapshot();
  #lastTime = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<IndicatorBundleOptions> = {}) {
    const o = Object.freeze({ ...defaultBundleOptions, ...options });
    this.options = o;
    this.#rsi = new RsiCore(o.rsiPeriod);
    this.#macd = new MacdCore(o.macdFast, o.macdSlow, o.macdSignal);
    this.#bb = new BollingerCore(o.bbPeriod, o.bbMult);
    this.#atr = new AtrCore(o.atrPeriod);
    this.#stoch = new StochRsiCore(o.stochRsiRsiPeriod, o.stochRsiStochPeriod, o.stochRsiK, o.stochRsiD);
    this.#emaFast = new EmaCore(o.emaFast);
    this.#emaSlow = new EmaCore(o.emaSlow);
    this.#volume = new VolumeSpikeCore(o.volumePeriod, o.volumeSpikeMult);
    this.#squeeze = new SqueezeTracker(o.squeezeLookback);
  }

  /** open time of the last committed candle (−Infinity before the first) */
  get lastTime(): number {
    return this.#lastTime;
  }

  /**
   * Commit a closed candle (times must increase) and return the snapshot. Without `out` the
   * returned object is reused by the next update: spread it to keep it.
   */
  update(candle: Candle, out: IndicatorSnapshot = this.#out): IndicatorSnapshot {
    assertCandle(candle);
    if (!(candle.time > this.#lastTime)) {
      throw new RangeError(`candle time ${candle.time} is not after the last committed ${this.#lastTime}`);
    }
    this.#lastTime = candle.time;
    const x = candle.close;
    out.time = candle.time;
    out.close = x;
    out.rsi = this.#rsi.push(x);
    const m = this.#macd.push(x);
    out.macd = m.macd;
    out.macd_signal = m.signal;
    out.macd_hist = m.hist;
    const b = this.#bb.push(x);
    out.bb_upper = b.upper;
    out.bb_middle = b.middle;
    out.bb_lower = b.lower;
    out.bb_bandwidth = bandwidthOf(b);
    out.squeeze = this.#squeeze.push(out.bb_bandwidth);
    out.atr = this.#atr.push(candle.high, candle.low, x);
    const s = this.#stoch.push(x);
    out.stoch_rsi_k = s.k;
    out.stoch_rsi_d = s.d;
    out.ema_fast = this.#emaFast.push(x);
    out.ema_slow = this.#emaSlow.push(x);
    const v = this.#volume.push(candle.volume);
    out.volume_ratio = v.ratio;
    out.volume_spike = v.spike;
    return out;
  }

  /**
   * The snapshot if the forming `candle` closed now, without committing it. Without `out` the
   * returned object is reused by the next peek.
   */
  peek(candle: Candle, out: IndicatorSnapshot = this.#peekOut): IndicatorSnapshot {
    assertCandle(candle);
    if (!(candle.time > this.#lastTime)) {
      throw new RangeError(`candle time ${candle.time} is not after the last committed ${this.#lastTime}`);
    }
    const x = candle.close;
    out.time = candle.time;
    out.close = x;
    out.rsi = this.#rsi.peek(x);
    const m = this.#macd.peek(x);
    out.macd = m.macd;
    out.macd_signal = m.signal;
    out.macd_hist = m.hist;
    const b = this.#bb.peek(x);
    out.bb_upper = b.upper;
    out.bb_middle = b.middle;
    out.bb_lower = b.lower;
    out.bb_bandwidth = bandwidthOf(b);
    out.squeeze = this.#squeeze.peek(out.bb_bandwidth);
    out.atr = this.#atr.peek(candle.high, candle.low);
    const s = this.#stoch.peek(x);
    out.stoch_rsi_k = s.k;
    out.stoch_rsi_d = s.d;
    out.ema_fast = this.#emaFast.peek(x);
    out.ema_slow = this.#emaSlow.peek(x);
    const v = this.#volume.peek(candle.volume);
    out.volume_ratio = v.ratio;
    out.volume_spike = v.spike;
    return out;
  }
}
