import type { Candle } from '../candle.ts';
import { bucketStart } from '../marketdata/timeframe.ts';

/**
 * Builds bars of `ms` from closed 1m candles. It holds the open (incomplete) bar in a candle it
 * owns and mutates, so adding a minute allocates nothing.
 */
export class CandleAggregator {
  readonly ms: number;
  readonly #bar: Candle = { time: Number.NaN, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  #open = false;

  constructor(ms: number) {
    this.ms = ms;
  }

  /** the open bar, or null; valid until the next call */
  get current(): Candle | null {
    return this.#open ? this.#bar : null;
  }

  /** end (exclusive, ms) of the open bar, NaN when none */
  get currentEnd(): number {
    return this.#open ? this.#bar.time + this.ms : Number.NaN;
  }

  /** Whether `minute` belongs to a later bar than the open one (so the open one is finished). */
  startsNewBar(minute: Candle): boolean {
    return this.#open && bucketStart(minute.time, this.ms) !== this.#bar.time;
  }

  /** Add a closed 1m candle; returns true when it completes the bar (its last minute). */
  add(minute: Candle): boolean {
    const start = bucketStart(minute.time, this.ms);
    const bar = this.#bar;
    if (!this.#open || start !== bar.time) {
      bar.time = start;
      bar.open = minute.open;
      bar.high = minute.high;
      bar.low = minute.low;
      bar.close = minute.close;
      bar.volume = minute.volume;
      this.#open = true;
    } else {
      if (minute.high > bar.high) bar.high = minute.high;
      if (minute.low < bar.low) bar.low = minute.low;
      bar.close = minute.close;
      bar.volume += minute.volume;
    }
    return minute.time + 60_000 >= start + this.ms;
  }

  /** Forget the open bar (after it was committed). */
  clear(): void {
    this.#open = false;
  }
}
