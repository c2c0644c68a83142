import type Decimal from 'decimal.js';
import { Money } from '../money.ts';
import { bucketStart, type Timeframe, timeframeMs } from './timeframe.ts';

/** An exchange-exact OHLCV bar. Volume is in lots (contracts), turnover in quote currency. */
export interface Bar {
  symbol: string;
  timeframe: Timeframe;
  /** open time, ms UTC */
  openTime: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
  turnover: Decimal;
  trades: number;
}

export interface TradeTick {
  /** trade time, ms UTC */
  ts: number;
  price: Decimal;
  /** lots */
  size: number;
  /** quote value of the trade (price × size × multiplier); pass it when known */
  value?: Decimal;
}

const ZERO = new Money(0);

/**
 * Aggregates trades of one symbol into bars of one timeframe. `onTrade` returns the bars that the
 * trade closed; `closeUntil(now)` closes bars whose time has passed without a new trade. Minutes with
 * no trade become flat bars at the previous close with zero volume, so the series has no gaps.
 * A trade older than the bar being built is late: it is counted and ignored, never rewritten into a
 * closed bar.
 */
export class CandleBuilder {
  private current: Bar | undefined;
  private lastClose: Decimal | undefined;
  private lastClosedOpen: number | undefined;
  lateTrades = 0;

  constructor(
    readonly symbol: string,
    readonly timeframe: Timeframe = '1m',
  ) {}

  /** Start after a known bar (e.g. the last stored one), so a gap after it is filled from its close. */
  seed(last: Pick<Bar, 'openTime' | 'close'>): void {
    this.lastClose = last.close;
    this.lastClosedOpen = last.openTime;
  }

  onTrade(trade: TradeTick): Bar[] {
    if (!Number.isInteger(trade.size) || trade.size <= 0)
      throw new RangeError(`trade size must be a positive integer of lots: ${trade.size}`);
    const open = bucketStart(trade.ts, this.timeframe);
    const closed: Bar[] = [];
    if (this.current && open < this.current.openTime) {
      this.lateTrades++;
      return closed;
    }
    if (!this.current && this.lastClosedOpen !== undefined && open <= this.lastClosedOpen) {
      this.lateTrades++;
      return closed;
    }
    if (this.current && open > this.current.openTime) closed.push(...this.closeUntil(open));
    if (!this.current) {
      closed.push(...this.fillGapBefore(open));
      this.current = {
        symbol: this.symbol,
        timeframe: this.timeframe,
        openTime: open,
        open: trade.price,
        high: trade.price,
        low: trade.price,
        close: trade.price,
        volume: ZERO,
        turnover: ZERO,
        trades: 0,
      };
    }
    const bar = this.current;
    if (trade.price.gt(bar.high)) bar.high = trade.price;
    if (trade.price.lt(bar.low)) bar.low = trade.price;
    bar.close = trade.price;
    bar.volume = bar.volume.plus(trade.size);
    bar.turnover = bar.turnover.plus(trade.value ?? trade.price.mul(trade.size));
    bar.trades++;
    return closed;
  }

  /** Close every bar that ends at or before `now` (ms); fills quiet bars. */
  closeUntil(now: number): Bar[] {
    const boundary = bucketStart(now, this.timeframe);
    const closed: Bar[] = [];
    if (this.current && this.current.openTime < boundary) {
      closed.push(this.current);
      this.lastClose = this.current.close;
      this.lastClosedOpen = this.current.openTime;
      this.current = undefined;
    }
    if (!this.current) closed.push(...this.fillGapBefore(boundary));
    return closed;
  }

  /** The forming bar, if any (not yet closed). */
  forming(): Bar | undefined {
    return this.current ? { ...this.current } : undefined;
  }

  private fillGapBefore(open: number): Bar[] {
    if (this.lastClose === undefined || this.lastClosedOpen === undefined) return [];
    const step = timeframeMs(this.timeframe);
    const out: Bar[] = [];
    for (let t = this.lastClosedOpen + step; t < open; t += step) {
      const c = this.lastClose;
      out.push({
        symbol: this.symbol,
        timeframe: this.timeframe,
        openTime: t,
        open: c,
        high: c,
        low: c,
        close: c,
        volume: ZERO,
        turnover: ZERO,
        trades: 0,
      });
      this.lastClosedOpen = t;
    }
    return out;
  }
}

/**
 * Roll closed bars of a smaller timeframe up into `target` bars. Only complete target bars are
 * returned (every constituent present), so a partial higher bar is never stored as final.
 */
export function rollupBars(bars: readonly Bar[], target: Timeframe): Bar[] {
  if (bars.length === 0) return [];
  const source = bars[0]!.timeframe;
  const per = timeframeMs(target) / timeframeMs(source);
  if (!Number.isInteger(per) || per < 1) throw new RangeError(`cannot roll ${source} into ${target}`);
  const groups = new Map<number, Bar[]>();
  for (const bar of bars) {
    const key = bucketStart(bar.openTime, target);
    const group = groups.get(key);
    if (group) group.push(bar);
    else groups.set(key, [bar]);
  }
  const out: Bar[] = [];
  for (const [openTime, group] of [...groups].sort((a, b) => a[0] - b[0])) {
    if (group.length !== per) continue;
    group.sort((a, b) => a.openTime - b.openTime);
    let high = group[0]!.high;
    let low = group[0]!.low;
    let volume = ZERO;
    let turnover = ZERO;
    let trades = 0;
    for (const b of group) {
      if (b.high.gt(high)) high = b.high;
      if (b.low.lt(low)) low = b.low;
      volume = volume.plus(b.volume);
      turnover = turnover.plus(b.turnover);
      trades += b.trades;
    }
    out.push({
      symbol: group[0]!.symbol,
      timeframe: target,
      openTime,
      open: group[0]!.open,
      high,
      low,
      close: group[group.length - 1]!.close,
      volume,
      turnover,
      trades,
    });
  }
  return out;
}
