import type { Bar } from '@enigma/core/marketdata/index';
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

/** A book top as JSON (decimal strings; null for an empty side). */
export function bookPayload(top: BookTop): Record<string, unknown> {
  return {
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
