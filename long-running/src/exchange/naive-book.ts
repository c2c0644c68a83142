import { type Money, toMoney } from '@enigma/core/money';
import type { BookLevel, Side } from './types.ts';

/**
 * The obvious book: Decimal prices in arrays of objects, linear search, re-sort on insert. Used only as
 * the benchmark peer and as the reference the fast OrderBook is checked against in tests.
 */
export class NaiveOrderBook {
  bids: BookLevel[] = [];
  asks: BookLevel[] = [];

  /** Apply KuCoin's "price,side,size" change text. */
  applyChangeText(change: string): void {
    const [price, side, size] = change.split(',') as [string, Side, string];
    this.update(side, toMoney(price), Number(size));
  }

  update(side: Side, price: Money, size: number): void {
    const levels = side === 'buy' ? this.bids : this.asks;
    const i = levels.findIndex((l) => l.price.eq(price));
    if (i >= 0) {
      if (size === 0) levels.splice(i, 1);
      else levels[i] = { price, size };
      return;
    }
    if (size === 0) return;
    levels.push({ price, size });
    levels.sort((x, y) => (side === 'buy' ? y.price.cmp(x.price) : x.price.cmp(y.price)));
  }

  bestBid(): BookLevel | null {
    return this.bids[0] ?? null;
  }

  bestAsk(): BookLevel | null {
    return this.asks[0] ?? null;
  }
}
