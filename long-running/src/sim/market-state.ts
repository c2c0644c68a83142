import type { Candle } from '@enigma/core/candle';
import type { ContractSpec } from '@enigma/core/contract/specs';
import { Money } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import { type BookShape, levelEpoch, syntheticBook, type TickLevel } from './book.ts';
import type { Side } from './types.ts';

/** A public trade (the /trade/history and execution shape before rendering). */
export interface PublicTrade {
  sequence: number;
  tradeId: string;
  makerOrderId: string;
  takerOrderId: string;
  ts: number;
  size: number;
  price: Decimal;
  side: Side;
}

/** A one-minute bar in lots (KuCoin kline volume is in lots). */
export interface MinuteBar extends Candle {
  turnover: number;
}

const MAX_TRADES = 100;
const MAX_MINUTES = 7 * 24 * 60;

/**
 * Public market state of one contract: synthetic book around the source price, last trade, mark and
 * index price, the book sequence shared by REST depth and WS level2 deltas, trades and 1-minute bars.
 */
export class SymbolMarket {
  /** Book sequence: +1 per level2 delta, with no gaps (clients resync on a gap). */
  sequence: number;
  /** Trade sequence (ticker/execution), separate so the book sequence stays contiguous. */
  tradeSequence: number;
  mid = 0;
  last: Decimal;
  lastSide: Side = 'buy';
  lastSize = 0;
  lastTradeId = '';
  lastTradeTs = 0;
  mark: Decimal;
  index: Decimal;
  bids: TickLevel[] = [];
  asks: TickLevel[] = [];
  /** Displayed (synthetic + visible user) size per `b:tick` / `a:tick`. */
  displayed = new Map<string, number>();
  readonly consumed = new Map<string, { epoch: number; lots: number }>();
  readonly trades: PublicTrade[] = [];
  readonly minutes: MinuteBar[] = [];
  fundingRate: Decimal = new Money(0);
  /** Premium of the traded price over the index (a mean-reverting walk) and its moving average. */
  basis = 0;
  basisAverage = 0;

  constructor(
    readonly spec: ContractSpec,
    private readonly seed: number,
    private readonly shape: BookShape,
    startSequence: number,
  ) {
    this.sequence = startSequence;
    this.tradeSequence = startSequence;
    this.last = new Money(0);
    this.mark = new Money(0);
    this.index = new Money(0);
  }

  private readonly priceCache = new Map<number, { price: Decimal; text: string }>();

  /** Price of a tick (cached: the book converts the same few hundred ticks every step). */
  tickToPrice(tick: number): Decimal {
    return this.cached(tick).price;
  }

  /** The price of a tick as KuCoin prints it ("95000.1"). */
  priceString(tick: number): string {
    return this.cached(tick).text;
  }

  private cached(tick: number): { price: Decimal; text: string } {
    let c = this.priceCache.get(tick);
    if (!c) {
      if (this.priceCache.size > 20_000) this.priceCache.clear();
      const price = this.spec.tickSize.mul(tick);
      c = { price, text: price.toString() };
      this.priceCache.set(tick, c);
    }
    return c;
  }

  priceToTick(price: Decimal): number {
    return price.div(this.spec.tickSize).toNumber();
  }

  /** Rebuild the synthetic book around a new mid (the caller diffs and publishes). */
  rebuild(mid: number, now: number): void {
    this.mid = mid;
    const b = syntheticBook({
      spec: this.spec,
      mid,
      now,
      seed: this.seed,
      shape: this.shape,
      consumed: this.consumed,
    });
    this.bids = b.bids;
    this.asks = b.asks;
    if (this.consumed.size > 500) {
      for (const [k, v] of this.consumed) {
        const tick = Number(k.split(':')[1]);
        if (v.epoch !== levelEpoch(tick, now)) this.consumed.delete(k);
      }
    }
  }

  /** Take `lots` from a synthetic level (a user taker order ate it). */
  consume(side: 'bid' | 'ask', tick: number, lots: number, now: number): void {
    const key = `${side === 'bid' ? 0 : 1}:${tick}`;
    const epoch = levelEpoch(tick, now);
    const prev = this.consumed.get(key);
    this.consumed.set(key, { epoch, lots: (prev && prev.epoch === epoch ? prev.lots : 0) + lots });
    const levels = side === 'bid' ? this.bids : this.asks;
    const i = levels.findIndex((l) => l.tick === tick);
    if (i >= 0) {
      levels[i]!.size -= lots;
      if (levels[i]!.size <= 0) levels.splice(i, 1);
    }
  }

  recordTrade(trade: PublicTrade): void {
    this.trades.push(trade);
    if (this.trades.length > MAX_TRADES) this.trades.shift();
    this.last = trade.price;
    this.lastSide = trade.side;
    this.lastSize = trade.size;
    this.lastTradeId = trade.tradeId;
    this.lastTradeTs = trade.ts;
    this.addToBar(Math.floor(trade.ts / 60_000) * 60_000, trade.price.toNumber(), trade.size);
  }

  /** Extend the current bar with a price (mark of a quiet interval) and volume. */
  addToBar(minute: number, price: number, lots: number): void {
    let bar = this.minutes[this.minutes.length - 1];
    if (!bar || bar.time < minute) {
      bar = { time: minute, open: price, high: price, low: price, close: price, volume: 0, turnover: 0 };
      this.minutes.push(bar);
      if (this.minutes.length > MAX_MINUTES) this.minutes.shift();
    } else if (bar.time > minute) return;
    bar.high = Math.max(bar.high, price);
    bar.low = Math.min(bar.low, price);
    bar.close = price;
    bar.volume += lots;
    bar.turnover += lots * price * this.spec.multiplier.toNumber();
  }

  /** Bars aggregated to `minutes`-wide buckets between from and to (ms, inclusive start). */
  bars(minutes: number, from: number, to: number): MinuteBar[] {
    const width = minutes * 60_000;
    const out: MinuteBar[] = [];
    for (let i = this.firstBarAt(from - width); i < this.minutes.length; i++) {
      const m = this.minutes[i]!;
      if (m.time > to) break;
      const t = Math.floor(m.time / width) * width;
      if (t < from) continue;
      const cur = out[out.length - 1];
      if (cur && cur.time === t) {
        cur.high = Math.max(cur.high, m.high);
        cur.low = Math.min(cur.low, m.low);
        cur.close = m.close;
        cur.volume += m.volume;
        cur.turnover += m.turnover;
      } else out.push({ ...m, time: t });
    }
    return out;
  }

  /** Index of the first bar at or after `time` (bars are time-ordered). */
  private firstBarAt(time: number): number {
    let lo = 0;
    let hi = this.minutes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.minutes[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** 24 h statistics from the 1-minute bars. */
  stats24h(now: number): { high: number; low: number; open: number; volume: number; turnover: number } {
    const from = now - 86_400_000;
    let high = -Infinity;
    let low = Infinity;
    let open: number | undefined;
    let volume = 0;
    let turnover = 0;
    for (let i = this.firstBarAt(from); i < this.minutes.length; i++) {
      const m = this.minutes[i]!;
      open ??= m.open;
      high = Math.max(high, m.high);
      low = Math.min(low, m.low);
      volume += m.volume;
      turnover += m.turnover;
    }
    const lastPrice = this.last.toNumber();
    return {
      high: Number.isFinite(high) ? high : lastPrice,
      low: Number.isFinite(low) ? low : lastPrice,
      open: open ?? lastPrice,
      volume,
      turnover,
    };
  }

  /**
   * KuCoin's price band (old docs "IEPR"; the contract's `buyLimit`/`sellLimit`): a buy limit may be at most
   * mark × (1 + band), a sell at least mark × (1 − band), rounded inward to the tick.
   */
  priceBand(band: number): { buyLimit: Decimal; sellLimit: Decimal } {
    const tick = this.spec.tickSize;
    return {
      buyLimit: this.mark
        .mul(1 + band)
        .div(tick)
        .floor()
        .mul(tick),
      sellLimit: this.mark
        .mul(1 - band)
        .div(tick)
        .ceil()
        .mul(tick),
    };
  }

  bestBid(): TickLevel | undefined {
    return this.bids[0];
  }

  bestAsk(): TickLevel | undefined {
    return this.asks[0];
  }
}
