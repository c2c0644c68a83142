import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { NaiveOrderBook } from '../exchange/naive-book.ts';
import type { OrderBookSnapshot } from '../exchange/types.ts';
import { BookSync } from './book-sync.ts';

/**
 * A venue-side book history: deltas with consecutive sequences and the full book after each, so a
 * snapshot "as of" any sequence can be served exactly as KuCoin's REST snapshot would be.
 */
function venue(startSeq: number, count: number) {
  const deltas: { sequence: number; change: string }[] = [];
  const states = new Map<number, OrderBookSnapshot>();
  const ref = new NaiveOrderBook();
  const snap = (sequence: number): OrderBookSnapshot => ({
    symbol: 'XBTUSDTM',
    sequence,
    bids: ref.bids.map((l) => ({ ...l })),
    asks: ref.asks.map((l) => ({ ...l })),
    time: 0,
  });
  states.set(startSeq, snap(startSeq));
  let x = 7;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  for (let i = 1; i <= count; i++) {
    const side = rnd() < 0.5 ? 'buy' : 'sell';
    const tick = side === 'buy' ? 99_000 + Math.floor(rnd() * 20) : 99_021 + Math.floor(rnd() * 20);
    const size = rnd() < 0.25 ? 0 : 1 + Math.floor(rnd() * 50);
    const change = `${(tick / 10).toFixed(1)},${side},${size}`;
    ref.applyChangeText(change);
    deltas.push({ sequence: startSeq + i, change });
    states.set(startSeq + i, snap(startSeq + i));
  }
  return { deltas, at: (seq: number) => states.get(seq)!, ref };
}

const plain = (levels: { price: { toString(): string }; size: number }[]) =>
  levels.map((l) => `${l.price.toString()}x${l.size}`);

describe('BookSync', () => {
  it('buffers deltas until the snapshot, drops the ones it covers and ends equal to the venue book', async () => {
    const v = venue(1_000, 300);
    let snapshotSeq = 0;
    const sync = new BookSync('XBTUSDTM', 1, async () => v.at(snapshotSeq), {}, 10);
    // the snapshot is taken after 40 deltas were sent; 60 have arrived by the time it lands
    snapshotSeq = 1_040;
    for (const d of v.deltas.slice(0, 60)) expect(sync.onDelta(d.sequence, d.change)).toBe('buffered');
    await sync.whenSynced();
    for (const d of v.deltas.slice(60)) expect(sync.onDelta(d.sequence, d.change)).toBe('applied');
    const depth = sync.book.depth(1_000);
    expect(plain(depth.bids)).toEqual(plain(v.ref.bids));
    expect(plain(depth.asks)).toEqual(plain(v.ref.asks));
    expect(sync.book.sequence).toBe(1_300);
    expect(sync.resyncs).toBe(1);
  });

  it('ignores a repeated delta and rebuilds from a new snapshot after a sequence gap', async () => {
    const v = venue(5, 200);
    let asOf = 5;
    const gaps: [number, number][] = [];
    const sync = new BookSync(
      'XBTUSDTM',
      1,
      async () => v.at(asOf),
      { onGap: (e, g) => gaps.push([e, g]) },
      10,
    );
    sync.onDelta(v.deltas[0]!.sequence, v.deltas[0]!.change);
    await sync.whenSynced();
    for (const d of v.deltas.slice(1, 100)) sync.onDelta(d.sequence, d.change);
    expect(sync.onDelta(v.deltas[50]!.sequence, v.deltas[50]!.change)).toBe('duplicate');
    // deltas 106..125 are lost on the wire; the next snapshot is taken after them
    asOf = 125;
    expect(sync.onDelta(v.deltas[120]!.sequence, v.deltas[120]!.change)).toBe('gap');
    expect(gaps).toEqual([[106, 126]]);
    expect(sync.isSynced).toBe(false);
    await sync.whenSynced();
    for (const d of v.deltas.slice(121)) sync.onDelta(d.sequence, d.change);
    expect(plain(sync.book.depth(1_000).bids)).toEqual(plain(v.ref.bids));
    expect(plain(sync.book.depth(1_000).asks)).toEqual(plain(v.ref.asks));
    expect(sync.gaps).toBe(1);
    expect(sync.resyncs).toBe(2);
  });

  it('fetches again when the snapshot is older than the first buffered delta, and retries failures', async () => {
    const v = venue(0, 50);
    const served: number[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const sync = new BookSync(
      'XBTUSDTM',
      1,
      async () => {
        calls++;
        if (calls === 1) throw new Error('503');
        const seq = calls === 2 ? 5 : 30; // the first good snapshot predates the buffer
        served.push(seq);
        return v.at(seq);
      },
      { onError: (e) => errors.push(e) },
      5,
    );
    for (const d of v.deltas.slice(20, 50)) sync.onDelta(d.sequence, d.change);
    await sync.whenSynced();
    expect(served).toEqual([5, 30]);
    expect(errors).toHaveLength(1);
    expect(sync.book.sequence).toBe(50);
    expect(plain(sync.book.depth(1_000).bids)).toEqual(plain(v.ref.bids));
  });

  it('snapshot prices are exact decimals on the tick grid', async () => {
    const sync = new BookSync('XBTUSDTM', 1, async () => ({
      symbol: 'XBTUSDTM',
      sequence: 1,
      bids: [{ price: toMoney('100.1'), size: 3 }],
      asks: [{ price: toMoney('100.2'), size: 4 }],
      time: 0,
    }));
    sync.resync();
    await sync.whenSynced();
    expect(sync.book.spread()?.toString()).toBe('0.1');
    sync.stop();
  });
});
