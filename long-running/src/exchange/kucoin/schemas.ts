import { z } from 'zod';

/**
 * zod schemas for KuCoin Futures raw payloads, exactly as they come off the wire (KUCOIN.md §3-4,
 * kucoin-spec x-response-example samples). They validate shape and reject NaN, negative sizes and
 * unknown enums; `parse.ts` turns them into domain values (Decimal money, integer lots, ms times).
 */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A money-like value: KuCoin sends some as JSON numbers and some as strings. */
export const decimalWire = z.union([z.string().regex(DECIMAL, 'not a decimal number'), z.number()]);
/** A decimal that KuCoin may leave empty or null (e.g. `price` of a market order). */
export const optionalDecimalWire = z.union([decimalWire, z.literal(''), z.null()]).optional();
/** Lots: a non-negative integer. */
export const lots = z.number().int().nonnegative();
/** Lots sent as a string (WS order events). */
export const lotsString = z.string().regex(/^\d+$/, 'not a non-negative integer');
/** Signed lots (position quantity). */
export const signedLots = z.number().int();
/** Epoch time; ns values exceed 2^53, so only integrality (not safety) is checked. */
export const epoch = z.number().nonnegative().refine(Number.isInteger, 'not an integer timestamp');
/** ms timestamps that KuCoin sometimes sends as strings (wallet events). */
export const epochString = z.union([epoch, z.string().regex(/^\d+$/)]);

export const side = z.enum(['buy', 'sell']);
export const marginMode = z.enum(['ISOLATED', 'CROSS']);
export const orderType = z.enum(['limit', 'market']);
export const stopDirection = z.enum(['', 'up', 'down']);
export const stopPriceType = z.enum(['', 'TP', 'MP', 'IP']);
export const timeInForce = z.enum(['GTC', 'IOC']);
export const stp = z.enum(['', 'CN', 'CO', 'CB']);

/** `{code, data}` / `{code, msg}`: code is a string; "200000" is success. */
export const envelope = z.object({
  code: z.string(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});
export type RawEnvelope = z.infer<typeof envelope>;

export const contract = z.object({
  symbol: z.string().min(1),
  rootSymbol: z.string(),
  type: z.enum(['FFWCSX', 'FFICSX']),
  firstOpenDate: epoch.nullable(),
  expireDate: epoch.nullable(),
  settleDate: epoch.nullable().optional(),
  baseCurrency: z.string(),
  quoteCurrency: z.string(),
  settleCurrency: z.string(),
  maxOrderQty: lots,
  maxPrice: decimalWire,
  lotSize: z.number().int().positive(),
  tickSize: decimalWire,
  indexPriceTickSize: decimalWire.nullable().optional(),
  multiplier: decimalWire,
  initialMargin: decimalWire,
  maintainMargin: decimalWire,
  maxRiskLimit: decimalWire,
  minRiskLimit: decimalWire,
  riskStep: decimalWire,
  makerFeeRate: decimalWire,
  takerFeeRate: decimalWire,
  isInverse: z.boolean(),
  status: z.enum(['Init', 'Open', 'BeingSettled', 'Settled', 'Paused', 'Closed', 'CancelOnly']),
  fundingFeeRate: decimalWire.nullable().optional(),
  predictedFundingFeeRate: decimalWire.nullable().optional(),
  fundingRateGranularity: epoch.nullable().optional(),
  openInterest: z.string().regex(/^\d+$/).nullable().optional(),
  markPrice: decimalWire.nullable().optional(),
  indexPrice: decimalWire.nullable().optional(),
  lastTradePrice: decimalWire.nullable().optional(),
  nextFundingRateTime: epoch.nullable().optional(),
  maxLeverage: z.number().int().positive(),
  supportCross: z.boolean().optional(),
  buyLimit: decimalWire.nullable().optional(),
  sellLimit: decimalWire.nullable().optional(),
});

export const ticker = z.object({
  sequence: epoch,
  symbol: z.string(),
  side,
  size: lots,
  tradeId: z.string(),
  price: decimalWire,
  bestBidPrice: decimalWire,
  bestBidSize: lots,
  bestAskPrice: decimalWire,
  bestAskSize: lots,
  ts: epoch,
});

const bookLevel = z.tuple([decimalWire, z.union([lots, lotsString])]);
export const orderBook = z.object({
  sequence: epoch,
  symbol: z.string(),
  bids: z.array(bookLevel),
  asks: z.array(bookLevel),
  ts: epoch,
});

export const trade = z.object({
  sequence: epoch,
  tradeId: z.string(),
  makerOrderId: z.string(),
  takerOrderId: z.string(),
  ts: epoch,
  size: lots,
  price: decimalWire,
  side,
});

/** REST kline: [time ms, open, high, low, close, volume]. */
export const kline = z
  .tuple([epoch, decimalWire, decimalWire, decimalWire, decimalWire, decimalWire])
  .rest(decimalWire);

export const serverStatus = z.object({ status: z.enum(['open', 'close', 'cancelonly']), msg: z.string() });

export const bullet = z.object({
  token: z.string().min(1),
  instanceServers: z
    .array(
      z.object({
        endpoint: z.string().min(1),
        encrypt: z.boolean().optional(),
        protocol: z.string(),
        pingInterval: z.number().int().positive(),
        pingTimeout: z.number().int().positive(),
      }),
    )
    .min(1),
});

export const orderAck = z.object({ orderId: z.string().min(1), clientOid: z.string().nullable().optional() });
export const batchOrderItem = z.object({
  orderId: z.string().nullable().optional(),
  clientOid: z.string().nullable().optional(),
  symbol: z.string().optional(),
  code: z.string(),
  msg: z.string().nullable().optional(),
});
export const cancelledIds = z.object({ cancelledOrderIds: z.array(z.string()) });
export const cancelByClientOid = z.object({ clientOid: z.string() });
export const multiCancelItem = z.object({
  orderId: z.string().nullable(),
  clientOid: z.string().nullable(),
  code: z.string(),
  msg: z.string().nullable().optional(),
});

export const order = z.object({
  id: z.string().min(1),
  symbol: z.string(),
  type: orderType,
  side,
  price: optionalDecimalWire,
  size: lots,
  value: optionalDecimalWire,
  dealValue: optionalDecimalWire,
  dealSize: lots,
  stp: stp.nullable().optional(),
  stop: stopDirection.nullable().optional(),
  stopPriceType: stopPriceType.nullable().optional(),
  stopTriggered: z.boolean().nullable().optional(),
  stopPrice: optionalDecimalWire,
  timeInForce: timeInForce.nullable().optional(),
  postOnly: z.boolean(),
  hidden: z.boolean(),
  iceberg: z.boolean(),
  leverage: optionalDecimalWire,
  forceHold: z.boolean().optional(),
  closeOrder: z.boolean(),
  visibleSize: lots.nullable().optional(),
  clientOid: z.string().nullable().optional(),
  remark: z.string().nullable().optional(),
  isActive: z.boolean(),
  cancelExist: z.boolean(),
  createdAt: epoch,
  updatedAt: epoch.optional(),
  endAt: epoch.nullable().optional(),
  orderTime: epoch.nullable().optional(),
  settleCurrency: z.string(),
  marginMode: marginMode.optional(),
  avgDealPrice: optionalDecimalWire,
  filledSize: lots.optional(),
  filledValue: optionalDecimalWire,
  status: z.enum(['open', 'done']),
  reduceOnly: z.boolean(),
});

/** The "Pagination" wrapper. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({
    currentPage: z.number().int().positive(),
    pageSize: z.number().int().positive(),
    totalNum: z.number().int().nonnegative(),
    totalPage: z.number().int().nonnegative(),
    items: z.array(item),
  });
}

/** The "HasMore" wrapper. */
export function hasMore<T extends z.ZodType>(item: T) {
  return z.object({ dataList: z.array(item), hasMore: z.boolean() });
}

export const fill = z.object({
  symbol: z.string(),
  tradeId: z.string(),
  orderId: z.string(),
  side,
  liquidity: z.enum(['taker', 'maker']),
  forceTaker: z.boolean().optional(),
  price: decimalWire,
  size: lots,
  value: decimalWire,
  openFeePay: decimalWire.optional(),
  closeFeePay: decimalWire.optional(),
  feeRate: decimalWire,
  feeCurrency: z.string(),
  fee: decimalWire,
  settleCurrency: z.string(),
  marginMode: marginMode.optional(),
  orderType,
  displayType: z.enum(['limit', 'market', 'limit_stop', 'market_stop']).optional(),
  tradeType: z.enum(['trade', 'cancel', 'liquid', 'adl', 'settlement']),
  tradeTime: epoch,
  createdAt: epoch,
});

export const position = z.object({
  id: z.string().optional(),
  symbol: z.string(),
  crossMode: z.boolean().optional(),
  marginMode: marginMode.optional(),
  positionSide: z.enum(['BOTH', 'LONG', 'SHORT']).optional(),
  leverage: decimalWire.optional(),
  openingTimestamp: epoch.nullable().optional(),
  currentTimestamp: epoch,
  currentQty: signedLots,
  currentCost: decimalWire,
  currentComm: decimalWire,
  isOpen: z.boolean(),
  markPrice: decimalWire,
  markValue: decimalWire,
  posCost: decimalWire,
  posInit: decimalWire,
  posMargin: decimalWire,
  posMaint: decimalWire.optional(),
  maintMargin: decimalWire.optional(),
  realisedPnl: decimalWire,
  unrealisedPnl: decimalWire,
  avgEntryPrice: decimalWire,
  liquidationPrice: decimalWire,
  bankruptPrice: decimalWire,
  settleCurrency: z.string(),
  riskLimitLevel: z.number().int().positive().optional(),
  maintMarginReq: decimalWire.optional(),
  riskLimit: decimalWire.optional(),
  isInverse: z.boolean().optional(),
  // marginChange, positionChange, liquidation, autoAppendMarginStatusChange, adl, and on pushes
  // markPriceChange: a reason outside a list must not drop the position it comes with
  changeReason: z.string().max(64).optional(),
});

export const historyPosition = z.object({
  closeId: z.string(),
  symbol: z.string(),
  settleCurrency: z.string(),
  leverage: decimalWire,
  type: z.string().min(1),
  pnl: decimalWire,
  tradeFee: decimalWire,
  fundingFee: decimalWire,
  openTime: epoch,
  closeTime: epoch,
  openPrice: decimalWire,
  closePrice: decimalWire,
  marginMode,
  side: z.enum(['LONG', 'SHORT']),
});

export const marginModeResult = z.object({ symbol: z.string(), marginMode });
export const crossLeverage = z.object({ symbol: z.string(), leverage: decimalWire });
export const riskLimitTier = z.object({
  symbol: z.string(),
  level: z.number().int().positive(),
  maxRiskLimit: decimalWire,
  minRiskLimit: decimalWire,
  maxLeverage: z.number().int().positive(),
  initialMargin: decimalWire,
  maintainMargin: decimalWire,
});

export const accountOverview = z.object({
  accountEquity: decimalWire,
  unrealisedPNL: decimalWire,
  marginBalance: decimalWire,
  positionMargin: decimalWire,
  orderMargin: decimalWire,
  frozenFunds: decimalWire,
  availableBalance: decimalWire,
  currency: z.string(),
  riskRatio: decimalWire.optional(),
  maxWithdrawAmount: decimalWire.optional(),
});

export const fundingCurrent = z.object({
  symbol: z.string(),
  granularity: epoch,
  timePoint: epoch,
  value: decimalWire,
  predictedValue: decimalWire.nullable().optional(),
  fundingRateCap: decimalWire.nullable().optional(),
  fundingRateFloor: decimalWire.nullable().optional(),
  fundingTime: epoch.optional(),
});
export const fundingRatePoint = z.object({ symbol: z.string(), fundingRate: decimalWire, timepoint: epoch });
export const fundingPayment = z.object({
  id: z.union([z.number(), z.string()]),
  symbol: z.string(),
  timePoint: epoch,
  fundingRate: decimalWire,
  markPrice: decimalWire,
  positionQty: signedLots,
  positionCost: decimalWire,
  funding: decimalWire,
  settleCurrency: z.string(),
  marginMode: marginMode.optional(),
});

// Endpoints the client does not call but the simulator serves (CCXT and the official SDK do): one
// description of the wire for both sides (kucoin-spec samples in test_data/, tested in schemas.test.ts).

/** GET /api/v1/allTickers. */
export const allTickers = z.array(ticker);
/** GET /api/v1/mark-price/{symbol}/current. */
export const markPrice = z.object({
  symbol: z.string(),
  granularity: epoch,
  timePoint: epoch,
  value: decimalWire,
  indexPrice: decimalWire,
});
/** One point of GET /api/v1/index/query, /interest/query, /premium/query (a HasMore list). */
export const indexPoint = z.object({
  symbol: z.string(),
  granularity: epoch,
  timePoint: epoch,
  value: decimalWire,
  decomposionList: z
    .array(z.object({ exchange: z.string(), price: decimalWire, weight: decimalWire }))
    .optional(),
});
/** GET /api/v1/trade-statistics. */
export const tradeStatistics = z.object({ turnoverOf24h: decimalWire });
/** GET /api/v2/getMaxOpenSize. */
export const maxOpenSize = z.object({ symbol: z.string(), maxBuyOpenSize: lots, maxSellOpenSize: lots });
/** One item of GET /api/v2/batchGetCrossOrderLimit. */
export const crossOrderLimit = z.object({
  symbol: z.string(),
  maxOpenSize: lots,
  maxOpenValue: decimalWire,
  totalMargin: decimalWire,
  price: decimalWire,
  leverage: decimalWire,
  mmr: decimalWire,
  imr: decimalWire,
  currency: z.string(),
});
/** POST /api/v2/position/batchChangeMarginMode. */
export const batchMarginModeResult = z.object({
  marginMode: z.record(z.string(), marginMode),
  errors: z.array(z.object({ code: z.string(), msg: z.string(), symbol: z.string() })),
});
/** GET /api/v1/margin/maxWithdrawMargin and POST /api/v1/margin/withdrawMargin: an amount as a string. */
export const marginAmount = z.string().regex(DECIMAL, 'not a decimal number');
/** One entry of GET /api/v1/transaction-history (a HasMore list). */
export const ledgerEntry = z.object({
  time: epoch,
  type: z.string().min(1),
  amount: decimalWire,
  fee: decimalWire,
  accountEquity: decimalWire,
  status: z.enum(['Completed', 'Pending']),
  remark: z.string(),
  offset: z.number().int(),
  currency: z.string(),
});
/** GET /api/v1/openOrderStatistics. */
export const openOrderStatistics = z.object({
  openOrderBuySize: lots,
  openOrderSellSize: lots,
  openOrderBuyCost: decimalWire,
  openOrderSellCost: decimalWire,
  settleCurrency: z.string(),
});
/** GET /api/v1/trade-fees?symbol= (futures). */
export const tradeFee = z.object({
  symbol: z.string(),
  takerFeeRate: decimalWire,
  makerFeeRate: decimalWire,
});
