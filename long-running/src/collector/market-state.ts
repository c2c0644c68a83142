import { FreshnessTracker } from '@enigma/core/marketdata/index';
import type Decimal from 'decimal.js';
import type { BookLevel } from '../exchange/types.ts';

/** The feeds the collector tracks per symbol. */
export const FEEDS = ['ticker', 'level2', 'trades', 'candles', 'instrument', 'reference'] as const;
export type Feed = (typeof FEEDS)[number];

/** Top of an L2 book plus the figures the engine sizes and routes with. */
export interface BookTop {
  symbol: string;
  sequence: number;
  bestBid: BookLevel | undefined;
  bestAsk: BookLevel | undefined;
  mid: Decimal | undefined;
  spread: Decimal | undefined;
  /** Lots resting on the first `levels` price levels of each side. */
  bidDepth: number;
  askDepth: number;
  /** (bidDepth − askDepth) / (bidDepth + askDepth) over those levels, in [−1, 1]; 0 for an empty book. */
  imbalance: number;
  levels: number;
  time: number;
}

/**
 * Summarise the first `levels` levels of each side (bids high → low, asks low → high).
 *
 * @example summarizeBook('XBTUSDTM', 42, bids, asks, 10, Date.now()).spread
 */
export function summarizeBook(
  symbol: string,
  sequence: number,
  bids: readonly BookLevel[],
  asks: readonly BookLevel[],
  levels: number,
  time: number,
): BookTop {
  let bidDepth = 0;
  let askDepth = 0;
  for (let i = 0; i < levels && i < bids.length; i++) bidDepth += bids[i]!.size;
  for (let i = 0; i < levels && i < asks.length; i++) askDepth += asks[i]!.size;
  const bestBid = bids[0];
  const bestAsk = asks[0];
  const total = bidDepth + askDepth;
  return {
    symbol,
    sequence,
    bestBid,
    bestAsk,
    mid: bestBid && bestAsk ? bestBid.price.plus(bestAsk.price).div(2) : undefined,
    spread: bestBid && bestAsk ? bestAsk.price.minus(bestBid.price) : undefined,
    bidDepth,
    askDepth,
    imbalance: total === 0 ? 0 : (bidDepth - askDepth) / total,
    levels,
    time,
  };
}

export interface InstrumentState {
  markPrice?: Decimal;
  indexPrice?: Decimal;
  markTime?: number;
  fundingRate?: Decimal;
  fundingTime?: number;
}

export interface MarketStateOptions {
  /** Default stale window for every feed (ms). */
  staleAfterMs: number;
  /** Per-feed overrides, e.g. `{ trades: 60_000 }` for a quiet market. */
  staleAfterMsByFeed?: Partial<Record<Feed, number>>;
  /** Wall clock (ms); freshness is about arrival time, not exchange time. */
  now?: () => number;
}

/** What `/healthz` shows for one feed. */
export interface FeedHealth {
  symbol: string;
  feed: Feed;
  fresh: boolean;
  ageMs: number | null;
}

/**
 * The collector's live view of the market: book tops, mark/index/funding, and when each feed last
 * delivered. The engine asks `isFresh` before trading and refuses on stale data.
 */
export class MarketState {
  private readonly trackers: Record<Feed, FreshnessTracker>;
  private readonly books = new Map<string, BookTop>();
  private readonly instruments = new Map<string, InstrumentState>();
  private readonly referenceMids = new Map<string, { mid: Decimal; time: number }>();
  private readonly now: () => number;

  constructor(
    readonly symbols: readonly string[],
    options: MarketStateOptions,
  ) {
    this.now = options.now ?? Date.now;
    const make = (feed: Feed) =>
      new FreshnessTracker(options.staleAfterMsByFeed?.[feed] ?? options.staleAfterMs);
    this.trackers = Object.fromEntries(FEEDS.map((f) => [f, make(f)])) as Record<Feed, FreshnessTracker>;
  }

  /** Record that `feed` of `symbol` delivered data now. */
  touch(symbol: string, feed: Feed): void {
    this.trackers[feed].touch(symbol, this.now());
  }

  /** `touch` with the arrival time already read (the hot path reads the clock once per message). */
  touchAt(symbol: string, feed: Feed, now: number): void {
    this.trackers[feed].touch(symbol, now);
  }

  /**
   * Whether `feed` of `symbol` delivered within its stale window. Without a feed: whether every feed the
   * engine trades on (level-2 book and instrument mark price) is fresh. A feed never seen is not fresh.
   */
  isFresh(symbol: string, feed?: Feed): boolean {
    const now = this.now();
    if (feed) return this.trackers[feed].isFresh(symbol, now);
    return this.trackers.level2.isFresh(symbol, now) && this.trackers.instrument.isFresh(symbol, now);
  }

  setBook(top: BookTop): void {
    this.books.set(top.symbol, top);
  }

  /** The latest book top, or undefined while the book is not synced. */
  book(symbol: string): BookTop | undefined {
    return this.books.get(symbol);
  }

  /** Drop a book that is no longer trustworthy (sequence gap, disconnect) until it is rebuilt. */
  clearBook(symbol: string): void {
    this.books.delete(symbol);
  }

  updateInstrument(symbol: string, patch: InstrumentState): void {
    this.instruments.set(symbol, { ...this.instruments.get(symbol), ...patch });
  }

  instrument(symbol: string): InstrumentState | undefined {
    return this.instruments.get(symbol);
  }

  setReferenceMid(symbol: string, mid: Decimal, time: number): void {
    this.referenceMids.set(symbol, { mid, time });
  }

  referenceMid(symbol: string): { mid: Decimal; time: number } | undefined {
    return this.referenceMids.get(symbol);
  }

  /** Freshness of every feed of every configured symbol (feeds never seen are listed as stale). */
  health(feeds: readonly Feed[] = FEEDS): FeedHealth[] {
    const now = this.now();
    const out: FeedHealth[] = [];
    for (const symbol of this.symbols) {
      for (const feed of feeds) {
        const age = this.trackers[feed].ageMs(symbol, now);
        out.push({ symbol, feed, fresh: this.trackers[feed].isFresh(symbol, now), ageMs: age ?? null });
      }
    }
    return out;
  }

  /** Symbols with at least one stale feed among `feeds`. */
  staleSymbols(feeds: readonly Feed[]): string[] {
    const stale = new Set(
      this.health(feeds)
        .filter((h) => !h.fresh)
        .map((h) => h.symbol),
    );
    return [...stale];
  }
}
