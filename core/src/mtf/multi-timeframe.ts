import { assertCandle, type Candle } from '../candle.ts';
import {
  emptySnapshot,
  IndicatorBundle,
  type IndicatorBundleOptions,
  type IndicatorSnapshot,
} from '../indicators/bundle.ts';
import { type Timeframe, timeframeMs } from '../marketdata/timeframe.ts';
import { CandleAggregator } from './aggregator.ts';

/** The timeframes the multi-timeframe view aggregates 1m candles into (a subset of the stored ones). */
export const MTF_TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h'] as const satisfies readonly Timeframe[];
export type MtfTimeframe = (typeof MTF_TIMEFRAMES)[number];

/** A bar and the indicators computed through it. */
export interface TimeframeBar {
  candle: Candle;
  indicators: IndicatorSnapshot;
  /** true for the still-open bar: its numbers come from `peek` and will change */
  forming: boolean;
}

/** One timeframe as of the asked time. */
export interface TimeframeState {
  timeframe: MtfTimeframe;
  /** the last bar whose end ≤ asOf, or null before the first one closes */
  closed: TimeframeBar | null;
  /** the open bar built from the minutes seen so far, when asked for and there is one */
  forming: TimeframeBar | null;
}

/** Indicator state of one symbol across timeframes at one instant. */
export interface MultiTimeframeState {
  /** the symbol named in the options, if any */
  symbol?: string;
  /** the instant asked about (ms) */
  asOf: number;
  frames: Record<MtfTimeframe, TimeframeState>;
}

export interface MultiTimeframeOptions {
  symbol?: string;
  timeframes: readonly MtfTimeframe[];
  bundle: Partial<IndicatorBundleOptions>;
}

interface Frame {
  timeframe: MtfTimeframe;
  aggregator: CandleAggregator;
  bundle: IndicatorBundle;
  lastCandle: Candle | null;
  lastSnapshot: IndicatorSnapshot;
}

const MINUTE = 60_000;

/**
 * Indicator state of one symbol on 1m, 5m, 15m, 1h and 4h, fed with closed 1m candles only.
 * No look-ahead: a higher timeframe shows its last closed bar, and (optionally) the open bar
 * marked `forming: true`, computed with `peek` from the minutes seen so far. Time is passed in;
 * asking for a time before the last fed minute closed is an error, because that minute would be
 * look-ahead.
 *
 * @example
 * const mtf = new MultiTimeframe();
 * for (const m of minutes) mtf.update(m);
 * const s = mtf.state(now);
 * s.frames['1h'].closed?.indicators.rsi;
 */
export class MultiTimeframe {
  readonly timeframes: readonly MtfTimeframe[];
  readonly symbol: string | undefined;
  readonly #frames: Frame[];
  #lastMinute = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<MultiTimeframeOptions> = {}) {
    const timeframes = options.timeframes ?? MTF_TIMEFRAMES;
    for (const tf of timeframes) {
      if (!(MTF_TIMEFRAMES as readonly string[]).includes(tf))
        throw new RangeError(`unknown timeframe ${JSON.stringify(tf)}`);
    }
    this.timeframes = Object.freeze([...new Set(timeframes)]);
    this.symbol = options.symbol;
    this.#frames = this.timeframes.map((timeframe) => ({
      timeframe,
      aggregator: new CandleAggregator(timeframeMs(timeframe)),
      bundle: new IndicatorBundle(options.bundle),
      lastCandle: null,
      lastSnapshot: emptySnapshot(),
    }));
  }

  /** Feed one closed 1m candle (minute-aligned, later than the previous one; gaps are allowed). */
  update(minute: Candle): void {
    assertCandle(minute);
    if (minute.time % MINUTE !== 0)
      throw new RangeError(`1m candle time ${minute.time} is not minute-aligned`);
    if (!(minute.time > this.#lastMinute)) {
      throw new RangeError(`1m candle time ${minute.time} is not after the previous ${this.#lastMinute}`);
    }
    this.#lastMinute = minute.time;
    for (const f of this.#frames) {
      if (f.aggregator.startsNewBar(minute)) this.#commit(f);
      if (f.aggregator.add(minute)) this.#commit(f);
    }
  }

  /**
   * State as of `now` (ms). Bars whose end ≤ now are closed, even when their last minutes never
   * arrived (a gap in the feed). With `forming`, each open bar is included, marked forming.
   */
  state(now: number, { forming = true }: { forming?: boolean } = {}): MultiTimeframeState {
    if (!Number.isFinite(now)) throw new RangeError(`now must be a finite time, got ${now}`);
    if (now < this.#lastMinute + MINUTE) {
      throw new RangeError(
        `asked for ${now}, before the last fed minute closed at ${this.#lastMinute + MINUTE}`,
      );
    }
    const frames = {} as Record<MtfTimeframe, TimeframeState>;
    for (const f of this.#frames) {
      if (f.aggregator.current && f.aggregator.currentEnd <= now) this.#commit(f);
      const open = forming ? f.aggregator.current : null;
      frames[f.timeframe] = {
        timeframe: f.timeframe,
        closed: f.lastCandle
          ? { candle: { ...f.lastCandle }, indicators: { ...f.lastSnapshot }, forming: false }
          : null,
        forming: open ? { candle: { ...open }, indicators: { ...f.bundle.peek(open) }, forming: true } : null,
      };
    }
    return this.symbol === undefined ? { asOf: now, frames } : { symbol: this.symbol, asOf: now, frames };
  }

  #commit(f: Frame): void {
    const bar = f.aggregator.current;
    if (!bar) return;
    f.bundle.update(bar, f.lastSnapshot);
    f.lastCandle = f.lastCandle ?? { ...bar };
    Object.assign(f.lastCandle, bar);
    f.aggregator.clear();
  }
}

/**
 * One call: the multi-timeframe state at `now` from a history of closed 1m candles (oldest first).
 * Minutes that had not closed by `now` are left out, so a longer history cannot leak into it.
 *
 * @example
 * const s = multiTimeframeAt(minutes, Date.parse('2025-05-10T12:34:00Z'), { symbol: 'XBTUSDTM' });
 */
export function multiTimeframeAt(
  minutes: readonly Candle[],
  now: number,
  options: Partial<MultiTimeframeOptions> & { forming?: boolean } = {},
): MultiTimeframeState {
  const mtf = new MultiTimeframe(options);
  for (const m of minutes) {
    if (m.time + MINUTE > now) break;
    mtf.update(m);
  }
  return mtf.state(now, { forming: options.forming ?? true });
}
