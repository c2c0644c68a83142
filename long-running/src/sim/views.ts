import { bankruptcyPrice, initialMargin, notionalValue, unrealisedPnl } from '@enigma/core/contract/math';
import { Money } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import type * as wire from '../exchange/kucoin/schemas.ts';
import type { SimEngine } from './engine.ts';
import type { MatchInfo } from './events.ts';
import { crossPrices, delevPercentage } from './margin.ts';
import type { SymbolMarket } from './market-state.ts';
import type { SimFill, SimOrder, SimPosition } from './types.ts';
import type { Wire } from './wire.ts';

/** Renders simulator state in exactly the field names and JSON types of KuCoin's samples. */

const ns = (ms: number) => ms * 1_000_000;
const num = (d: Decimal, dp = 10) => Number(d.toDecimalPlaces(dp).toString());
const USER_ID = '633559791e1cbc0001f319bc';

export { USER_ID };

/** GET /orders/{id} shape. */
export function renderOrder(engine: SimEngine, o: SimOrder): Wire<typeof wire.order> {
  const spec = engine.specOf(o.symbol);
  const value = o.price ? notionalValue(spec, o.size, o.price) : new Money(0);
  const avg =
    o.filledSize > 0 ? o.filledValue.div(new Money(o.filledSize).mul(spec.multiplier)) : new Money(0);
  return {
    id: o.id,
    symbol: o.symbol,
    type: o.type,
    side: o.side,
    price: o.price ? o.price.toString() : '0',
    size: o.size,
    value: value.toString(),
    dealValue: o.filledValue.toString(),
    dealSize: o.filledSize,
    stp: o.stp,
    stop: o.stop,
    stopPriceType: o.stopPriceType,
    stopTriggered: o.stopTriggered,
    stopPrice: o.stopPrice ? o.stopPrice.toString() : null,
    timeInForce: o.timeInForce,
    postOnly: o.postOnly,
    hidden: o.hidden,
    iceberg: o.iceberg,
    leverage: o.leverage.toString(),
    forceHold: o.forceHold,
    closeOrder: o.closeOrder,
    visibleSize: o.visibleSize ?? 0,
    clientOid: o.clientOid,
    remark: o.remark,
    tags: '',
    isActive: o.isActive,
    cancelExist: o.cancelExist,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    endAt: o.endAt,
    orderTime: ns(o.createdAt),
    settleCurrency: 'USDT',
    marginMode: o.marginMode,
    avgDealPrice: avg.toDecimalPlaces(spec.tickSize.decimalPlaces() + 2).toString(),
    filledSize: o.filledSize,
    filledValue: o.filledValue.toString(),
    status: o.status,
    reduceOnly: o.reduceOnly,
  };
}

/** Fill shape (/fills, /recentFills). */
export function renderFill(f: SimFill): Wire<typeof wire.fill> {
  return {
    symbol: f.symbol,
    tradeId: f.tradeId,
    orderId: f.orderId,
    side: f.side,
    liquidity: f.liquidity,
    forceTaker: false,
    price: f.price.toString(),
    size: f.size,
    value: f.value.toString(),
    openFeePay: f.openFeePay.toString(),
    closeFeePay: f.closeFeePay.toString(),
    stop: f.stop,
    feeRate: f.feeRate.toFixed(5),
    fixFee: '0',
    feeCurrency: 'USDT',
    subTradeType: null,
    marginMode: f.marginMode,
    openFeeTaxPay: '0',
    closeFeeTaxPay: '0',
    displayType: f.displayType,
    fee: f.fee.toString(),
    settleCurrency: 'USDT',
    orderType: f.orderType,
    tradeType: f.tradeType,
    tradeTime: ns(f.time),
    createdAt: f.time,
  };
}

/** Position shape (/position, /positions, WS position.change). */
export function renderPosition(engine: SimEngine, p: SimPosition): Wire<typeof wire.position> {
  const m = engine.market(p.symbol);
  const spec = m.spec;
  const now = engine.clock.now();
  const open = p.qty !== 0;
  const posCost = open ? p.entryPrice.mul(p.qty).mul(spec.multiplier) : new Money(0);
  const markValue = new Money(p.qty).mul(spec.multiplier).mul(m.mark);
  const upnl = open ? unrealisedPnl(spec, p.qty, p.entryPrice, m.mark) : new Money(0);
  const cross = p.marginMode === 'CROSS';
  const posInit = open ? initialMargin(posCost.abs(), p.leverage) : new Money(0);
  const posMargin = cross ? initialMargin(markValue.abs(), p.leverage) : p.isolatedMargin;
  const mmr = open ? engine.maintenanceRate(p) : spec.riskLimits[0]!.maintainMargin;
  const posMaint = notionalValue(spec, p.qty, m.mark).mul(mmr);
  const level = engine.settingsOf(p.symbol).riskLimitLevel;
  const tier = spec.riskLimits[level - 1]!;
  const realLeverage = open && posMargin.gt(0) ? markValue.abs().div(posMargin) : new Money(0);
  const base = {
    id: p.id,
    symbol: p.symbol,
    crossMode: cross,
    delevPercentage: open ? num(delevPercentage(engine.account, p), 4) : 0,
    openingTimestamp: open ? p.openingTimestamp : 0,
    currentTimestamp: now,
    currentQty: p.qty,
    currentCost: num(posCost),
    currentComm: num(p.currentComm),
    unrealisedCost: num(posCost),
    realisedGrossCost: num(p.realisedGrossPnl.neg()),
    realisedCost: num(p.realisedPnl.neg()),
    isOpen: open,
    markPrice: num(m.mark),
    markValue: num(markValue),
    posCost: num(posCost),
    posInit: num(posInit),
    posMargin: num(posMargin),
    posMaint: num(posMaint),
    maintMargin: num(posMargin.plus(upnl)),
    realisedGrossPnl: num(p.realisedGrossPnl),
    realisedPnl: num(p.realisedPnl),
    unrealisedPnl: num(upnl),
    unrealisedPnlPcnt: open && !posCost.isZero() ? num(upnl.div(posCost.abs()), 4) : 0,
    unrealisedRoePcnt: open && posInit.gt(0) ? num(upnl.div(posInit), 4) : 0,
    avgEntryPrice: num(p.entryPrice),
    liquidationPrice: num(open ? engine.liquidationPriceOf(p) : new Money(0), 8),
    bankruptPrice: num(
      open
        ? cross
          ? crossPrices(engine.account, p).bankruptcy
          : bankruptcyPrice(spec, p.qty, p.entryPrice, p.isolatedMargin)
        : new Money(0),
      8,
    ),
    settleCurrency: 'USDT',
    isInverse: false,
    marginMode: p.marginMode,
    positionSide: 'BOTH' as const,
    leverage: num(cross ? p.leverage : realLeverage.isZero() ? p.leverage : realLeverage, 10),
  };
  // KuCoin's cross position carries its maintenance rate too (CCXT's recorded cross sample, kucoin.js
  // fetchPositionsADLRank: maintMarginReq, maintainMargin).
  if (cross) return { ...base, maintMarginReq: num(mmr), maintainMargin: num(mmr) };
  return {
    ...base,
    autoDeposit: false,
    maintMarginReq: num(mmr),
    riskLimit: tier.maxRiskLimit,
    realLeverage: num(realLeverage),
    posCross: 0,
    posCrossMargin: 0,
    posComm: 0,
    posCommCommon: 0,
    posLoss: 0,
    posFunding: num(p.posFunding),
    maintainMargin: num(mmr),
    riskLimitLevel: level,
  };
}

/** tradeOrders event data. */
export function renderOrderEvent(
  o: SimOrder,
  type: string,
  now: number,
  match?: MatchInfo,
  oldSize?: number,
): Record<string, unknown> {
  const remain = o.status === 'done' ? 0 : o.size - o.filledSize - o.canceledSize;
  const status = o.status === 'done' ? 'done' : match?.liquidity === 'taker' ? 'match' : 'open';
  return {
    symbol: o.symbol,
    side: o.side,
    canceledSize: String(o.canceledSize),
    orderId: o.id,
    clientOid: o.clientOid,
    marginMode: o.marginMode,
    type,
    orderType: o.type,
    orderTime: ns(o.createdAt),
    // An `update` (the order shrank) shows the new size and the one before (KUCOIN.md §4.3, S1).
    size: String(type === 'update' ? o.size - o.canceledSize : o.size),
    ...(type === 'update' && oldSize !== undefined ? { oldSize: String(oldSize) } : {}),
    filledSize: String(o.filledSize),
    price: o.price ? o.price.toString() : '',
    remainSize: String(remain),
    status,
    ts: ns(now),
    tradeType: o.tradeType ?? 'trade',
    ...(match
      ? {
          matchPrice: match.price.toString(),
          matchSize: String(match.lots),
          tradeId: match.tradeId,
          liquidity: match.liquidity,
          feeType: match.liquidity === 'maker' ? 'makerFee' : 'takerFee',
        }
      : { liquidity: o.isActive ? 'maker' : 'taker' }),
  };
}

/** advancedOrders (stopOrder) event data. */
export function renderStopEvent(
  o: SimOrder,
  type: string,
  now: number,
  error?: string,
): Record<string, unknown> {
  return {
    createdAt: o.createdAt,
    marginMode: o.marginMode,
    orderId: o.id,
    orderPrice: o.price ? o.price.toString() : '0',
    orderType: 'stop',
    side: o.side,
    size: o.size,
    stop: o.stop,
    stopPrice: o.stopPrice?.toString() ?? '0',
    stopPriceType: o.stopPriceType,
    symbol: o.symbol,
    ts: ns(now),
    type,
    // S1's stopOrder sample: `triggerSuccess` on a trigger, `error` when the order could not be created.
    ...(type === 'triggered' ? { triggerSuccess: error === undefined } : {}),
    ...(error ? { error } : {}),
  };
}

/** Contract object (/contracts/active, /contracts/{symbol}). */
export function renderContract(engine: SimEngine, m: SymbolMarket): Wire<typeof wire.contract> {
  const s = m.spec;
  const now = engine.clock.now();
  const st = m.stats24h(now);
  const last = m.last.toNumber();
  const base = s.baseCurrency;
  const mark = m.mark.toNumber();
  const band = m.priceBand(engine.behaviour.priceBand || 0.05);
  return {
    symbol: s.symbol,
    rootSymbol: 'USDT',
    type: 'FFWCSX',
    firstOpenDate: s.firstOpenDate,
    expireDate: null,
    settleDate: null,
    baseCurrency: base,
    quoteCurrency: 'USDT',
    settleCurrency: 'USDT',
    maxOrderQty: s.maxOrderQty,
    maxPrice: s.maxPrice,
    lotSize: s.lotSize,
    tickSize: s.tickSize.toNumber(),
    indexPriceTickSize: s.indexPriceTickSize.toNumber(),
    multiplier: s.multiplier.toNumber(),
    initialMargin: s.riskLimits[0]!.initialMargin.toNumber(),
    maintainMargin: s.riskLimits[0]!.maintainMargin.toNumber(),
    maxRiskLimit: s.riskLimits[0]!.maxRiskLimit,
    minRiskLimit: s.riskLimits[0]!.maxRiskLimit,
    riskStep: s.riskLimits[0]!.maxRiskLimit / 2,
    makerFeeRate: s.makerFeeRate.toNumber(),
    takerFeeRate: s.takerFeeRate.toNumber(),
    takerFixFee: 0,
    makerFixFee: 0,
    settlementFee: null,
    isDeleverage: true,
    isQuanto: true,
    isInverse: false,
    markMethod: 'FairPrice',
    fairMethod: 'FundingRate',
    fundingBaseSymbol: `.${base}INT8H`,
    fundingQuoteSymbol: '.USDTINT8H',
    fundingRateSymbol: `.${s.symbol}FPI8H`,
    indexSymbol: s.indexSymbol,
    settlementSymbol: '',
    status: 'Open',
    fundingFeeRate: m.fundingRate.toNumber(),
    predictedFundingFeeRate: m.fundingRate.toNumber(),
    fundingRateGranularity: s.fundingRateGranularity,
    openInterest: String(Math.abs(engine.positions.get(s.symbol)?.qty ?? 0)),
    turnoverOf24h: st.turnover,
    volumeOf24h: st.volume * s.multiplier.toNumber(),
    markPrice: mark,
    indexPrice: m.index.toNumber(),
    lastTradePrice: last,
    nextFundingRateTime: Math.max(0, engine.nextFundingTime(s.symbol) - now),
    maxLeverage: s.maxLeverage,
    sourceExchanges: ['okex', 'binance', 'kucoin', 'bybit', 'bitmart', 'gateio'],
    premiumsSymbol1M: `.${s.symbol}PI`,
    premiumsSymbol8H: `.${s.symbol}PI8H`,
    fundingBaseSymbol1M: `.${base}INT`,
    fundingQuoteSymbol1M: '.USDTINT',
    lowPrice: st.low,
    highPrice: st.high,
    priceChgPct: st.open ? Number(((last - st.open) / st.open).toFixed(4)) : 0,
    priceChg: Number((last - st.open).toFixed(s.tickSize.decimalPlaces())),
    k: 490.0,
    m: 300.0,
    f: 1.3,
    mmrLimit: 0.3,
    mmrLevConstant: s.maxLeverage,
    supportCross: true,
    buyLimit: band.buyLimit.toNumber(),
    sellLimit: band.sellLimit.toNumber(),
  };
}

/** Ticker (/ticker, /allTickers). */
export function renderTicker(engine: SimEngine, m: SymbolMarket): Wire<typeof wire.ticker> {
  const top = engine.topOfBook(m);
  return {
    sequence: m.tradeSequence,
    symbol: m.spec.symbol,
    side: m.lastSide,
    size: m.lastSize,
    tradeId: m.lastTradeId || String(m.tradeSequence),
    price: m.last.toString(),
    bestBidPrice: top.bidPrice,
    bestBidSize: top.bidSize,
    bestAskPrice: top.askPrice,
    bestAskSize: top.askSize,
    ts: ns(m.lastTradeTs || engine.clock.now()),
  };
}

/** Wire the engine's private-event renderers to these views. */
export function installRenderers(engine: SimEngine): void {
  engine.renderPosition = (p) => renderPosition(engine, p);
  engine.renderOrderEvent = renderOrderEvent;
  engine.renderStopEvent = renderStopEvent;
}
