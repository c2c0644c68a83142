import { toMoney } from '@enigma/core/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from './book.ts';
import { NaiveOrderBook } from './naive-book.ts';

const lv = (price: string, size: number) => ({ price: toMoney(price), size });
const show = (l: { price: { toFixed(): string }; size: number } | null) =>
  l ? `${l.price.toFixed()}x${l.size}` : null;

function seeded() {
  const book = new OrderBook('XBTUSDTM', 1);
  book.applySnapshot(
    10,
    [lv('100.0', 5), lv('99.9', 3), lv('99.5', 10)],
    [lv('100.1', 4), lv('100.2', 6), lv('101', 1)],
  );
  return book;
}

describe('OrderBook', () => {
  it('reports best bid/ask, spread, mid and depth after a snapshot', () => {
    const book = seeded();
    expect(show(book.bestBid())).toBe('100x5');
    expect(show(book.bestAsk())).toBe('100.1x4');
    expect(book.spread()?.toFixed()).toBe('0.1');
    expect(book.mid()?.toFixed()).toBe('100.05');
    expect(book.depth(2).bids.map(show)).toEqual(['100x5', '99.9x3']);
    expect(book.depth(10).asks.map(show)).toEqual(['100.1x4', '100.2x6', '101x1']);
    expect(book.sequence).toBe(10);
  });

  it('rejects a price off its decimal grid, a negative size, an unknown side', () => {
    const book = seeded();
    expect(() => book.applyChangeText('100.05,sell,2')).toThrow(RangeError);
    expect(() => book.applyChangeText('100.1,sell,-2')).toThrow(RangeError);
    expect(() => book.applyChangeText('100.1,ask,2')).toThrow(RangeError);
    expect(() => book.applyChangeText('abc,buy,2')).toThrow(RangeError);
    expect(() => book.applyChangeText('100.1,buy,1.5')).toThrow(RangeError);
    expect(show(book.bestAsk())).toBe('100.1x4');
  });

  it('applies KuCoin change text: insert, update, delete with size 0', () => {
    const book = seeded();
    book.applyChangeText('100.3,sell,2', 11);
    book.applyChangeText('100.1,sell,0', 12);
    book.applyChangeText('100.0,buy,7', 13);
    book.applyChangeText('100.0,buy,0', 14);
    book.applyChangeText('99.9,buy,0', 15);
    expect(show(book.bestAsk())).toBe('100.2x6');
    expect(show(book.bestBid())).toBe('99.5x10');
    expect(book.size).toEqual({ bids: 1, asks: 3 });
    expect(book.depth(5).asks.map(show)).toEqual(['100.2x6', '100.3x2', '101x1']);
    expect(book.sequence).toBe(15);
  });

  it('computes the top-of-book size imbalance', () => {
    const book = seeded();
    expect(book.imbalance(1)).toBeCloseTo((5 - 4) / 9);
    expect(book.imbalance(3)).toBeCloseTo((18 - 11) / 29);
    expect(new OrderBook('X', 1).imbalance(5)).toBe(0);
  });

  it('flags a crossed book', () => {
    const book = seeded();
    expect(book.isCrossed()).toBe(false);
    book.applyChangeText('100.1,buy,1');
    expect(book.isCrossed()).toBe(true);
  });

  it('agrees with the naive book on any sequence of changes', () => {
    const change = fc.record({
      price: fc.integer({ min: 9900, max: 10100 }),
      side: fc.constantFrom('buy', 'sell'),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 300 }), (changes) => {
        const fast = new OrderBook('X', 1);
        const naive = new NaiveOrderBook();
        for (const c of changes) {
          const text = `${(c.price / 10).toFixed(1)},${c.side},${c.size}`;
          fast.applyChangeText(text);
          naive.applyChangeText(text);
        }
        const depth = fast.depth(1000);
        expect(depth.bids.map(show)).toEqual(naive.bids.map(show));
        expect(depth.asks.map(show)).toEqual(naive.asks.map(show));
      }),
      { numRuns: 200 },
    );
  });
});
