import { z } from 'zod';
import {
  decimalWire,
  epoch,
  epochString,
  lots,
  lotsString,
  marginMode,
  optionalDecimalWire,
  position,
  side,
  stopDirection,
  stopPriceType,
} from './schemas.ts';

/** zod schemas for KuCoin Futures WebSocket frames and topic payloads (KUCOIN.md §4, wspub/wspriv). */

/** Every frame the server may send: welcome, ack, pong, error, message. */
export const wsFrame = z.object({
  type: z.enum(['welcome', 'ack', 'pong', 'error', 'message', 'notice', 'command']),
  id: z.union([z.string(), z.number()]).optional(),
  topic: z.string().optional(),
  subject: z.string().optional(),
  sn: z.number().optional(),
  code: z.union([z.number(), z.string()]).optional(),
  data: z.unknown().optional(),
  channelType: z.string().optional(),
});
export type WsFrame = z.infer<typeof wsFrame>;

export const tickerV2 = z.object({
  symbol: z.string(),
  sequence: epoch,
  bestBidSize: lots,
  bestBidPrice: decimalWire,
  bestAskPrice: decimalWire,
  bestAskSize: lots,
  ts: epoch,
});

export const level2Change = z.object({
  sequence: epoch,
  change: z.string(),
  timestamp: epoch,
});

export const execution = z.object({
  symbol: z.string(),
  sequence: epoch,
  side,
  size: lots,
  price: decimalWire,
  takerOrderId: z.string(),
  makerOrderId: z.string(),
  tradeId: z.string(),
  ts: epoch,
});

/** candles: [start (s), open, close, high, low, volume (documented as wrong), amount], all strings. */
export const limitCandle = z.object({
  symbol: z.string(),
  candles: z.tuple([
    z.string().regex(/^\d+$/),
    decimalWire,
    decimalWire,
    decimalWire,
    decimalWire,
    decimalWire,
    decimalWire,
  ]),
  time: epoch,
});

export const markIndexPrice = z.object({
  granularity: epoch,
  indexPrice: decimalWire,
  markPrice: decimalWire,
  timestamp: epoch,
});

export const fundingRateEvent = z.object({
  granularity: epoch,
  fundingRate: decimalWire,
  timestamp: epoch,
});

export const orderChange = z.object({
  symbol: z.string(),
  orderType: z.enum(['limit', 'market']).optional(),
  side,
  orderId: z.string().min(1),
  clientOid: z.string().nullable().optional(),
  marginMode: marginMode.optional(),
  type: z.enum(['open', 'match', 'update', 'filled', 'canceled']),
  status: z.enum(['open', 'match', 'done']),
  size: lotsString,
  filledSize: lotsString,
  remainSize: lotsString.optional(),
  canceledSize: lotsString.optional(),
  oldSize: lotsString.optional(),
  price: optionalDecimalWire,
  matchPrice: decimalWire.optional(),
  matchSize: lotsString.optional(),
  tradeId: z.string().optional(),
  liquidity: z.enum(['taker', 'maker']).optional(),
  feeType: z.enum(['takerFee', 'makerFee']).optional(),
  // ns; a number in KuCoin's spec sample, a string in CCXT's 2026 recording
  orderTime: epochString.optional(),
  ts: epoch,
  tradeType: z.enum(['trade', 'liquid']).optional(),
});

export const stopOrderEvent = z.object({
  orderId: z.string().min(1),
  symbol: z.string(),
  type: z.enum(['open', 'triggered', 'cancel']),
  orderType: z.string(),
  side,
  size: lots,
  orderPrice: optionalDecimalWire,
  stop: stopDirection,
  stopPrice: decimalWire,
  stopPriceType,
  marginMode: marginMode.optional(),
  createdAt: epoch,
  ts: epoch,
  triggerSuccess: z.boolean().optional(),
  error: z.string().optional(),
});

/** Full frames carry the REST Position's fields; mark-price frames a reduced set (any `changeReason`, e.g. markPriceChange). */
export const positionChange = position
  .partial()
  // KuCoin's mark-price frame carries no symbol (the topic names it: `/contract/position:XBTUSDM`)
  .extend({ symbol: z.string().optional(), changeReason: z.string().max(64).optional() });

export const positionSettlement = z.object({
  fundingTime: epoch,
  qty: z.number().int(),
  markPrice: decimalWire,
  fundingRate: decimalWire,
  fundingFee: decimalWire,
  ts: epoch,
  settleCurrency: z.string(),
});

export const adjustRiskLimit = z.object({
  success: z.boolean(),
  riskLimitLevel: z.number().int().positive(),
  msg: z.string(),
});

export const walletBalance = z.object({
  currency: z.string(),
  equity: decimalWire,
  walletBalance: decimalWire,
  availableBalance: decimalWire,
  holdBalance: decimalWire,
  crossPosMargin: decimalWire,
  crossOrderMargin: decimalWire,
  crossUnPnl: decimalWire,
  totalCrossMargin: decimalWire,
  isolatedPosMargin: decimalWire,
  isolatedOrderMargin: decimalWire,
  isolatedUnPnl: decimalWire,
  isolatedFundingFeeMargin: decimalWire,
  version: z.union([z.string(), z.number()]),
  timestamp: epochString,
});

/** Legacy wallet subject `availableBalance.change` (the one CCXT listens to). */
export const availableBalanceChange = z.object({
  availableBalance: decimalWire,
  holdBalance: decimalWire,
  currency: z.string(),
  timestamp: epochString,
});
