/**
 * The collector's view of a KuCoin WebSocket connection: it connects, subscribes, detects a dead link,
 * reconnects and resubscribes by itself, and reports data frames and connection changes. Implemented
 * over the exchange adapter's WS client (see `kucoin-feed.ts`).
 */
export interface FeedHandlers {
  /** A `type: "message"` frame: exact single-symbol topic, subject and data. */
  onMessage(topic: string, subject: string, data: unknown): void;
  /** The link died (closed, errored or silent past the ping timeout). */
  onDisconnected(reason: string): void;
  /** A new link is up and every topic is subscribed again (deltas in between were missed). */
  onReconnected(): void;
}

export interface FeedConnection {
  /** Connect and subscribe; resolves once subscribed (acknowledged). */
  start(topics: readonly string[]): Promise<void>;
  /** Stop for good: no reconnect. */
  close(): Promise<void>;
}

/** Builds a connection for the given handlers (public or private channels). */
export type FeedFactory = (handlers: FeedHandlers) => FeedConnection;

/** The public topics the collector subscribes to for one symbol. */
export function publicTopics(symbol: string): string[] {
  return [
    `/contractMarket/tickerV2:${symbol}`,
    `/contractMarket/level2:${symbol}`,
    `/contractMarket/execution:${symbol}`,
    `/contractMarket/limitCandle:${symbol}_1min`,
    `/contract/instrument:${symbol}`,
  ];
}

/** The private topics for a configured account (orders, stop orders, wallet, positions). */
export function privateTopics(symbols: readonly string[]): string[] {
  return [
    '/contractMarket/tradeOrders',
    '/contractMarket/advancedOrders',
    '/contractAccount/wallet',
    ...symbols.map((s) => `/contract/position:${s}`),
  ];
}
