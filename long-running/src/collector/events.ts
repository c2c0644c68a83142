import type { Bar } from '@enigma/core/marketdata/index';
import { toMoney } from '@enigma/core/money';
import type { BookSide } from '@enigma/core/router/book';
import type { BookLevel } from '../exchange/types.ts';
import type { BarSource } from './candle-store.ts';
import type { BookTop } from './market-state.ts';

/**
 * Bus names the collector publishes on. Ticks, book tops, marks and health are pub/sub events (the
 * latest value matters, a missed one is superseded); closed candles also go to a durable stream so a
 * consumer that was down catches up.
 */
export const MARKET_EVENTS = {
  tick: 'events:market.tick',
  book: 'events:market.book',
  candle: 'events:market.candle',
  mark: 'events:market.mark',
  funding: 'events:market.funding',
  health: 'events:market.health',
  divergence: 'events:market.divergence',
} as const;

/** Durable stream of closed candles (all symbols and timeframes). */
export const CANDLES_STREAM = 'market:candles';

/** Kinds of `events:market.health` events. */
export type HealthKind =
  | 'connected'
  | 'disconnected'
  | 'reconnected'
  | 'stale'
  | 'fresh'
  | 'sequence-gap'
  | 'book-resynced'
  | 'backfilled'
  | 'backfill-failed'
  | 'candle-disagreement';

export interface HealthEvent extends Record<string, unknown> {
  kind: HealthKind;
  symbol?: string;
  feed?: string;
  at: number;
}

/** A candle as JSON: exact decimal strings, open time in ms. */
export function candlePayload(bar: Bar & { source?: BarSource }): Record<string, unknown> {
  return {
    symbol: bar.symbol,
    timeframe: bar.timeframe,
    openTime: bar.openTime,
    open: bar.open.toString(),
    high: bar.high.toString(),
    low: bar.low.toString(),
    close: bar.close.toString(),
    volume: bar.volume.toString(),
    trades: bar.trades,
    source: bar.source ?? 'kucoin-trades',
  };
}

/**
 * A book top as JSON (decimal strings; null for an empty side), with the book's first levels of each side
 * when given (`bids`/`asks` as `[price, lots]`, best first): the engine's router walks them for its
 * slippage estimate instead of reading the book over REST on the decision's path.
 */
export function bookPayload(
  top: BookTop,
  depth?: { bids: readonly BookLevel[]; asks: readonly BookLevel[] },
): Record<string, unknown> {
  return {
    ...(depth
      ? {
          bids: depth.bids.map((l) => [l.price.toString(), l.size]),
          asks: depth.asks.map((l) => [l.price.toString(), l.size]),
        }
      : {}),
    symbol: top.symbol,
    sequence: top.sequence,
    bestBid: top.bestBid?.price.toString() ?? null,
    bestBidSize: top.bestBid?.size ?? null,
    bestAsk: top.bestAsk?.price.toString() ?? null,
    bestAskSize: top.bestAsk?.size ?? null,
    mid: top.mid?.toString() ?? null,
    spread: top.spread?.toString() ?? null,
    bidDepth: top.bidDepth,
    askDepth: top.askDepth,
    imbalance: top.imbalance,
    levels: top.levels,
    time: top.time,
  };
}

/**
 * The levels a `book` event carries (`bookPayload`'s `bids`/`asks`), or null when it carries none or any
 * level is malformed (a price that is not a positive decimal, lots that are not a positive whole number,
 * a side out of order): the reader then falls back to the exchange's REST book.
 */
export function bookDepthOf(e: Record<string, unknown>): BookSide | null {
  const bids = levelsOf(e.bids, 'desc');
  const asks = levelsOf(e.asks, 'asc');
  return bids && asks ? { bids, asks } : null;
}

function levelsOf(raw: unknown, order: 'asc' | 'desc'): BookSide['bids'] | null {
  if (!Array.isArray(raw)) return null;
  const out: { price: ReturnType<typeof toMoney>; lots: number }[] = [];
  for (const level of raw) {
    if (!Array.isArray(level) || typeof level[0] !== 'string' || !Number.isSafeInteger(level[1])) return null;
    const lots = level[1] as number;
    let price: ReturnType<typeof toMoney>;
    try {
      price = toMoney(level[0]);
    } catch {
      return null;
    }
    if (!price.isFinite() || price.lte(0) || lots <= 0) return null;
    const prev = out[out.length - 1];
    if (prev && (order === 'asc' ? !price.gt(prev.price) : !price.lt(prev.price))) return null;
    out.push({ price, lots });
  }
  return out;
}
