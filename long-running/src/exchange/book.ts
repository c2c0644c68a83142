import { Money } from '@enigma/core/money';
import type { BookLevel, Side } from './types.ts';

/**
 * Level-2 order book keyed by scaled-integer prices (price × 10^decimals, exact, no floats), kept in
 * two sorted arrays searched by binary search. Each side is stored with its best level at the END of
 * the array, because almost all updates land near the top of the book and splicing near the end moves
 * almost nothing. Sizes are integer lots.
 */
export class OrderBook {
  /** Book sequence of the last applied snapshot or change. */
  sequence = 0;
  // bids ascending (best = last), asks descending (best = last)
  private bidKeys: number[] = [];
  private bidSizes: number[] = [];
  private askKeys: number[] = [];
  private askSizes: number[] = [];
  private readonly scale: number;

  constructor(
    readonly symbol: string,
    /** Decimal places of the price grid (e.g. 1 for a 0.1 tick, 2 for 0.01; more is fine). */
    readonly priceDecimals: number,
  ) {
    if (!Number.isInteger(priceDecimals) || priceDecimals < 0 || priceDecimals > 12)
      throw new RangeError('priceDecimals must be an integer in 0..12');
    this.scale = 10 ** priceDecimals;
  }

  /** Scaled integer key of a decimal price string; rejects more decimals than the grid allows. */
  priceKey(price: string): number {
    const dot = price.indexOf('.');
    let whole = price;
    let frac = '';
    if (dot >= 0) {
      whole = price.slice(0, dot);
      frac = price.slice(dot + 1);
      while (frac.length > this.priceDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
      if (frac.length > this.priceDecimals)
        throw new RangeError(`price ${price} is off the ${this.priceDecimals}-decimal grid`);
    }
    if (!/^\d+$/.test(whole || 'x') || (frac !== '' && !/^\d+$/.test(frac)))
      throw new RangeError(`not a price: ${JSON.stringify(price)}`);
    const key = Number(whole + frac.padEnd(this.priceDecimals, '0'));
    if (!Number.isSafeInteger(key)) throw new RangeError(`price ${price} is out of range`);
    return key;
  }

  private keyToPrice(key: number): Money {
    return new Money(key).div(this.scale);
  }

  /** Replace the whole book. */
  applySnapshot(sequence: number, bids: readonly BookLevel[], asks: readonly BookLevel[]): void {
    this.bidKeys = [];
    this.bidSizes = [];
    this.askKeys = [];
    this.askSizes = [];
    for (const l of bids) this.set('buy', this.priceKey(l.price.toFixed()), l.size);
    for (const l of asks) this.set('sell', this.priceKey(l.price.toFixed()), l.size);
    this.sequence = sequence;
  }

  /** The level at `price` on `side` becomes `size` lots; 0 removes it. */
  update(side: Side, price: string, size: number, sequence?: number): void {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`size must be a non-negative integer: ${size}`);
    this.set(side, this.priceKey(price), size);
    if (sequence !== undefined) this.sequence = sequence;
  }

  /** Apply KuCoin's raw level-2 change text "price,side,size" (the hot path: no Decimal, no zod). */
  applyChangeText(change: string, sequence?: number): void {
    const a = change.indexOf(',');
    const b = change.indexOf(',', a + 1);
    if (a < 0 || b < 0) throw new RangeError(`bad level2 change: ${change}`);
    const side = change.slice(a + 1, b);
    if (side !== 'buy' && side !== 'sell') throw new RangeError(`bad level2 side: ${side}`);
    const sizeText = change.slice(b + 1);
    const size = Number(sizeText);
    if (sizeText === '' || !Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`bad level2 size: ${sizeText}`);
    this.set(side, this.priceKey(change.slice(0, a)), size);
    if (sequence !== undefined) this.sequence = sequence;
  }

  private set(side: Side, key: number, size: number): void {
    const keys = side === 'buy' ? this.bidKeys : this.askKeys;
    const sizes = side === 'buy' ? this.bidSizes : this.askSizes;
    const ascending = side === 'buy';
    // binary search for the first index whose key is not before `key` in this side's order
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (ascending ? k < key : k > key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < keys.length && keys[lo] === key) {
      if (size === 0) {
        keys.splice(lo, 1);
        sizes.splice(lo, 1);
      } else sizes[lo] = size;
    } else if (size > 0) {
      if (lo === keys.length) {
        keys.push(key);
        sizes.push(size);
      } else {
        keys.splice(lo, 0, key);
        sizes.splice(lo, 0, size);
      }
    }
  }

  /** Number of levels on each side. */
  get size(): { bids: number; asks: number } {
    return { bids: this.bidKeys.length, asks: this.askKeys.length };
  }

  bestBid(): BookLevel | null {
    const i = this.bidKeys.length - 1;
    return i < 0 ? null : { price: this.keyToPrice(this.bidKeys[i]!), size: this.bidSizes[i]! };
  }

  bestAsk(): BookLevel | null {
    const i = this.askKeys.length - 1;
    return i < 0 ? null : { price: this.keyToPrice(this.askKeys[i]!), size: this.askSizes[i]! };
  }

  /** Best ask − best bid, or null when a side is empty. */
  spread(): Money | null {
    const b = this.bidKeys.length;
    const a = this.askKeys.length;
    if (b === 0 || a === 0) return null;
    return this.keyToPrice(this.askKeys[a - 1]! - this.bidKeys[b - 1]!);
  }

  /** (best bid + best ask) / 2, or null. */
  mid(): Money | null {
    const b = this.bidKeys.length;
    const a = this.askKeys.length;
    if (b === 0 || a === 0) return null;
    return this.keyToPrice(this.askKeys[a - 1]! + this.bidKeys[b - 1]!).div(2);
  }

  /** Top `levels` of each side, best first. */
  depth(levels: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const take = (keys: number[], sizes: number[]) => {
      const out: BookLevel[] = [];
      for (let i = keys.length - 1; i >= 0 && out.length < levels; i--)
        out.push({ price: this.keyToPrice(keys[i]!), size: sizes[i]! });
      return out;
    };
    return { bids: take(this.bidKeys, this.bidSizes), asks: take(this.askKeys, this.askSizes) };
  }

  /**
   * Size imbalance of the top `levels`: (bid lots − ask lots) / (bid lots + ask lots), in [−1, 1];
   * 0 for an empty book. A ratio of lot counts (a signal feature, not money), so a float is fine.
   */
  imbalance(levels: number): number {
    const sum = (sizes: number[]) => {
      let t = 0;
      for (let i = sizes.length - 1, n = 0; i >= 0 && n < levels; i--, n++) t += sizes[i]!;
      return t;
    };
    const bid = sum(this.bidSizes);
    const ask = sum(this.askSizes);
    return bid + ask === 0 ? 0 : (bid - ask) / (bid + ask);
  }

  /** Whether the book is crossed (best bid ≥ best ask): a sign of a missed update. */
  isCrossed(): boolean {
    const b = this.bidKeys.length;
    const a = this.askKeys.length;
    return b > 0 && a > 0 && this.bidKeys[b - 1]! >= this.askKeys[a - 1]!;
  }
}
