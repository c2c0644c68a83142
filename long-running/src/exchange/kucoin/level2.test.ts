import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import type { OrderBookSnapshot } from '../types.ts';
import { type Level2Delta, Level2Sync } from './level2.ts';

const snap = (sequence: number, bid = '100.0'): OrderBookSnapshot => ({
  symbol: 'XBTUSDTM',
  sequence,
  bids: [{ price: toMoney(bid), size: 5 }],
  asks: [{ price: toMoney('100.5'), size: 5 }],
  time: 0,
});
const d = (sequence: number, change: string): Level2Delta => ({ sequence, change, timestamp: 0 });

/** A snapshot source the test answers by hand, in order. */
function manualSnapshots() {
  const waiting: ((s: OrderBookSnapshot) => void)[] = [];
  return {
    fetch: () => new Promise<OrderBookSnapshot>((resolve) => waiting.push(resolve)),
    get pending() {
      return waiting.length;
    },
    answer: async (s: OrderBookSnapshot) => {
      waiting.shift()!(s);
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

describe('KuCoin level-2 sync', () => {
  it('buffers deltas, applies the snapshot, drops covered deltas and applies the rest in order', async () => {
    const snaps = manualSnapshots();
    const sync = new Level2Sync({ symbol: 'XBTUSDTM', priceDecimals: 1, fetchSnapshot: snaps.fetch });
    sync.onDelta(d(9, '99.0,buy,1'));
    sync.onDelta(d(10, '100.0,buy,7'));
    sync.onDelta(d(11, '100.5,sell,0'));
    sync.onDelta(d(12, '100.6,sell,3'));
    expect(sync.synced).toBe(false);
    expect(snaps.pending).toBe(1);
    await snaps.answer(snap(10)); // covers 9 and 10
    expect(sync.synced).toBe(true);
    expect(sync.book.sequence).toBe(12);
    expect(sync.book.bestBid()?.size).toBe(5); // delta 10 was dropped: the snapshot already had it
    expect(sync.book.depth(5).bids).toHaveLength(1); // delta 9 dropped
    expect(sync.book.bestAsk()?.price.toFixed()).toBe('100.6');
  });

  it('applies live deltas once synced and ignores duplicates', async () => {
    const snaps = manualSnapshots();
    const sync = new Level2Sync({ symbol: 'XBTUSDTM', priceDecimals: 1, fetchSnapshot: snaps.fetch });
    sync.onDelta(d(6, '99.0,buy,1'));
    await snaps.answer(snap(5));
    sync.onDelta(d(7, '99.5,buy,2'));
    sync.onDelta(d(7, '99.5,buy,9'));
    expect(sync.book.depth(5).bids.map((l) => l.size)).toEqual([5, 2, 1]);
    expect(sync.resyncs).toBe(0);
  });

  it('rebuilds from a new snapshot when a sequence gap appears', async () => {
    const snaps = manualSnapshots();
    const reasons: string[] = [];
    const sync = new Level2Sync({
      symbol: 'XBTUSDTM',
      priceDecimals: 1,
      fetchSnapshot: snaps.fetch,
      onResync: (r) => reasons.push(r),
    });
    sync.onDelta(d(2, '99.0,buy,1'));
    await snaps.answer(snap(1));
    sync.onDelta(d(5, '98.0,buy,1')); // 3 and 4 missing
    expect(sync.synced).toBe(false);
    expect(reasons[0]).toMatch(/gap: expected 3, got 5/);
    expect(snaps.pending).toBe(1);
    sync.onDelta(d(6, '97.0,buy,1'));
    await snaps.answer(snap(5, '100.2'));
    expect(sync.synced).toBe(true);
    expect(sync.book.sequence).toBe(6);
    expect(sync.book.bestBid()?.price.toFixed()).toBe('100.2');
  });

  it('refetches a snapshot that is older than the buffered deltas', async () => {
    const snaps = manualSnapshots();
    const sync = new Level2Sync({ symbol: 'XBTUSDTM', priceDecimals: 1, fetchSnapshot: snaps.fetch });
    sync.onDelta(d(20, '99.0,buy,1'));
    await snaps.answer(snap(15)); // 16..19 would be missing
    expect(sync.synced).toBe(false);
    expect(snaps.pending).toBe(1);
    await snaps.answer(snap(19));
    expect(sync.synced).toBe(true);
    expect(sync.book.sequence).toBe(20);
  });

  it('rebuilds rather than applying a malformed delta', async () => {
    const snaps = manualSnapshots();
    const sync = new Level2Sync({ symbol: 'XBTUSDTM', priceDecimals: 1, fetchSnapshot: snaps.fetch });
    sync.onDelta(d(2, '99.0,buy,1'));
    await snaps.answer(snap(1));
    sync.onDelta(d(3, '99.0,buy,-4'));
    expect(sync.synced).toBe(false);
    expect(sync.book.depth(5).bids.map((l) => l.size)).toEqual([5, 1]);
  });
});
