import { OrderBook } from '../book.ts';
import type { OrderBookSnapshot } from '../types.ts';

/** A raw `/contractMarket/level2` delta (the frame's data). */
export interface Level2Delta {
  sequence: number;
  change: string;
  timestamp: number;
}

export interface Level2SyncOptions {
  symbol: string;
  priceDecimals: number;
  /** REST snapshot (`/api/v1/level2/snapshot`) whose `sequence` continues the delta stream. */
  fetchSnapshot: () => Promise<OrderBookSnapshot>;
  /** Called after each (re)build and each applied delta. */
  onBook?: (book: OrderBook) => void;
  /** Called when a gap or bad data forces a rebuild. */
  onResync?: (reason: string) => void;
  /** Attempts to get a snapshot that the buffered deltas continue. */
  maxSnapshotRetries?: number;
}

/**
 * KuCoin level-2 sync (KUCOIN.md §4.4): buffer deltas, fetch a snapshot, drop deltas with
 * sequence ≤ snapshot, apply the rest in order, and rebuild from a fresh snapshot on any gap.
 * A snapshot older than the first buffered delta − 1 cannot be bridged and is fetched again.
 */
export class Level2Sync {
  readonly book: OrderBook;
  private state: 'idle' | 'fetching' | 'synced' = 'idle';
  private buffer: Level2Delta[] = [];
  private retries = 0;
  /** Incremented on each rebuild so a stale in-flight snapshot is ignored. */
  private generation = 0;
  resyncs = 0;

  constructor(private readonly opts: Level2SyncOptions) {
    this.book = new OrderBook(opts.symbol, opts.priceDecimals);
  }

  /** Whether the book reflects the stream (false while (re)building). */
  get synced(): boolean {
    return this.state === 'synced';
  }

  /** Feed one delta from the WS topic. */
  onDelta(delta: Level2Delta): void {
    if (this.state !== 'synced') {
      this.buffer.push(delta);
      if (this.state === 'idle') this.fetch();
      return;
    }
    const expected = this.book.sequence + 1;
    if (delta.sequence < expected) return; // duplicate or already covered by the snapshot
    if (delta.sequence > expected) {
      this.resync(`gap: expected ${expected}, got ${delta.sequence}`, delta);
      return;
    }
    try {
      this.book.applyChangeText(delta.change, delta.sequence);
    } catch (error) {
      this.resync(`bad delta ${delta.sequence}: ${(error as Error).message}`);
      return;
    }
    this.opts.onBook?.(this.book);
  }

  /** Drop the book and rebuild (also used after a WS reconnect, when deltas were certainly missed). */
  resync(reason: string, next?: Level2Delta): void {
    this.resyncs++;
    this.opts.onResync?.(reason);
    this.state = 'idle';
    this.buffer = next ? [next] : [];
    this.retries = 0;
    this.generation++;
    if (next) this.fetch();
  }

  private fetch(): void {
    this.state = 'fetching';
    const generation = this.generation;
    this.opts.fetchSnapshot().then(
      (snapshot) => {
        if (generation === this.generation) this.onSnapshot(snapshot);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        this.opts.onResync?.(`snapshot failed: ${(error as Error).message}`);
        this.retryOrGiveUp();
      },
    );
  }

  private retryOrGiveUp(): void {
    this.retries++;
    if (this.retries <= (this.opts.maxSnapshotRetries ?? 3)) this.fetch();
    else {
      // wait for the next delta to try again rather than spinning
      this.state = 'idle';
      this.retries = 0;
    }
  }

  private onSnapshot(snapshot: OrderBookSnapshot): void {
    const first = this.buffer[0];
    if (first && snapshot.sequence < first.sequence - 1) {
      // the snapshot predates the buffered deltas: there is a hole between them
      this.retryOrGiveUp();
      return;
    }
    this.book.applySnapshot(snapshot.sequence, snapshot.bids, snapshot.asks);
    const pending = this.buffer.filter((d) => d.sequence > snapshot.sequence);
    this.buffer = [];
    this.state = 'synced';
    this.retries = 0;
    this.opts.onBook?.(this.book);
    for (const d of pending) {
      this.onDelta(d);
      if (this.state !== 'synced') return;
    }
  }
}
