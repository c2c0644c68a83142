import type { Money } from '@enigma/core/money';
import { z } from 'zod';
import type { MarginMode, Side } from '../types.ts';
import { orderBody, type PlaceOrderRequest, type TpSlOrderRequest, tpSlOrderBody } from './orders.ts';
import * as p from './parse.ts';
import type { QueryValue, RequestSpec } from './request.ts';
import * as s from './schemas.ts';

/**
 * Every KuCoin Futures operation the client uses: its request (pure RequestSpec, weights from
 * kucoin-spec) and the parser for its `data`. `placesOrder` marks requests whose lost response must be
 * resolved by clientOid, never by sending again.
 */
export interface Endpoint<T> {
  spec: RequestSpec;
  parse: (data: unknown) => T;
  /** Set on order placement: the clientOid that identifies the order if the response is lost. */
  placesOrder?: string;
  /** Set on batch placement: the clientOids to look up if the response is lost. */
  placesOrders?: string[];
  /**
   * How long after the call begins a request may still go on the wire (ms): past it no attempt is made
   * (the rate limit would hold it longer, or a retry of a request refused unprocessed comes too late) and
   * the call throws a KucoinNetworkError that says it was not sent. Its caller can then bound when a
   * request it lost track of (a crash) could still reach KuCoin. None: no limit.
   */
  sendWithinMs?: number;
}

/** What a caller may ask of an order placement beside the order itself. */
export interface PlaceOptions {
  /** see `Endpoint.sendWithinMs` */
  sendWithinMs?: number;
}

export interface Page<T> {
  currentPage: number;
  pageSize: number;
  totalNum: number;
  totalPage: number;
  items: T[];
}

const seg = encodeURIComponent;
const get = (path: string, weight: number, isPrivate: boolean, query?: Record<string, QueryValue>) =>
  ({ method: 'GET', path, query, private: isPrivate, weight }) as RequestSpec;

// The wrappers' schemas, built once: a zod schema built per call is compiled per call (most of a
// response check's cost at tens of requests a second).
const ANY_PAGE = s.page(z.unknown());
const ANY_LIST = z.array(z.unknown());
const ANY_HAS_MORE = s.hasMore(z.unknown());
const TRUE = z.literal(true);

function pageOf<T>(parseItem: (raw: unknown) => T, what: string) {
  return (data: unknown): Page<T> => {
    const pg = p.check(ANY_PAGE, data, what);
    return { ...pg, items: pg.items.map(parseItem) };
  };
}
function listOf<T>(parseItem: (raw: unknown) => T, what: string) {
  return (data: unknown): T[] => p.check(ANY_LIST, data, what).map(parseItem);
}
function hasMoreOf<T>(parseItem: (raw: unknown) => T, what: string) {
  return (data: unknown) => {
    const h = p.check(ANY_HAS_MORE, data, what);
    return { items: h.dataList.map(parseItem), hasMore: h.hasMore };
  };
}
const literalTrue = (data: unknown): true => p.check(TRUE, data, 'acknowledgement');

export interface PageQuery {
  currentPage?: number;
  pageSize?: number;
}
export interface OrderListQuery extends PageQuery {
  status: 'active' | 'done';
  symbol?: string;
  side?: Side;
  type?: 'limit' | 'market' | 'limit_stop' | 'market_stop';
  startAt?: number;
  endAt?: number;
}
export interface FillQuery extends PageQuery {
  orderId?: string;
  symbol?: string;
  side?: Side;
  type?: 'limit' | 'market' | 'limit_stop' | 'market_stop';
  /** Comma list, e.g. "trade,adl". */
  tradeTypes?: string;
  startAt?: number;
  endAt?: number;
}

/** Kline granularities KuCoin accepts, in minutes. */
export const KLINE_GRANULARITIES = [1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080] as const;
export type KlineGranularity = (typeof KLINE_GRANULARITIES)[number];

export const market = {
  serverTime: (): Endpoint<number> => ({
    spec: get('/api/v1/timestamp', 2, false),
    parse: (d) => p.check(s.epoch, d, 'server time'),
  }),
  serverStatus: (): Endpoint<{ status: 'open' | 'close' | 'cancelonly'; msg: string }> => ({
    spec: get('/api/v1/status', 4, false),
    parse: (d) => p.check(s.serverStatus, d, 'server status'),
  }),
  contracts: () => ({
    spec: get('/api/v1/contracts/active', 3, false),
    parse: listOf(p.parseContract, 'contracts'),
  }),
  contract: (symbol: string) => ({
    spec: get(`/api/v1/contracts/${seg(symbol)}`, 3, false),
    parse: p.parseContract,
  }),
  ticker: (symbol: string) => ({ spec: get('/api/v1/ticker', 2, false, { symbol }), parse: p.parseTicker }),
  /** Full book (`snapshot`, the one the docs recommend for level-2 sync) or top 20/100. */
  orderBook: (symbol: string, depth: 'full' | 20 | 100 = 'full') => ({
    spec:
      depth === 'full'
        ? get('/api/v1/level2/snapshot', 3, false, { symbol })
        : get(`/api/v1/level2/depth${depth}`, 5, false, { symbol }),
    parse: p.parseOrderBook,
  }),
  trades: (symbol: string) => ({
    spec: get('/api/v1/trade/history', 5, false, { symbol }),
    parse: listOf((r) => p.parseTrade(r, symbol), 'trade history'),
  }),
  klines: (symbol: string, granularity: KlineGranularity, from?: number, to?: number) => {
    if (!KLINE_GRANULARITIES.includes(granularity))
      throw new RangeError(`granularity ${granularity} not supported`);
    return {
      spec: get('/api/v1/kline/query', 3, false, { symbol, granularity, from, to }),
      parse: listOf((r) => p.parseKline(r, symbol), 'klines'),
    };
  },
  fundingRate: (symbol: string) => ({
    spec: get(`/api/v1/funding-rate/${seg(symbol)}/current`, 2, false),
    parse: (d: unknown) => p.parseFundingCurrent(d, symbol),
  }),
  fundingRateHistory: (symbol: string, from: number, to: number) => ({
    spec: get('/api/v1/contract/funding-rates', 5, false, { symbol, from, to }),
    parse: listOf(p.parseFundingRatePoint, 'funding rates'),
  }),
  riskLimits: (symbol: string) => ({
    spec: get(`/api/v1/contracts/risk-limit/${seg(symbol)}`, 5, false),
    parse: listOf(p.parseRiskLimitTier, 'risk limits'),
  }),
  publicToken: () => ({
    spec: { method: 'POST', path: '/api/v1/bullet-public', private: false, weight: 10 } as RequestSpec,
    parse: (d: unknown) => p.check(s.bullet, d, 'bullet'),
  }),
  privateToken: () => ({
    spec: { method: 'POST', path: '/api/v1/bullet-private', private: true, weight: 10 } as RequestSpec,
    parse: (d: unknown) => p.check(s.bullet, d, 'bullet'),
  }),
};

const orderAck = (d: unknown) => {
  const a = p.check(s.orderAck, d, 'order acknowledgement');
  return { orderId: a.orderId, clientOid: a.clientOid ?? null };
};

export const trade = {
  placeOrder: (o: PlaceOrderRequest, opts: PlaceOptions = {}) => ({
    spec: {
      method: 'POST',
      path: '/api/v1/orders',
      body: orderBody(o),
      private: true,
      weight: 2,
    } as RequestSpec,
    parse: orderAck,
    placesOrder: o.clientOid,
    ...(opts.sendWithinMs !== undefined ? { sendWithinMs: opts.sendWithinMs } : {}),
  }),
  /** Validation only: KuCoin checks the order and answers like placeOrder without placing it. */
  testOrder: (o: PlaceOrderRequest) => ({
    spec: {
      method: 'POST',
      path: '/api/v1/orders/test',
      body: orderBody(o),
      private: true,
      weight: 2,
    } as RequestSpec,
    parse: orderAck,
  }),
  placeTpSlOrder: (o: TpSlOrderRequest) => ({
    spec: {
      method: 'POST',
      path: '/api/v1/st-orders',
      body: tpSlOrderBody(o),
      private: true,
      weight: 2,
    } as RequestSpec,
    parse: orderAck,
    placesOrder: o.clientOid,
  }),
  /** Up to 20 orders; each item succeeds or fails on its own (`code`). */
  placeOrders: (orders: PlaceOrderRequest[]) => {
    if (orders.length === 0 || orders.length > 20) throw new RangeError('a batch holds 1 to 20 orders');
    return {
      spec: {
        method: 'POST',
        path: '/api/v1/orders/multi',
        body: orders.map(orderBody),
        private: true,
        weight: 20,
      } as RequestSpec,
      parse: listOf((r) => p.check(s.batchOrderItem, r, 'batch order result'), 'batch order results'),
      placesOrders: orders.map((o) => o.clientOid),
    };
  },
  cancelOrder: (orderId: string) => ({
    spec: {
      method: 'DELETE',
      path: `/api/v1/orders/${seg(orderId)}`,
      private: true,
      weight: 1,
    } as RequestSpec,
    parse: (d: unknown) => p.check(s.cancelledIds, d, 'cancel result').cancelledOrderIds,
  }),
  cancelOrderByClientOid: (clientOid: string, symbol: string) => ({
    spec: {
      method: 'DELETE',
      path: `/api/v1/orders/client-order/${seg(clientOid)}`,
      query: { symbol },
      private: true,
      weight: 1,
    } as RequestSpec,
    parse: (d: unknown) => p.check(s.cancelByClientOid, d, 'cancel result').clientOid,
  }),
  /** Cancel all limit orders of a symbol (v3; the v1 cancel-all costs 800 and is abandoned). */
  cancelAllOrders: (symbol: string) => ({
    spec: {
      method: 'DELETE',
      path: '/api/v3/orders',
      query: { symbol },
      private: true,
      weight: 10,
    } as RequestSpec,
    parse: (d: unknown) => p.check(s.cancelledIds, d, 'cancel result').cancelledOrderIds,
  }),
  cancelAllStopOrders: (symbol?: string) => ({
    spec: {
      method: 'DELETE',
      path: '/api/v1/stopOrders',
      query: { symbol },
      private: true,
      weight: 15,
    } as RequestSpec,
    parse: (d: unknown) => p.check(s.cancelledIds, d, 'cancel result').cancelledOrderIds,
  }),
  order: (orderId: string) => ({ spec: get(`/api/v1/orders/${seg(orderId)}`, 5, true), parse: p.parseOrder }),
  /** null when KuCoin knows no order with this clientOid. */
  orderByClientOid: (clientOid: string) => ({
    spec: get('/api/v1/orders/byClientOid', 5, true, { clientOid }),
    parse: (d: unknown) => (d === null || d === undefined ? null : p.parseOrder(d)),
  }),
  orders: (q: OrderListQuery) => ({
    spec: get('/api/v1/orders', 2, true, { ...q }),
    parse: pageOf(p.parseOrder, 'orders'),
  }),
  stopOrders: (q: Omit<OrderListQuery, 'status'> = {}) => ({
    spec: get('/api/v1/stopOrders', 6, true, { ...q }),
    parse: pageOf(p.parseOrder, 'stop orders'),
  }),
  recentDoneOrders: (symbol?: string) => ({
    spec: get('/api/v1/recentDoneOrders', 5, true, { symbol }),
    parse: listOf(p.parseOrder, 'recent done orders'),
  }),
  fills: (q: FillQuery = {}) => ({
    spec: get('/api/v1/fills', 5, true, { ...q }),
    parse: pageOf(p.parseFill, 'fills'),
  }),
  recentFills: (symbol?: string) => ({
    spec: get('/api/v1/recentFills', 5, true, { symbol }),
    parse: listOf(p.parseFill, 'recent fills'),
  }),
};

export const positions = {
  position: (symbol: string) => ({
    spec: get('/api/v1/position', 2, true, { symbol }),
    parse: p.parsePosition,
  }),
  positions: (currency?: string) => ({
    spec: get('/api/v1/positions', 2, true, { currency }),
    parse: listOf(p.parsePosition, 'positions'),
  }),
  history: (q: { symbol?: string; from?: number; to?: number; limit?: number; pageId?: number } = {}) => ({
    spec: get('/api/v1/history-positions', 2, true, { ...q }),
    parse: pageOf(p.parseHistoryPosition, 'position history'),
  }),
  marginMode: (symbol: string) => ({
    spec: get('/api/v2/position/getMarginMode', 2, true, { symbol }),
    parse: (d: unknown) => p.check(s.marginModeResult, d, 'margin mode'),
  }),
  changeMarginMode: (symbol: string, marginMode: MarginMode) => ({
    spec: {
      method: 'POST',
      path: '/api/v2/position/changeMarginMode',
      body: { symbol, marginMode },
      private: true,
      weight: 2,
    } as RequestSpec,
    parse: (d: unknown) => p.check(s.marginModeResult, d, 'margin mode'),
  }),
  crossLeverage: (symbol: string) => ({
    spec: get('/api/v2/getCrossUserLeverage', 2, true, { symbol }),
    parse: (d: unknown) => p.check(s.crossLeverage, d, 'cross leverage'),
  }),
  /** Cross-margin leverage is a per-symbol setting; isolated leverage travels with each order. */
  changeCrossLeverage: (symbol: string, leverage: Money) => ({
    spec: {
      method: 'POST',
      path: '/api/v2/changeCrossUserLeverage',
      body: { symbol, leverage: leverage.toFixed() },
      private: true,
      weight: 2,
    } as RequestSpec,
    parse: literalTrue,
  }),
  /** Acknowledged with `true`; the outcome arrives on WS `position.adjustRiskLimit`. */
  changeRiskLimitLevel: (symbol: string, level: number) => {
    if (!Number.isSafeInteger(level) || level < 1)
      throw new RangeError('risk limit level is a positive integer');
    return {
      spec: {
        method: 'POST',
        path: '/api/v1/position/risk-limit-level/change',
        body: { symbol, level },
        private: true,
        weight: 5,
      } as RequestSpec,
      parse: literalTrue,
    };
  },
};

export const account = {
  overview: (currency = 'USDT') => ({
    spec: get('/api/v1/account-overview', 5, true, { currency }),
    parse: p.parseAccountOverview,
  }),
  fundingHistory: (q: {
    symbol: string;
    startAt?: number;
    endAt?: number;
    reverse?: boolean;
    offset?: number;
    forward?: boolean;
    maxCount?: number;
  }) => ({
    spec: get('/api/v1/funding-history', 5, true, { ...q }),
    parse: hasMoreOf(p.parseFundingPayment, 'funding history'),
  }),
};
