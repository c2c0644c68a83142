import { type Money, toMoney } from '@enigma/core/money';
import type { z } from 'zod';
import type {
  AccountOverview,
  BookLevel,
  Candle,
  Contract,
  Fill,
  FundingRate,
  Order,
  OrderBookSnapshot,
  Position,
  PublicTrade,
  Ticker,
} from '../types.ts';
import { KucoinParseError } from './errors.ts';
import * as s from './schemas.ts';

/**
 * Pure raw → domain parsers for KuCoin Futures REST payloads (the `data` of the envelope). Every one
 * validates with zod first, so NaN, negative sizes and unknown enums throw KucoinParseError.
 */

/** Validate `raw` against `schema`, or throw a KucoinParseError naming the payload. */
export function check<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new KucoinParseError(what, issues);
  }
  return result.data;
}

/** KuCoin ns timestamps (> 2^53, so already rounded by JSON.parse) → ms. */
export function nsToMs(ns: number): number {
  return Math.floor(ns / 1e6);
}

const money = (v: string | number): Money => toMoney(v);
const moneyOrNull = (v: string | number | null | undefined): Money | null =>
  v === null || v === undefined || v === '' ? null : toMoney(v);

function nonNegativeMoney(v: string | number, what: string, field: string): Money {
  const m = toMoney(v);
  if (m.isNegative()) throw new KucoinParseError(what, `${field}: must not be negative`);
  return m;
}

/** Contract spec: multiplier, lot, tick, max leverage, fees, risk limit. */
export function parseContract(raw: unknown): Contract {
  const c = check(s.contract, raw, 'contract');
  const tickSize = money(c.tickSize);
  if (!tickSize.gt(0)) throw new KucoinParseError('contract', 'tickSize: must be positive');
  return {
    symbol: c.symbol,
    kind: c.type === 'FFWCSX' ? 'perpetual' : 'future',
    baseCurrency: c.baseCurrency,
    quoteCurrency: c.quoteCurrency,
    settleCurrency: c.settleCurrency,
    isInverse: c.isInverse,
    multiplier: money(c.multiplier),
    lotSize: c.lotSize,
    tickSize,
    maxOrderQty: c.maxOrderQty,
    maxPrice: money(c.maxPrice),
    maxLeverage: c.maxLeverage,
    makerFeeRate: money(c.makerFeeRate),
    takerFeeRate: money(c.takerFeeRate),
    initialMargin: money(c.initialMargin),
    maintainMargin: money(c.maintainMargin),
    riskLimit: { min: money(c.minRiskLimit), max: money(c.maxRiskLimit), step: money(c.riskStep) },
    status: c.status,
    expireAt: c.expireDate,
    fundingRate: moneyOrNull(c.fundingFeeRate),
    predictedFundingRate: moneyOrNull(c.predictedFundingFeeRate),
    fundingIntervalMs: c.fundingRateGranularity ?? null,
    nextFundingInMs: c.nextFundingRateTime ?? null,
    markPrice: moneyOrNull(c.markPrice),
    indexPrice: moneyOrNull(c.indexPrice),
    lastTradePrice: moneyOrNull(c.lastTradePrice),
    openInterestLots: c.openInterest == null ? null : Number(c.openInterest),
    supportCross: c.supportCross ?? false,
  };
}

export function parseTicker(raw: unknown): Ticker {
  const t = check(s.ticker, raw, 'ticker');
  return {
    symbol: t.symbol,
    sequence: t.sequence,
    lastPrice: money(t.price),
    lastSize: t.size,
    lastSide: t.side,
    bestBid: money(t.bestBidPrice),
    bestBidSize: t.bestBidSize,
    bestAsk: money(t.bestAskPrice),
    bestAskSize: t.bestAskSize,
    time: nsToMs(t.ts),
  };
}

function levels(raw: [string | number, number | string][], what: string): BookLevel[] {
  return raw.map(([price, size]) => ({
    price: nonNegativeMoney(price, what, 'price'),
    size: typeof size === 'number' ? size : Number(size),
  }));
}

/** `/level2/snapshot` and `/level2/depth20|100`: bids high→low, asks low→high. */
export function parseOrderBook(raw: unknown): OrderBookSnapshot {
  const b = check(s.orderBook, raw, 'order book');
  return {
    symbol: b.symbol,
    sequence: b.sequence,
    bids: levels(b.bids, 'order book'),
    asks: levels(b.asks, 'order book'),
    time: nsToMs(b.ts),
  };
}

export function parseTrade(raw: unknown, symbol: string): PublicTrade {
  const t = check(s.trade, raw, 'trade');
  return {
    symbol,
    sequence: t.sequence,
    tradeId: t.tradeId,
    side: t.side,
    price: money(t.price),
    size: t.size,
    makerOrderId: t.makerOrderId,
    takerOrderId: t.takerOrderId,
    time: nsToMs(t.ts),
  };
}

/** REST kline row `[time ms, open, high, low, close, volume]`. */
export function parseKline(raw: unknown, symbol: string): Candle {
  const k = check(s.kline, raw, 'kline');
  return {
    symbol,
    openTime: k[0],
    open: money(k[1]),
    high: money(k[2]),
    low: money(k[3]),
    close: money(k[4]),
    volume: nonNegativeMoney(k[5], 'kline', 'volume'),
  };
}

export function parseOrder(raw: unknown): Order {
  const o = check(s.order, raw, 'order');
  const filledSize = o.filledSize ?? o.dealSize;
  if (filledSize > o.size && o.size > 0) throw new KucoinParseError('order', 'filledSize: exceeds size');
  const avg = moneyOrNull(o.avgDealPrice);
  return {
    id: o.id,
    clientOid: o.clientOid || null,
    symbol: o.symbol,
    type: o.type,
    side: o.side,
    price: o.type === 'market' ? null : moneyOrNull(o.price),
    size: o.size,
    filledSize,
    filledValue: moneyOrNull(o.filledValue ?? o.dealValue) ?? toMoney(0),
    avgFillPrice: avg?.isZero() ? null : avg,
    stop: o.stop || null,
    stopPrice: moneyOrNull(o.stopPrice),
    stopPriceType: o.stopPriceType || null,
    stopTriggered: o.stopTriggered ?? false,
    timeInForce: o.timeInForce ?? 'GTC',
    postOnly: o.postOnly,
    hidden: o.hidden,
    iceberg: o.iceberg,
    visibleSize: o.iceberg ? (o.visibleSize ?? null) : null,
    reduceOnly: o.reduceOnly,
    closeOrder: o.closeOrder,
    leverage: moneyOrNull(o.leverage),
    marginMode: o.marginMode ?? null,
    status: o.status,
    isActive: o.isActive,
    cancelExist: o.cancelExist,
    createdAt: o.createdAt,
    endAt: o.endAt ?? null,
  };
}

export function parseFill(raw: unknown): Fill {
  const f = check(s.fill, raw, 'fill');
  return {
    symbol: f.symbol,
    tradeId: f.tradeId,
    orderId: f.orderId,
    side: f.side,
    liquidity: f.liquidity,
    price: money(f.price),
    size: f.size,
    value: money(f.value),
    fee: money(f.fee),
    feeRate: money(f.feeRate),
    feeCurrency: f.feeCurrency,
    tradeType: f.tradeType,
    marginMode: f.marginMode ?? null,
    time: nsToMs(f.tradeTime),
  };
}

export function parsePosition(raw: unknown): Position {
  const p = check(s.position, raw, 'position');
  return {
    symbol: p.symbol,
    marginMode: p.marginMode ?? (p.crossMode === undefined ? null : p.crossMode ? 'CROSS' : 'ISOLATED'),
    qty: p.currentQty,
    isOpen: p.isOpen,
    avgEntryPrice: money(p.avgEntryPrice),
    markPrice: money(p.markPrice),
    markValue: money(p.markValue),
    posCost: money(p.posCost),
    posInit: money(p.posInit),
    posMargin: money(p.posMargin),
    realisedPnl: money(p.realisedPnl),
    unrealisedPnl: money(p.unrealisedPnl),
    liquidationPrice: money(p.liquidationPrice),
    bankruptPrice: money(p.bankruptPrice),
    leverage: moneyOrNull(p.leverage),
    settleCurrency: p.settleCurrency,
    riskLimitLevel: p.riskLimitLevel ?? null,
    maintMarginReq: p.maintMarginReq === undefined ? null : money(p.maintMarginReq),
    riskLimit: p.riskLimit === undefined ? null : money(p.riskLimit),
    time: p.currentTimestamp,
  };
}

export function parseAccountOverview(raw: unknown): AccountOverview {
  const a = check(s.accountOverview, raw, 'account overview');
  return {
    currency: a.currency,
    accountEquity: money(a.accountEquity),
    unrealisedPnl: money(a.unrealisedPNL),
    marginBalance: money(a.marginBalance),
    positionMargin: nonNegativeMoney(a.positionMargin, 'account overview', 'positionMargin'),
    orderMargin: nonNegativeMoney(a.orderMargin, 'account overview', 'orderMargin'),
    frozenFunds: nonNegativeMoney(a.frozenFunds, 'account overview', 'frozenFunds'),
    availableBalance: money(a.availableBalance),
  };
}

/** `/funding-rate/{symbol}/current`. `symbol` is the contract (the payload names the funding index). */
export function parseFundingCurrent(raw: unknown, symbol: string): FundingRate {
  const f = check(s.fundingCurrent, raw, 'funding rate');
  return {
    symbol,
    rate: money(f.value),
    predictedRate: moneyOrNull(f.predictedValue),
    intervalMs: f.granularity,
    timePoint: f.timePoint,
    nextFundingTime: f.fundingTime ?? null,
    cap: moneyOrNull(f.fundingRateCap),
    floor: moneyOrNull(f.fundingRateFloor),
  };
}

/** Public funding history point `/contract/funding-rates`. */
export function parseFundingRatePoint(raw: unknown): { symbol: string; rate: Money; time: number } {
  const f = check(s.fundingRatePoint, raw, 'funding rate point');
  return { symbol: f.symbol, rate: money(f.fundingRate), time: f.timepoint };
}

/** Own funding payment (`/funding-history`): `funding` is positive when received. */
export function parseFundingPayment(raw: unknown) {
  const f = check(s.fundingPayment, raw, 'funding payment');
  return {
    id: String(f.id),
    symbol: f.symbol,
    time: f.timePoint,
    rate: money(f.fundingRate),
    markPrice: money(f.markPrice),
    positionQty: f.positionQty,
    positionCost: money(f.positionCost),
    funding: money(f.funding),
    currency: f.settleCurrency,
    marginMode: f.marginMode ?? null,
  };
}

/** Closed position (`/history-positions`). */
export function parseHistoryPosition(raw: unknown) {
  const h = check(s.historyPosition, raw, 'history position');
  return {
    closeId: h.closeId,
    symbol: h.symbol,
    side: h.side,
    type: h.type,
    marginMode: h.marginMode,
    leverage: money(h.leverage),
    pnl: money(h.pnl),
    tradeFee: money(h.tradeFee),
    fundingFee: money(h.fundingFee),
    openPrice: money(h.openPrice),
    closePrice: money(h.closePrice),
    openTime: h.openTime,
    closeTime: h.closeTime,
    currency: h.settleCurrency,
  };
}

export function parseRiskLimitTier(raw: unknown) {
  const r = check(s.riskLimitTier, raw, 'risk limit tier');
  return {
    symbol: r.symbol,
    level: r.level,
    minNotional: money(r.minRiskLimit),
    maxNotional: money(r.maxRiskLimit),
    maxLeverage: r.maxLeverage,
    initialMargin: money(r.initialMargin),
    maintainMargin: money(r.maintainMargin),
  };
}
