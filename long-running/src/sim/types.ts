import type Decimal from 'decimal.js';

/** Order side. */
export type Side = 'buy' | 'sell';
/** KuCoin margin modes. */
export type MarginMode = 'ISOLATED' | 'CROSS';
/** Stop reference: TP last trade, MP mark, IP index price. */
export type StopPriceType = 'TP' | 'MP' | 'IP';

/** An order as the simulator keeps it; rendered to KuCoin's Order shape by views.ts. */
export interface SimOrder {
  id: string;
  clientOid: string;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  price: Decimal | null;
  size: number;
  filledSize: number;
  filledValue: Decimal;
  canceledSize: number;
  fee: Decimal;
  status: 'open' | 'done';
  /** True while it rests in the book (untriggered stops are not active). */
  isActive: boolean;
  cancelExist: boolean;
  stop: '' | 'up' | 'down';
  stopPrice: Decimal | null;
  stopPriceType: '' | StopPriceType;
  stopTriggered: boolean;
  timeInForce: 'GTC' | 'IOC';
  postOnly: boolean;
  hidden: boolean;
  iceberg: boolean;
  visibleSize: number | null;
  reduceOnly: boolean;
  closeOrder: boolean;
  forceHold: boolean;
  leverage: Decimal;
  marginMode: MarginMode;
  remark: string | null;
  stp: '' | 'CN' | 'CO' | 'CB';
  createdAt: number;
  updatedAt: number;
  endAt: number | null;
  /** Orders attached by /st-orders: the parent order id. */
  parentId?: string;
  /** Price-time priority: displayed lots ahead of this resting order at its price. */
  queueAhead?: number;
  /** Accepted but not matched yet (async matching): enters matching on the first step at or after this time. */
  pendingUntil?: number;
  /** Set on the orders the liquidation / ADL engine creates: their pushes and fills say `liquid` / `adl`. */
  tradeType?: 'liquid' | 'adl';
}

/** One of the user's fills. */
export interface SimFill {
  tradeId: string;
  orderId: string;
  symbol: string;
  side: Side;
  liquidity: 'maker' | 'taker';
  price: Decimal;
  size: number;
  value: Decimal;
  fee: Decimal;
  feeRate: Decimal;
  openFeePay: Decimal;
  closeFeePay: Decimal;
  stop: string;
  marginMode: MarginMode;
  orderType: 'limit' | 'market';
  displayType: 'limit' | 'market' | 'limit_stop' | 'market_stop';
  tradeType: 'trade' | 'liquid' | 'adl';
  time: number;
}

/** A one-way position (KuCoin `positionSide: BOTH`). */
export interface SimPosition {
  id: string;
  symbol: string;
  qty: number;
  entryPrice: Decimal;
  marginMode: MarginMode;
  /** Isolated: leverage of the opening orders; cross: the symbol's cross leverage. */
  leverage: Decimal;
  /** Isolated margin held by the position (initial margin + added margin + funding). */
  isolatedMargin: Decimal;
  realisedGrossPnl: Decimal;
  realisedPnl: Decimal;
  currentComm: Decimal;
  posFunding: Decimal;
  openingTimestamp: number;
  openPrice: Decimal;
}

/** A closed position (for /history-positions). */
export interface ClosedPosition {
  closeId: string;
  symbol: string;
  leverage: Decimal;
  type: 'CLOSE_LONG' | 'CLOSE_SHORT' | 'LIQUID_LONG' | 'LIQUID_SHORT';
  side: 'LONG' | 'SHORT';
  pnl: Decimal;
  realisedGrossCost: Decimal;
  tradeFee: Decimal;
  fundingFee: Decimal;
  openTime: number;
  closeTime: number;
  openPrice: Decimal;
  closePrice: Decimal;
  marginMode: MarginMode;
  liquidPrice: Decimal | null;
}

/** One funding settlement of the user's position. */
export interface FundingRecord {
  id: number;
  symbol: string;
  timePoint: number;
  fundingRate: Decimal;
  markPrice: Decimal;
  positionQty: number;
  positionCost: Decimal;
  funding: Decimal;
  marginMode: MarginMode;
}

/** A ledger entry (/transaction-history). */
export interface LedgerEntry {
  offset: number;
  time: number;
  type: 'RealisedPNL' | 'Deposit' | 'Withdrawal' | 'TransferIn' | 'TransferOut';
  amount: Decimal;
  fee: Decimal;
  accountEquity: Decimal;
  remark: string;
}

/** Per-contract account settings. */
export interface SymbolSettings {
  marginMode: MarginMode;
  crossLeverage: Decimal;
  riskLimitLevel: number;
}
