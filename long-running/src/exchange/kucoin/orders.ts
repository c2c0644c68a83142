import type { Money } from '@enigma/core/money';
import type { MarginMode, Side, StopDirection, StopPriceType, TimeInForce } from '../types.ts';

/**
 * Typed order requests and their KuCoin wire bodies. Field types follow the official SDK's AddOrderReq
 * (`leverage` and `size` numbers; `price`, `stopPrice`, `visibleSize` strings). Invalid combinations
 * throw OrderRequestError before anything is sent.
 */

/** A stop (trigger) attached to a plain order: fires when the chosen price crosses `price`. */
export interface StopTrigger {
  /** `up`: trigger when price ≥ stop price; `down`: when ≤. */
  direction: StopDirection;
  price: Money;
  /** TP = last trade, MP = mark, IP = index. */
  priceType: StopPriceType;
}

export interface PlaceOrderRequest {
  /** Deterministic id (≤ 40 chars, [A-Za-z0-9_-]): the only key a retry may reuse. */
  clientOid: string;
  symbol: string;
  side: Side;
  type: 'limit' | 'market';
  /** Lots (positive integer). Omitted only with `closeOrder`. */
  size?: number;
  /** Limit price, aligned to the tick size by the caller. */
  price?: Money;
  /** Isolated leverage; KuCoin requires it for opening orders. */
  leverage?: number;
  marginMode?: MarginMode;
  timeInForce?: TimeInForce;
  postOnly?: boolean;
  hidden?: boolean;
  iceberg?: boolean;
  /** Iceberg visible lots. */
  visibleSize?: number;
  reduceOnly?: boolean;
  /** Close the whole position (side/size may be omitted). */
  closeOrder?: boolean;
  forceHold?: boolean;
  stop?: StopTrigger;
  stp?: 'CN' | 'CO' | 'CB';
  remark?: string;
}

/**
 * An order with exchange-side take-profit / stop-loss attached (POST /api/v1/st-orders). KuCoin names
 * the triggers by direction (`triggerStopUpPrice` / `triggerStopDownPrice`): for a long the up trigger
 * is the take-profit, for a short it is the stop-loss, so they are named by direction here too.
 */
export interface TpSlOrderRequest extends Omit<PlaceOrderRequest, 'stop'> {
  /** Triggers when price rises to it. */
  upTriggerPrice?: Money;
  /** Triggers when price falls to it. */
  downTriggerPrice?: Money;
  stopPriceType: StopPriceType;
}

/** A request that KuCoin would reject, caught locally. */
export class OrderRequestError extends Error {
  override readonly name = 'OrderRequestError';
}

const CLIENT_OID = /^[A-Za-z0-9_-]{1,40}$/;

function validate(o: Omit<PlaceOrderRequest, 'stop'>): void {
  const fail = (m: string): never => {
    throw new OrderRequestError(`order ${o.clientOid}: ${m}`);
  };
  if (!CLIENT_OID.test(o.clientOid)) fail('clientOid must be 1-40 chars of [A-Za-z0-9_-]');
  if (!o.symbol) fail('symbol is required');
  if (o.size !== undefined && (!Number.isSafeInteger(o.size) || o.size <= 0))
    fail('size must be a positive integer (lots)');
  if (o.size === undefined && !o.closeOrder) fail('size is required unless closeOrder');
  if (o.type === 'limit' && !o.price) fail('a limit order needs a price');
  if (o.type === 'market' && o.price) fail('a market order takes no price');
  if (o.price && !o.price.gt(0)) fail('price must be positive');
  if (o.leverage !== undefined && !(Number.isFinite(o.leverage) && o.leverage > 0))
    fail('leverage must be positive');
  if (o.postOnly && (o.hidden || o.iceberg)) fail('postOnly cannot be combined with hidden or iceberg');
  if (o.postOnly && o.timeInForce === 'IOC') fail('postOnly cannot be IOC');
  if (o.postOnly && o.type === 'market') fail('postOnly needs a limit order');
  if (
    o.iceberg &&
    (o.visibleSize === undefined || !Number.isSafeInteger(o.visibleSize) || o.visibleSize <= 0)
  )
    fail('an iceberg order needs a positive integer visibleSize');
  if (!o.iceberg && o.visibleSize !== undefined) fail('visibleSize is only for iceberg orders');
  if (o.iceberg && o.size !== undefined && o.visibleSize! > o.size) fail('visibleSize exceeds size');
  if (o.remark !== undefined && o.remark.length > 100) fail('remark is at most 100 characters');
}

function commonBody(o: Omit<PlaceOrderRequest, 'stop'>): Record<string, unknown> {
  // JSON.stringify drops undefined fields, so unset options are simply absent on the wire.
  return {
    clientOid: o.clientOid,
    side: o.side,
    symbol: o.symbol,
    type: o.type,
    leverage: o.leverage,
    price: o.price?.toFixed(),
    size: o.size,
    marginMode: o.marginMode,
    timeInForce: o.type === 'limit' ? o.timeInForce : undefined,
    postOnly: o.postOnly || undefined,
    hidden: o.hidden || undefined,
    iceberg: o.iceberg || undefined,
    visibleSize: o.iceberg ? String(o.visibleSize) : undefined,
    reduceOnly: o.reduceOnly || undefined,
    closeOrder: o.closeOrder || undefined,
    forceHold: o.forceHold || undefined,
    stp: o.stp,
    remark: o.remark,
  };
}

/** The JSON body of POST /api/v1/orders (and each element of /orders/multi). */
export function orderBody(o: PlaceOrderRequest): Record<string, unknown> {
  validate(o);
  const body = commonBody(o);
  if (o.stop) {
    if (!o.stop.price.gt(0)) throw new OrderRequestError(`order ${o.clientOid}: stop price must be positive`);
    body['stop'] = o.stop.direction;
    body['stopPriceType'] = o.stop.priceType;
    body['stopPrice'] = o.stop.price.toFixed();
  }
  return body;
}

/** The JSON body of POST /api/v1/st-orders. */
export function tpSlOrderBody(o: TpSlOrderRequest): Record<string, unknown> {
  validate(o);
  if (!o.upTriggerPrice && !o.downTriggerPrice)
    throw new OrderRequestError(`order ${o.clientOid}: needs an up or a down trigger price`);
  if (o.upTriggerPrice && o.downTriggerPrice && !o.upTriggerPrice.gt(o.downTriggerPrice))
    throw new OrderRequestError(`order ${o.clientOid}: up trigger must be above the down trigger`);
  return {
    ...commonBody(o),
    triggerStopUpPrice: o.upTriggerPrice?.toFixed(),
    triggerStopDownPrice: o.downTriggerPrice?.toFixed(),
    stopPriceType: o.stopPriceType,
  };
}
