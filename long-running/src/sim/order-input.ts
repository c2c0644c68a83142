import { contractSpec } from '@enigma/core/contract/specs';
import { Money, toMoney } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import { badParam, SimError } from './errors.ts';
import type { MarginMode, Side, StopPriceType } from './types.ts';

/** A validated order request (POST /orders, /orders/test, /orders/multi items, /st-orders). */
export interface OrderInput {
  clientOid: string;
  symbol: string;
  side: Side | null;
  type: 'limit' | 'market';
  price: Decimal | null;
  size: number | null;
  qty: Decimal | null;
  valueQty: Decimal | null;
  leverage: Decimal | null;
  stop: '' | 'up' | 'down';
  stopPrice: Decimal | null;
  stopPriceType: StopPriceType;
  reduceOnly: boolean;
  closeOrder: boolean;
  forceHold: boolean;
  timeInForce: 'GTC' | 'IOC';
  postOnly: boolean;
  hidden: boolean;
  iceberg: boolean;
  visibleSize: number | null;
  marginMode: MarginMode | null;
  remark: string | null;
  stp: '' | 'CN' | 'CO' | 'CB';
  /** /st-orders only: take-profit / stop-loss trigger prices. */
  triggerStopUpPrice: Decimal | null;
  triggerStopDownPrice: Decimal | null;
}

type Raw = Record<string, unknown>;

const absent = (v: unknown) => v === undefined || v === null || v === '';

function str(raw: Raw, key: string): string | null {
  const v = raw[key];
  if (absent(v)) return null;
  if (typeof v !== 'string') throw badParam(`${key} must be a string`);
  return v;
}

function bool(raw: Raw, key: string): boolean {
  const v = raw[key];
  if (absent(v)) return false;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw badParam(`${key} must be a boolean`);
}

function decimal(raw: Raw, key: string): Decimal | null {
  const v = raw[key];
  if (absent(v)) return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw badParam(`${key} must be a number`);
  let d: Decimal;
  try {
    d = toMoney(v);
  } catch {
    throw badParam(`${key} is not a valid number`);
  }
  if (d.lte(0)) throw badParam(`${key} must be positive`);
  return d;
}

function integer(raw: Raw, key: string): number | null {
  const v = raw[key];
  if (absent(v)) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw badParam(`${key} must be a positive integer`);
  return n;
}

function oneOf<T extends string>(raw: Raw, key: string, allowed: readonly T[], fallback: T): T {
  const v = raw[key];
  if (absent(v)) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw badParam(`${key} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/**
 * Validate an order body the way KuCoin does, rejecting bad input (unknown enums, fractional sizes,
 * NaN) with code 100001 instead of coercing it. `kind: 'st'` accepts /st-orders' TP/SL fields.
 */
export function parseOrderInput(body: unknown, kind: 'order' | 'st' = 'order'): OrderInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badParam('body must be an object');
  const raw = body as Raw;
  const clientOid = str(raw, 'clientOid');
  if (!clientOid) throw badParam('clientOid is required');
  if (clientOid.length > 40 || !/^[A-Za-z0-9_-]+$/.test(clientOid))
    throw badParam('clientOid must be at most 40 characters of [A-Za-z0-9_-]');
  const symbol = str(raw, 'symbol');
  if (!symbol) throw badParam('symbol is required');
  try {
    contractSpec(symbol);
  } catch {
    throw new SimError('100003', 'Contract parameter invalid');
  }
  const spec = contractSpec(symbol);
  const closeOrder = bool(raw, 'closeOrder');
  const sideRaw = str(raw, 'side');
  if (sideRaw !== null && sideRaw !== 'buy' && sideRaw !== 'sell') throw badParam('side must be buy or sell');
  if (sideRaw === null && !closeOrder) throw badParam('side is required');
  const type = oneOf(raw, 'type', ['limit', 'market'] as const, 'limit');
  const price = decimal(raw, 'price');
  if (type === 'limit' && !price) throw badParam('price is required for limit orders');
  if (price && !price.mod(spec.tickSize).isZero())
    throw badParam(`price must be a multiple of ${spec.tickSize}`);
  if (price?.gt(spec.maxPrice)) throw new SimError('300011', 'Price is above the maximum');
  const size = integer(raw, 'size');
  const qty = decimal(raw, 'qty');
  const valueQty = decimal(raw, 'valueQty');
  const given = [size, qty, valueQty].filter((x) => x !== null).length;
  if (!closeOrder && given !== 1) throw badParam('exactly one of size, qty, valueQty is required');
  if (size !== null && size > spec.maxOrderQty) throw badParam(`size must be at most ${spec.maxOrderQty}`);
  if (qty && !qty.mod(spec.multiplier).isZero())
    throw badParam(`qty must be a multiple of ${spec.multiplier}`);
  const stop = kind === 'order' ? oneOf(raw, 'stop', ['up', 'down'] as const, '' as 'up') : '';
  const stopPrice = kind === 'order' ? decimal(raw, 'stopPrice') : null;
  if (stop && !stopPrice) throw badParam('stopPrice is required with stop');
  if (stopPrice && !stop) throw badParam('stop is required with stopPrice');
  if (stopPrice && !stopPrice.mod(spec.tickSize).isZero())
    throw badParam(`stopPrice must be a multiple of ${spec.tickSize}`);
  const stopPriceType = oneOf(raw, 'stopPriceType', ['TP', 'MP', 'IP'] as const, 'TP');
  const timeInForce = oneOf(raw, 'timeInForce', ['GTC', 'IOC'] as const, 'GTC');
  const postOnly = bool(raw, 'postOnly');
  const hidden = bool(raw, 'hidden');
  const iceberg = bool(raw, 'iceberg');
  if (postOnly && (hidden || iceberg || timeInForce === 'IOC' || type === 'market'))
    throw badParam('postOnly cannot be combined with hidden, iceberg, IOC or market orders');
  const visibleSize = integer(raw, 'visibleSize');
  if (iceberg && visibleSize === null) throw badParam('visibleSize is required for iceberg orders');
  const leverage = decimal(raw, 'leverage');
  const marginMode = absent(raw['marginMode'])
    ? null
    : oneOf(raw, 'marginMode', ['ISOLATED', 'CROSS'] as const, 'ISOLATED');
  const remark = str(raw, 'remark');
  if (remark && remark.length > 100) throw badParam('remark must be at most 100 characters');
  const stp = str(raw, 'stp') ?? '';
  if (stp !== '' && stp !== 'CN' && stp !== 'CO' && stp !== 'CB') throw badParam('stp must be CN, CO or CB');
  const triggerStopUpPrice = kind === 'st' ? decimal(raw, 'triggerStopUpPrice') : null;
  const triggerStopDownPrice = kind === 'st' ? decimal(raw, 'triggerStopDownPrice') : null;
  for (const p of [triggerStopUpPrice, triggerStopDownPrice])
    if (p && !p.mod(spec.tickSize).isZero())
      throw badParam(`trigger prices must be multiples of ${spec.tickSize}`);
  return {
    clientOid,
    symbol,
    side: sideRaw as Side | null,
    type,
    price: type === 'market' ? null : price,
    size,
    qty,
    valueQty,
    leverage,
    stop,
    stopPrice,
    stopPriceType,
    reduceOnly: bool(raw, 'reduceOnly'),
    closeOrder,
    forceHold: bool(raw, 'forceHold'),
    timeInForce,
    postOnly,
    hidden,
    iceberg,
    visibleSize,
    marginMode,
    remark,
    stp,
    triggerStopUpPrice,
    triggerStopDownPrice,
  };
}

/** Lots for an order given as qty (base) or valueQty (quote at `price`), rounded down to whole lots. */
export function lotsFor(input: OrderInput, multiplier: Decimal, price: Decimal): number {
  if (input.size !== null) return input.size;
  if (input.qty) return input.qty.div(multiplier).floor().toNumber();
  if (input.valueQty) return input.valueQty.div(price.mul(multiplier)).floor().toNumber();
  return 0;
}

/** Decimal zero in the money configuration. */
export const ZERO = new Money(0);
