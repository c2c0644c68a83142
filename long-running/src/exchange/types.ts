import type { Money } from '@enigma/core/money';

/**
 * Venue-neutral domain values produced by exchange adapters. Money is Decimal, sizes are integer
 * lots, times are epoch milliseconds (venue ns timestamps are converted at the parse boundary).
 */

export type Side = 'buy' | 'sell';
export type MarginMode = 'ISOLATED' | 'CROSS';
export type OrderType = 'limit' | 'market';
export type StopDirection = 'up' | 'down';
/** What a stop triggers on: last trade, mark or index price. */
export type StopPriceType = 'TP' | 'MP' | 'IP';
export type TimeInForce = 'GTC' | 'IOC';

export interface Contract {
  symbol: string;
  kind: 'perpetual' | 'future';
  baseCurrency: string;
  quoteCurrency: string;
  settleCurrency: string;
  isInverse: boolean;
  /** Base units per lot (linear) or quote units per lot (inverse; KuCoin reports a negative number). */
  multiplier: Money;
  lotSize: number;
  tickSize: Money;
  maxOrderQty: number;
  maxPrice: Money;
  maxLeverage: number;
  makerFeeRate: Money;
  takerFeeRate: Money;
  initialMargin: Money;
  maintainMargin: Money;
  riskLimit: { min: Money; max: Money; step: Money };
  status: 'Init' | 'Open' | 'BeingSettled' | 'Settled' | 'Paused' | 'Closed' | 'CancelOnly';
  expireAt: number | null;
  fundingRate: Money | null;
  predictedFundingRate: Money | null;
  fundingIntervalMs: number | null;
  /** Milliseconds until the next funding (a countdown, not an epoch). */
  nextFundingInMs: number | null;
  markPrice: Money | null;
  indexPrice: Money | null;
  lastTradePrice: Money | null;
  openInterestLots: number | null;
  supportCross: boolean;
}

export interface Ticker {
  symbol: string;
  sequence: number;
  lastPrice: Money | null;
  lastSize: number | null;
  lastSide: Side | null;
  bestBid: Money;
  bestBidSize: number;
  bestAsk: Money;
  bestAskSize: number;
  time: number;
}

export interface BookLevel {
  price: Money;
  size: number;
}

export interface OrderBookSnapshot {
  symbol: string;
  sequence: number;
  /** High → low. */
  bids: BookLevel[];
  /** Low → high. */
  asks: BookLevel[];
  time: number;
}

/** One incremental level-2 change: the level at `price` on `side` becomes `size` (0 deletes it). */
export interface BookChange {
  symbol: string;
  sequence: number;
  side: Side;
  price: Money;
  size: number;
  time: number;
}

export interface PublicTrade {
  symbol: string;
  sequence: number;
  tradeId: string;
  side: Side;
  price: Money;
  size: number;
  makerOrderId: string;
  takerOrderId: string;
  time: number;
}

export interface Candle {
  symbol: string;
  /** Bar open time, ms. */
  openTime: number;
  open: Money;
  high: Money;
  low: Money;
  close: Money;
  volume: Money;
}

export interface Order {
  id: string;
  clientOid: string | null;
  symbol: string;
  type: OrderType;
  side: Side;
  price: Money | null;
  size: number;
  filledSize: number;
  filledValue: Money;
  avgFillPrice: Money | null;
  stop: StopDirection | null;
  stopPrice: Money | null;
  stopPriceType: StopPriceType | null;
  stopTriggered: boolean;
  timeInForce: TimeInForce;
  postOnly: boolean;
  hidden: boolean;
  iceberg: boolean;
  visibleSize: number | null;
  reduceOnly: boolean;
  closeOrder: boolean;
  leverage: Money | null;
  marginMode: MarginMode | null;
  status: 'open' | 'done';
  isActive: boolean;
  cancelExist: boolean;
  createdAt: number;
  endAt: number | null;
}

export interface Fill {
  symbol: string;
  tradeId: string;
  orderId: string;
  side: Side;
  liquidity: 'taker' | 'maker';
  price: Money;
  size: number;
  value: Money;
  fee: Money;
  feeRate: Money;
  feeCurrency: string;
  tradeType: 'trade' | 'cancel' | 'liquid' | 'adl' | 'settlement';
  marginMode: MarginMode | null;
  time: number;
}

export interface Position {
  symbol: string;
  marginMode: MarginMode | null;
  /** Signed lots: + long, − short. */
  qty: number;
  isOpen: boolean;
  avgEntryPrice: Money;
  markPrice: Money;
  markValue: Money;
  posCost: Money;
  posInit: Money;
  posMargin: Money;
  realisedPnl: Money;
  unrealisedPnl: Money;
  liquidationPrice: Money;
  bankruptPrice: Money;
  leverage: Money | null;
  settleCurrency: string;
  riskLimitLevel: number | null;
  /** isolated: the maintenance margin rate of the selected risk-limit level (`maintMarginReq`) */
  maintMarginReq: Money | null;
  /** isolated: the largest position value the selected risk-limit level allows (`riskLimit`, USDT) */
  riskLimit: Money | null;
  time: number;
}

export interface AccountOverview {
  currency: string;
  accountEquity: Money;
  unrealisedPnl: Money;
  marginBalance: Money;
  positionMargin: Money;
  orderMargin: Money;
  frozenFunds: Money;
  availableBalance: Money;
}

export interface FundingRate {
  symbol: string;
  rate: Money;
  predictedRate: Money | null;
  intervalMs: number;
  /** Previous settlement, ms. */
  timePoint: number;
  /** Next settlement, ms, when given. */
  nextFundingTime: number | null;
  cap: Money | null;
  floor: Money | null;
}
