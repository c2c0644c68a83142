import { type Money, toMoney } from '@enigma/core/money';
import type { BookChange, Candle, PublicTrade, Side } from '../types.ts';
import { KucoinParseError } from './errors.ts';
import { check, nsToMs, parsePosition } from './parse.ts';
import * as w from './ws-schemas.ts';

/** Pure parsers for KuCoin Futures WebSocket topic payloads (the frame's `data`). */

const moneyOrNull = (v: string | number | null | undefined): Money | null =>
  v === null || v === undefined || v === '' ? null : toMoney(v);

function strictInt(v: string, what: string, field: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new KucoinParseError(what, `${field}: not a lot count`);
  return n;
}

/** The symbol after the colon of a topic such as `/contractMarket/level2:XBTUSDTM`. */
export function topicSymbol(topic: string): string {
  const i = topic.indexOf(':');
  if (i < 0) throw new KucoinParseError('topic', `${topic}: no symbol`);
  return topic.slice(i + 1);
}

/** `/contractMarket/tickerV2` (top of book). */
export function parseTickerV2(raw: unknown) {
  const t = check(w.tickerV2, raw, 'tickerV2');
  return {
    symbol: t.symbol,
    sequence: t.sequence,
    bestBid: toMoney(t.bestBidPrice),
    bestBidSize: t.bestBidSize,
    bestAsk: toMoney(t.bestAskPrice),
    bestAskSize: t.bestAskSize,
    time: nsToMs(t.ts),
  };
}

/** `/contractMarket/level2`: `change` is "price,side,size"; size is the new total (0 deletes). */
export function parseLevel2Change(raw: unknown, symbol: string): BookChange {
  const l = check(w.level2Change, raw, 'level2');
  const parts = l.change.split(',');
  if (parts.length !== 3) throw new KucoinParseError('level2', `change: ${JSON.stringify(l.change)}`);
  const [priceText, sideText, sizeText] = parts as [string, string, string];
  if (sideText !== 'buy' && sideText !== 'sell') throw new KucoinParseError('level2', `side: ${sideText}`);
  let price: Money;
  try {
    price = toMoney(priceText);
  } catch {
    throw new KucoinParseError('level2', `price: ${JSON.stringify(priceText)}`);
  }
  if (price.isNegative()) throw new KucoinParseError('level2', 'price: negative');
  if (!/^\d+$/.test(sizeText)) throw new KucoinParseError('level2', `size: ${JSON.stringify(sizeText)}`);
  return {
    symbol,
    sequence: l.sequence,
    side: sideText as Side,
    price,
    size: strictInt(sizeText, 'level2', 'size'),
    time: l.timestamp,
  };
}

/** `/contractMarket/execution` (public trades). */
export function parseExecution(raw: unknown): PublicTrade {
  const e = check(w.execution, raw, 'execution');
  return {
    symbol: e.symbol,
    sequence: e.sequence,
    tradeId: e.tradeId,
    side: e.side,
    price: toMoney(e.price),
    size: e.size,
    makerOrderId: e.makerOrderId,
    takerOrderId: e.takerOrderId,
    time: nsToMs(e.ts),
  };
}

/**
 * `/contractMarket/limitCandle`: candles = [start s, open, close, high, low, volume, amount]. The order
 * (close before high/low) is KuCoin's documented one, confirmed by the official SDK's KlinesEvent and
 * by CCXT's current parser. KuCoin flags index 5 ("volume") as incorrect; like CCXT for contract
 * markets, the bar volume is taken from index 6.
 */
export function parseWsCandle(raw: unknown): Candle & { time: number } {
  const c = check(w.limitCandle, raw, 'candle');
  const [start, open, close, high, low, , amount] = c.candles;
  return {
    symbol: c.symbol,
    openTime: Number(start) * 1000,
    open: toMoney(open),
    high: toMoney(high),
    low: toMoney(low),
    close: toMoney(close),
    volume: toMoney(amount),
    time: c.time,
  };
}

/** `/contract/instrument` subject `mark.index.price`. */
export function parseMarkIndexPrice(raw: unknown, symbol: string) {
  const m = check(w.markIndexPrice, raw, 'mark/index price');
  return {
    symbol,
    markPrice: toMoney(m.markPrice),
    indexPrice: toMoney(m.indexPrice),
    time: m.timestamp,
  };
}

/** `/contract/instrument` subject `funding.rate`. */
export function parseFundingRateEvent(raw: unknown, symbol: string) {
  const f = check(w.fundingRateEvent, raw, 'funding rate event');
  return { symbol, rate: toMoney(f.fundingRate), granularityMs: f.granularity, time: f.timestamp };
}

/** `/contractMarket/tradeOrders` (`orderChange` / `symbolOrderChange`). */
export function parseOrderChange(raw: unknown) {
  const o = check(w.orderChange, raw, 'order change');
  const size = strictInt(o.size, 'order change', 'size');
  const filledSize = strictInt(o.filledSize, 'order change', 'filledSize');
  if (filledSize > size) throw new KucoinParseError('order change', 'filledSize: exceeds size');
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    clientOid: o.clientOid || null,
    side: o.side,
    orderType: o.orderType ?? null,
    marginMode: o.marginMode ?? null,
    type: o.type,
    status: o.status,
    price: moneyOrNull(o.price),
    size,
    filledSize,
    remainSize: o.remainSize === undefined ? null : strictInt(o.remainSize, 'order change', 'remainSize'),
    canceledSize:
      o.canceledSize === undefined ? null : strictInt(o.canceledSize, 'order change', 'canceledSize'),
    match:
      o.type === 'match' && o.matchPrice !== undefined && o.matchSize !== undefined
        ? {
            price: toMoney(o.matchPrice),
            size: strictInt(o.matchSize, 'order change', 'matchSize'),
            tradeId: o.tradeId ?? null,
            liquidity: o.liquidity ?? null,
          }
        : null,
    time: nsToMs(o.ts),
  };
}

/** `/contractMarket/advancedOrders` (stop orders). */
export function parseStopOrderEvent(raw: unknown) {
  const e = check(w.stopOrderEvent, raw, 'stop order event');
  return {
    orderId: e.orderId,
    symbol: e.symbol,
    type: e.type,
    side: e.side,
    size: e.size,
    orderPrice: moneyOrNull(e.orderPrice),
    stop: e.stop || null,
    stopPrice: toMoney(e.stopPrice),
    stopPriceType: e.stopPriceType || null,
    marginMode: e.marginMode ?? null,
    createdAt: e.createdAt,
    time: nsToMs(e.ts),
  };
}

/**
 * `/contract/position` subject `position.change`: a full Position when the frame carries one. KuCoin's
 * mark-price updates (`changeReason: markPriceChange`) carry a reduced field set (mark, PnL, margin, no
 * quantity): those give `position: null` and the fields they do carry in `partial`.
 */
export function parsePositionChange(raw: unknown, topicSymbol?: string) {
  const p = check(w.positionChange, raw, 'position change');
  const symbol = p.symbol ?? topicSymbol;
  if (!symbol) throw new KucoinParseError('position change', 'no symbol in the frame or its topic');
  const full = typeof (raw as { currentQty?: unknown }).currentQty === 'number';
  return {
    symbol,
    changeReason: p.changeReason ?? null,
    position: full ? parsePosition({ symbol, ...(raw as object) }) : null,
    partial: full ? null : p,
  };
}

/** `/contract/position` subject `position.settlement` (funding settled on the position). */
export function parsePositionSettlement(raw: unknown, symbol: string) {
  const f = check(w.positionSettlement, raw, 'position settlement');
  return {
    symbol,
    fundingTime: f.fundingTime,
    qty: f.qty,
    markPrice: toMoney(f.markPrice),
    fundingRate: toMoney(f.fundingRate),
    fundingFee: toMoney(f.fundingFee),
    currency: f.settleCurrency,
    time: nsToMs(f.ts),
  };
}

/** `/contract/position` subject `position.adjustRiskLimit`. */
export function parseAdjustRiskLimit(raw: unknown, symbol: string) {
  const a = check(w.adjustRiskLimit, raw, 'risk limit adjustment');
  return { symbol, success: a.success, riskLimitLevel: a.riskLimitLevel, msg: a.msg };
}

/** `/contractAccount/wallet` subject `walletBalance.change`. */
export function parseWalletBalance(raw: unknown) {
  const b = check(w.walletBalance, raw, 'wallet balance');
  return {
    currency: b.currency,
    equity: toMoney(b.equity),
    walletBalance: toMoney(b.walletBalance),
    availableBalance: toMoney(b.availableBalance),
    holdBalance: toMoney(b.holdBalance),
    unrealisedPnl: toMoney(b.crossUnPnl).plus(toMoney(b.isolatedUnPnl)),
    time: Number(b.timestamp),
  };
}

/** Legacy `/contractAccount/wallet` subject `availableBalance.change`. */
export function parseAvailableBalanceChange(raw: unknown) {
  const b = check(w.availableBalanceChange, raw, 'available balance');
  return {
    currency: b.currency,
    availableBalance: toMoney(b.availableBalance),
    holdBalance: toMoney(b.holdBalance),
    time: Number(b.timestamp),
  };
}
