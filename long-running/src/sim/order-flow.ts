import { newOrder, type SimAccount } from './account.ts';
import { badParam, SimError } from './errors.ts';
import { flushWallet } from './margin.ts';
import { admit } from './matching.ts';
import { lotsFor, type OrderInput, parseOrderInput } from './order-input.ts';
import type { Side, SimOrder } from './types.ts';

/**
 * Order entry: a request's order is validated against the account (duplicates, margin mode, close and
 * reduce sizing, leverage, open-order caps), built, and handed to the matching core.
 */

/** Place an order (POST /orders). `test` validates it and changes nothing. */
export function placeOrder(
  a: SimAccount,
  body: unknown,
  opts: { test?: boolean } = {},
): { orderId: string; clientOid: string } {
  const input = parseOrderInput(body, 'order');
  if (!opts.test) refuseIfFaulted(a);
  const order = prepareOrder(a, input);
  if (opts.test) return { orderId: order.id, clientOid: order.clientOid };
  admit(a.core, order);
  flushWallet(a);
  return { orderId: order.id, clientOid: order.clientOid };
}

/** POST /st-orders: the order plus reduce-only take-profit / stop-loss stop orders. */
export function placeTpSlOrder(a: SimAccount, body: unknown): { orderId: string; clientOid: string } {
  const input = parseOrderInput(body, 'st');
  if (!input.triggerStopUpPrice && !input.triggerStopDownPrice)
    throw badParam('triggerStopUpPrice or triggerStopDownPrice is required');
  refuseIfFaulted(a);
  const order = prepareOrder(a, input);
  admit(a.core, order);
  const closeSide: Side = order.side === 'buy' ? 'sell' : 'buy';
  for (const [stop, price] of [
    ['up', input.triggerStopUpPrice],
    ['down', input.triggerStopDownPrice],
  ] as const) {
    if (!price) continue;
    const child = newOrder(a, input, {
      side: closeSide,
      type: 'market',
      price: null,
      size: order.size,
      stop,
      stopPrice: price,
      stopPriceType: input.stopPriceType,
      reduceOnly: true,
      clientOid: `${order.clientOid}-${stop === 'up' ? 'tp' : 'sl'}`.slice(0, 40),
    });
    child.parentId = order.id;
    admit(a.core, child);
  }
  flushWallet(a);
  return { orderId: order.id, clientOid: order.clientOid };
}

/** Business checks before admission: duplicates, margin mode, close/reduce sizing, leverage. */
export function prepareOrder(a: SimAccount, input: OrderInput): SimOrder {
  const m = a.market(input.symbol);
  const st = a.settingsOf(input.symbol);
  // KuCoin refuses a clientOid only while an order with it is active; a done order's clientOid can be
  // reused unless the switch says otherwise.
  const taken = a.core.behaviour.refuseReusedClientOid ? a.core.orders.values() : a.core.openOrders;
  for (const o of taken)
    if (o.clientOid === input.clientOid) throw new SimError('300018', 'The clientOid is duplicated');
  // An order that names no margin mode is an ISOLATED one (kucoin-spec order.txt: `marginMode` default
  // ISOLATED), reduce-only and close orders included: KuCoin refuses it on a CROSS contract with 330005
  // (ccxt/ccxt#25592: a plain createOrder after setMarginMode('cross'); hummingbot/hummingbot#8224).
  if ((input.marginMode ?? 'ISOLATED') !== st.marginMode)
    // KuCoin's code and text as CCXT maps them (ccxt kucoin.js exceptions: 330005).
    throw new SimError(
      '330005',
      "The order's margin mode does not match the selected one. Please switch and try again.",
    );
  const pos = a.positions.get(input.symbol);
  let side = input.side;
  let size = input.size;
  if (input.closeOrder) {
    if (!input.stop && (!pos || pos.qty === 0)) throw new SimError('300009', 'No open positions to close.');
    side = pos && pos.qty < 0 ? 'buy' : 'sell';
    size = pos ? Math.abs(pos.qty) : 0;
  } else {
    const ref = input.price ?? m.mark;
    size = lotsFor(input, m.spec.multiplier, ref);
    if (size < m.spec.lotSize) throw badParam('The order size is below the minimum lot size');
    if (size > m.spec.maxOrderQty) throw badParam(`The order size is above ${m.spec.maxOrderQty} lots`);
  }
  if (input.reduceOnly && !input.stop) {
    const reducible = pos && ((side === 'buy' && pos.qty < 0) || (side === 'sell' && pos.qty > 0));
    if (!reducible) throw new SimError('300009', 'No open positions to close.');
  }
  checkOrderCount(a, input);
  if (input.iceberg && input.visibleSize !== null && input.visibleSize * 20 < (size ?? 0))
    throw badParam('visibleSize must be at least 1/20 of the size');
  if (st.marginMode === 'ISOLATED' && !input.reduceOnly && !input.closeOrder) {
    if (!input.leverage) throw badParam('leverage is required');
    const tier = m.spec.riskLimits[st.riskLimitLevel - 1]!;
    if (input.leverage.gt(tier.maxLeverage))
      throw new SimError('300016', `The leverage cannot be greater than ${tier.maxLeverage}.`);
  }
  return newOrder(a, input, { side: side ?? 'buy', size: size ?? 0 });
}

/** `refuseOrders` fault: the next N placements get the chosen business code. */
function refuseIfFaulted(a: SimAccount): void {
  const refusal = a.core.faults.takeOrderRefusal();
  if (refusal) throw new SimError(refusal[0], refusal[1]);
}

/** KuCoin's per-contract caps: 100 active limit orders (300001), 50 untriggered stops (300004). */
function checkOrderCount(a: SimAccount, input: OrderInput): void {
  let stops = 0;
  let limits = 0;
  for (const o of a.core.openOrders) {
    if (o.symbol !== input.symbol) continue;
    if (o.stop && !o.stopTriggered) stops += 1;
    else if (o.isActive && o.type === 'limit') limits += 1;
  }
  const { maxStopOrders, maxOpenOrders } = a.core.behaviour;
  if (input.stop && stops >= maxStopOrders)
    throw new SimError('300004', `The number of stop orders exceeds the limit of ${maxStopOrders}.`);
  if (!input.stop && input.type === 'limit' && limits >= maxOpenOrders)
    throw new SimError('300001', `The number of active orders exceeds the limit of ${maxOpenOrders}.`);
}
