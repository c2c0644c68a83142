import type { OrderBook } from '../book.ts';
import type { OrderBookSnapshot } from '../types.ts';
import { Level2Sync } from './level2.ts';
import { type KucoinMetrics, kucoinMetrics } from './metrics.ts';
import { check } from './parse.ts';
import type { KucoinWs, WsMessage } from './ws.ts';
import * as wp from './ws-parse.ts';
import { level2Change } from './ws-schemas.ts';

/** KuCoin Futures topic strings (KUCOIN.md §4.2-4.3). */
export const topics = {
  tickerV2: (symbol: string) => `/contractMarket/tickerV2:${symbol}`,
  level2: (symbol: string) => `/contractMarket/level2:${symbol}`,
  execution: (symbol: string) => `/contractMarket/execution:${symbol}`,
  /** `interval` ∈ 1min, 3min, 5min, 15min, 30min, 1hour, 2hour, 4hour, 8hour, 12hour, 1day, 1week, 1month. */
  candles: (symbol: string, interval: CandleInterval) => `/contractMarket/limitCandle:${symbol}_${interval}`,
  instrument: (symbol: string) => `/contract/instrument:${symbol}`,
  /** All symbols (subject orderChange) or one (subject symbolOrderChange). */
  tradeOrders: (symbol?: string) =>
    symbol ? `/contractMarket/tradeOrders:${symbol}` : '/contractMarket/tradeOrders',
  advancedOrders: () => '/contractMarket/advancedOrders',
  position: (symbol: string) => `/contract/position:${symbol}`,
  wallet: () => '/contractAccount/wallet',
};

export type CandleInterval =
  | '1min'
  | '3min'
  | '5min'
  | '15min'
  | '30min'
  | '1hour'
  | '2hour'
  | '4hour'
  | '8hour'
  | '12hour'
  | '1day'
  | '1week'
  | '1month';

type Parsed<F extends (...a: never[]) => unknown> = ReturnType<F>;

/** Instrument pushes: mark/index price every second, funding rate every minute. */
export type InstrumentEvent =
  | ({ kind: 'markIndexPrice' } & Parsed<typeof wp.parseMarkIndexPrice>)
  | ({ kind: 'fundingRate' } & Parsed<typeof wp.parseFundingRateEvent>);

/** Position pushes, including funding settlement. */
export type PositionEvent =
  | ({ kind: 'change' } & Parsed<typeof wp.parsePositionChange>)
  | ({ kind: 'settlement' } & Parsed<typeof wp.parsePositionSettlement>)
  | ({ kind: 'riskLimit' } & Parsed<typeof wp.parseAdjustRiskLimit>);

/** Wallet pushes: the new `walletBalance.change` and the legacy `availableBalance.change`. */
export type WalletEvent =
  | ({ kind: 'balance' } & Parsed<typeof wp.parseWalletBalance>)
  | ({ kind: 'available' } & Parsed<typeof wp.parseAvailableBalanceChange>);

/**
 * Typed subscriptions: each parses the push with the pure WS parsers; a payload that fails to parse
 * throws inside the handler and surfaces as the connection's `handlerError` event (it never reaches
 * the callback and never kills the socket).
 */
export const subscribe = {
  tickerV2: (ws: KucoinWs, symbol: string, cb: (t: Parsed<typeof wp.parseTickerV2>) => void) =>
    ws.subscribe(topics.tickerV2(symbol), (m) => cb(wp.parseTickerV2(m.data))),
  trades: (ws: KucoinWs, symbol: string, cb: (t: Parsed<typeof wp.parseExecution>) => void) =>
    ws.subscribe(topics.execution(symbol), (m) => cb(wp.parseExecution(m.data))),
  candles: (
    ws: KucoinWs,
    symbol: string,
    interval: CandleInterval,
    cb: (c: Parsed<typeof wp.parseWsCandle>) => void,
  ) => ws.subscribe(topics.candles(symbol, interval), (m) => cb(wp.parseWsCandle(m.data))),
  instrument: (ws: KucoinWs, symbol: string, cb: (e: InstrumentEvent) => void) =>
    ws.subscribe(topics.instrument(symbol), (m) => {
      if (m.subject === 'mark.index.price')
        cb({ kind: 'markIndexPrice', ...wp.parseMarkIndexPrice(m.data, symbol) });
      else if (m.subject === 'funding.rate')
        cb({ kind: 'fundingRate', ...wp.parseFundingRateEvent(m.data, symbol) });
    }),
  orders: (ws: KucoinWs, cb: (o: Parsed<typeof wp.parseOrderChange>) => void, symbol?: string) =>
    ws.subscribe(topics.tradeOrders(symbol), (m) => cb(wp.parseOrderChange(m.data))),
  stopOrders: (ws: KucoinWs, cb: (o: Parsed<typeof wp.parseStopOrderEvent>) => void) =>
    ws.subscribe(topics.advancedOrders(), (m) => cb(wp.parseStopOrderEvent(m.data))),
  position: (ws: KucoinWs, symbol: string, cb: (e: PositionEvent) => void) =>
    ws.subscribe(topics.position(symbol), (m: WsMessage) => {
      const sym = wp.topicSymbol(m.topic);
      if (m.subject === 'position.change') cb({ kind: 'change', ...wp.parsePositionChange(m.data, sym) });
      else if (m.subject === 'position.settlement')
        cb({ kind: 'settlement', ...wp.parsePositionSettlement(m.data, sym) });
      else if (m.subject === 'position.adjustRiskLimit')
        cb({ kind: 'riskLimit', ...wp.parseAdjustRiskLimit(m.data, sym) });
    }),
  /**
   * Only the risk-limit adjustments (`position.adjustRiskLimit`) of `/contract/position:{symbol}`; the
   * topic's other subjects are not parsed. KuCoin's frame names the symbol in its topic only.
   */
  riskLimit: (ws: KucoinWs, symbol: string, cb: (e: Parsed<typeof wp.parseAdjustRiskLimit>) => void) =>
    ws.subscribe(topics.position(symbol), (m: WsMessage) => {
      if (m.subject === 'position.adjustRiskLimit')
        cb(wp.parseAdjustRiskLimit(m.data, wp.topicSymbol(m.topic)));
    }),
  wallet: (ws: KucoinWs, cb: (e: WalletEvent) => void) =>
    ws.subscribe(topics.wallet(), (m) => {
      if (m.subject === 'walletBalance.change') cb({ kind: 'balance', ...wp.parseWalletBalance(m.data) });
      else if (m.subject === 'availableBalance.change')
        cb({ kind: 'available', ...wp.parseAvailableBalanceChange(m.data) });
    }),
};

/**
 * A live level-2 book: subscribes to `/contractMarket/level2`, runs the snapshot + sequence sync and
 * rebuilds after every reconnect (deltas sent while disconnected are lost).
 */
export async function subscribeBook(
  ws: KucoinWs,
  options: {
    symbol: string;
    priceDecimals: number;
    fetchSnapshot: () => Promise<OrderBookSnapshot>;
    onBook?: (book: OrderBook) => void;
    onResync?: (reason: string) => void;
    metrics?: KucoinMetrics;
  },
): Promise<Level2Sync> {
  const metrics = options.metrics ?? kucoinMetrics();
  const sync = new Level2Sync({
    ...options,
    onResync: (reason) => {
      metrics.l2Resyncs.inc({ symbol: options.symbol });
      options.onResync?.(reason);
    },
  });
  ws.on('reconnected', () => sync.resync('websocket reconnected'));
  await ws.subscribe(topics.level2(options.symbol), (m) =>
    sync.onDelta(check(level2Change, m.data, 'level2')),
  );
  return sync;
}
