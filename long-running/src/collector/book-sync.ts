import { OrderBook } from '../exchange/book.ts';
import type { OrderBookSnapshot } from '../exchange/types.ts';

/** What happened to one level-2 delta. */
export type DeltaOutcome = 'applied' | 'buffered' | 'duplicate' | 'gap';

export interface BookSyncHooks {
  /** A sequence gap was seen (the book is dropped and rebuilt). */
  onGap?(expected: number, got: number): void;
  /** A REST snapshot was applied (first sync or rebuild). */
  onResync?(sequence: number): void;
  /** The book is in sync again. */
  onSynced?(book: OrderBook): void;
  /** A snapshot fetch failed (it is retried). */
  onError?(error: unknown): void;
}

const MAX_BUFFER = 10_000;

/**
 * KuCoin's level-2 sync for one symbol (KUCOIN.md §4.4): buffer `/contractMarket/level2` deltas, fetch a
 * REST snapshot with sequence S, drop buffered deltas ≤ S, apply the rest, then require every delta to
 * be exactly sequence + 1. A gap drops the book and rebuilds it from a new snapshot; a snapshot older
 * than the first buffered delta is fetched again.
 *
 * @example
 * const sync = new BookSync('XBTUSDTM', 1, () => kucoin.market.orderBook('XBTUSDTM'));
 * ws.on('level2', (d) => sync.onDelta(d.sequence, d.change));
 */
export class BookSync {
  readonly book: OrderBook;
  private buffer: { sequence: number; change: string }[] = [];
  private synced = false;
  private fetching: Promise<void> | undefined;
  private generation = 0;
  gaps = 0;
  resyncs = 0;

  constructor(
    readonly symbol: string,
    priceDecimals: number,
    private readonly fetchSnapshot: () => Promise<OrderBookSnapshot>,
    private readonly hooks: BookSyncHooks = {},
    /** Wait between failed snapshot fetches (ms). */
    private readonly retryMs = 500,
  ) {
    this.book = new OrderBook(symbol, priceDecimals);
  }

  /** Whether the book reflects every delta up to `book.sequence`. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Start (or restart, e.g. after a reconnect) a sync: the current book is no longer trusted. */
  resync(): void {
    this.generation++;
    this.synced = false;
    this.buffer = [];
    this.fetching = undefined;
    this.startFetch();
  }

  /** Stop: forget everything, fetch nothing more. */
  stop(): void {
    this.generation++;
    this.synced = false;
    this.buffer = [];
    this.fetching = undefined;
  }

  /** Feed one delta (`sequence`, KuCoin change text "price,side,size"). The hot path when synced. */
  onDelta(sequence: number, change: string): DeltaOutcome {
    if (this.synced) {
      const expected = this.book.sequence + 1;
      if (sequence === expected) {
        this.book.applyChangeText(change, sequence);
        return 'applied';
      }
      if (sequence < expected) return 'duplicate';
      this.gaps++;
      this.hooks.onGap?.(expected, sequence);
      this.resync();
      this.buffer.push({ sequence, change });
      return 'gap';
    }
    if (this.buffer.length >= MAX_BUFFER) this.buffer.shift();
    this.buffer.push({ sequence, change });
    if (!this.fetching) this.startFetch();
    return 'buffered';
  }

  /** Resolves once the book is synced (for tests and start-up). */
  async whenSynced(): Promise<OrderBook> {
    while (!this.synced) {
      if (!this.fetching) this.startFetch();
      await this.fetching;
    }
    return this.book;
  }

  private startFetch(): void {
    const generation = this.generation;
    this.fetching = (async () => {
      while (generation === this.generation && !this.synced) {
        let snapshot: OrderBookSnapshot;
        try {
          snapshot = await this.fetchSnapshot();
        } catch (error) {
          this.hooks.onError?.(error);
          await new Promise((r) => setTimeout(r, this.retryMs));
          continue;
        }
        if (generation !== this.generation) return;
        if (this.tryApply(snapshot)) return;
        // snapshot older than what we buffered (or no delta yet to prove continuity): wait, then retry
        await new Promise((r) => setTimeout(r, this.retryMs / 5));
      }
    })().finally(() => {
      if (generation === this.generation) this.fetching = undefined;
    });
  }

  private tryApply(snapshot: OrderBookSnapshot): boolean {
    const pending = this.buffer
      .filter((d) => d.sequence > snapshot.sequence)
      .sort((a, b) => a.sequence - b.sequence);
    const first = pending[0];
    if (first && first.sequence > snapshot.sequence + 1) return false;
    this.book.applySnapshot(snapshot.sequence, snapshot.bids, snapshot.asks);
    this.resyncs++;
    this.hooks.onResync?.(snapshot.sequence);
    for (const d of pending) {
      if (d.sequence <= this.book.sequence) continue;
      if (d.sequence !== this.book.sequence + 1) {
        // a hole inside the buffer: start over with a newer snapshot
        this.buffer = pending.filter((x) => x.sequence > d.sequence - 1);
        return false;
      }
      this.book.applyChangeText(d.change, d.sequence);
    }
    this.buffer = [];
    this.synced = true;
    this.hooks.onSynced?.(this.book);
    return true;
  }
}
