import { initialMargin, notionalValue } from '@enigma/core/contract/math';
import type Decimal from 'decimal.js';
import type { MatchInfo, SimEngine } from './engine.ts';
import { badParam, SimError } from './errors.ts';
import { publicTrade, publishBook } from './feed.ts';
import { fillOrder } from './fills.ts';
import { accountSummary, crossOrderMargin } from './margin.ts';
import type { SymbolMarket } from './market-state.ts';
import { lotsFor, type OrderInput, parseOrderInput, ZERO } from './order-input.ts';
import type { Side, SimOrder } from './types.ts';

/** Order life cycle: validation, admission, stops, taker matching, resting fills, cancels. */

/** Place an order (POST /orders). `test` validates it and changes nothing. */
export function placeOrder(
  e: SimEngine,
  body: unknown,
  opts: { test?: boolean } = {},
): { orderId: string; clientOid: string } {
  const input = parseOrderInput(body, 'order');
  if (!opts.test) refuseIfFaulted(e);
  const order = prepareOrder(e, input);
  if (opts.test) return { orderId: order.id, clientOid: order.clientOid };
  admit(e, order);
  e.flushWallet();
  return { orderId: order.id, clientOid: order.clientOid };
}

/** POST /st-orders: the order plus reduce-only take-profit / stop-loss stop orders. */
export function placeTpSlOrder(e: SimEngine, body: unknown): { orderId: string; clientOid: string } {
  const input = parseOrderInput(body, 'st');
  if (!input.triggerStopUpPrice && !input.triggerStopDownPrice)
    throw badParam('triggerStopUpPrice or triggerStopDownPrice is required');
  refuseIfFaulted(e);
  const order = prepareOrder(e, input);
  admit(e, order);
  const closeSide: Side = order.side === 'buy' ? 'sell' : 'buy';
  for (const [stop, price] of [
    ['up', input.triggerStopUpPrice],
    ['down', input.triggerStopDownPrice],
  ] as const) {
    if (!price) continue;
    const child = newOrder(e, input, {
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
    admit(e, child);
  }
  e.flushWallet();
  return { orderId: order.id, clientOid: order.clientOid };
}

/** A fresh order record from validated input (nothing is stored yet). */
export function newOrder(e: SimEngine, input: OrderInput, over: Partial<SimOrder>): SimOrder {
  const now = e.clock.now();
  const st = e.settingsOf(input.symbol);
  return {
    id: e.nextId(),
    clientOid: input.clientOid,
    symbol: input.symbol,
    side: input.side ?? 'buy',
    type: input.type,
    price: input.price,
    size: input.size ?? 0,
    filledSize: 0,
    filledValue: ZERO,
    canceledSize: 0,
    fee: ZERO,
    status: 'open',
    isActive: false,
    cancelExist: false,
    stop: input.stop,
    stopPrice: input.stopPrice,
    stopPriceType: input.stop ? input.stopPriceType : '',
    stopTriggered: false,
    timeInForce: input.timeInForce,
    postOnly: input.postOnly,
    hidden: input.hidden,
    iceberg: input.iceberg,
    visibleSize: input.visibleSize,
    reduceOnly: input.reduceOnly || input.closeOrder,
    closeOrder: input.closeOrder,
    forceHold: input.forceHold,
    leverage:
      st.marginMode === 'CROSS' ? st.crossLeverage : (input.leverage ?? e.position(input.symbol).leverage),
    marginMode: st.marginMode,
    remark: input.remark,
    stp: input.stp,
    createdAt: now,
    updatedAt: now,
    endAt: null,
    ...over,
  };
}

/** Business checks before admission: duplicates, margin mode, close/reduce sizing, leverage. */
export function prepareOrder(e: SimEngine, input: OrderInput): SimOrder {
  const m = e.market(input.symbol);
  const st = e.settingsOf(input.symbol);
  // KuCoin refuses a clientOid only while an order with it is active; a done order's clientOid can be
  // reused unless the switch says otherwise.
  const taken = e.behaviour.refuseReusedClientOid ? e.orders.values() : e.openOrders;
  for (const o of taken)
    if (o.clientOid === input.clientOid) throw new SimError('300018', 'The clientOid is duplicated');
  if (input.marginMode && input.marginMode !== st.marginMode)
    // KuCoin's code and text as CCXT maps them (ccxt kucoin.js exceptions: 330005).
    throw new SimError(
      '330005',
      "The order's margin mode does not match the selected one. Please switch and try again.",
    );
  const pos = e.positions.get(input.symbol);
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
  checkOrderCount(e, input);
  if (input.iceberg && input.visibleSize !== null && input.visibleSize * 20 < (size ?? 0))
    throw badParam('visibleSize must be at least 1/20 of the size');
  if (st.marginMode === 'ISOLATED' && !input.reduceOnly && !input.closeOrder) {
    if (!input.leverage) throw badParam('leverage is required');
    const tier = m.spec.riskLimits[st.riskLimitLevel - 1]!;
    if (input.leverage.gt(tier.maxLeverage))
      throw new SimError('300016', `The leverage cannot be greater than ${tier.maxLeverage}.`);
  }
  return newOrder(e, input, { side: side ?? 'buy', size: size ?? 0 });
}

/** KuCoin's 330008 text (as CCXT records it in kucoin.js `exceptions`). */
export const CROSS_MARGIN_SHORT =
  'Your current margin and leverage have reached the maximum open limit. Please increase your margin or raise your leverage to open larger positions.';

/** `refuseOrders` fault: the next N placements get the chosen business code. */
function refuseIfFaulted(e: SimEngine): void {
  const refusal = e.faults.takeOrderRefusal();
  if (refusal) throw new SimError(refusal[0], refusal[1]);
}

/** KuCoin's per-contract caps: 100 active limit orders (300001), 50 untriggered stops (300004). */
function checkOrderCount(e: SimEngine, input: OrderInput): void {
  let stops = 0;
  let limits = 0;
  for (const o of e.openOrders) {
    if (o.symbol !== input.symbol) continue;
    if (o.stop && !o.stopTriggered) stops += 1;
    else if (o.isActive && o.type === 'limit') limits += 1;
  }
  const { maxStopOrders, maxOpenOrders } = e.behaviour;
  if (input.stop && stops >= maxStopOrders)
    throw new SimError('300004', `The number of stop orders exceeds the limit of ${maxStopOrders}.`);
  if (!input.stop && input.type === 'limit' && limits >= maxOpenOrders)
    throw new SimError('300001', `The number of active orders exceeds the limit of ${maxOpenOrders}.`);
}

/**
 * Why this order cannot enter matching now, if it cannot: outside the price band (300011 / 300012), or
 * short of margin for the part that opens (300003 isolated, 330008 cross).
 */
export function admissionError(e: SimEngine, order: SimOrder): SimError | undefined {
  const m = e.market(order.symbol);
  if (order.type === 'limit' && order.price && e.behaviour.priceBand > 0) {
    const band = m.priceBand(e.behaviour.priceBand);
    if (order.side === 'buy' && order.price.gt(band.buyLimit))
      return new SimError('300011', `The order price cannot be higher than ${band.buyLimit.toString()}.`);
    if (order.side === 'sell' && order.price.lt(band.sellLimit))
      return new SimError('300012', `The order price cannot be lower than ${band.sellLimit.toString()}.`);
  }
  if (order.reduceOnly || order.closeOrder) return undefined;
  if (order.marginMode === 'ISOLATED') {
    // The selected risk-limit level caps the position's value (KUCOIN.md §3.9, §2.2 300005).
    const qty = e.positions.get(order.symbol)?.qty ?? 0;
    const after = Math.abs(qty + (order.side === 'buy' ? 1 : -1) * (order.size - order.filledSize));
    const level = m.spec.riskLimits[e.settingsOf(order.symbol).riskLimitLevel - 1]!;
    if (after > Math.abs(qty) && notionalValue(m.spec, after, order.price ?? m.mark).gt(level.maxRiskLimit))
      return new SimError(
        '300005',
        `Risk limit exceeded: the position would be above ${level.maxRiskLimit} at level ${level.level}.`,
      );
  }
  // Cross: what the order adds to the contract's hedged order margin; isolated: its own opening cost.
  const cost =
    order.marginMode === 'CROSS'
      ? crossOrderMargin(e, order.symbol, order).minus(crossOrderMargin(e, order.symbol))
      : openingCost(e, order, m);
  if (cost.lte(accountSummary(e).available)) return undefined;
  // 330008, KuCoin's code and text for cross margin short of funds (ccxt kucoin.js exceptions).
  if (order.marginMode === 'CROSS') return new SimError('330008', CROSS_MARGIN_SHORT);
  return new SimError('300003', `Balance insufficient. The order would cost ${cost.toFixed(10)}.`);
}

/** The `error` a failed stop trigger is pushed with (KUCOIN.md §4.3 advancedOrders, S1 sample). */
function triggerErrorOf(err: SimError): string {
  if (err.code === '300003' || err.code === '330008') return 'error.createOrder.accountBalanceInsufficient';
  // Unconfirmed: KuCoin's texts for a triggered order beyond the risk limit or the price band are in no sample.
  if (err.code === '300005') return 'error.createOrder.riskLimitExceeded';
  return 'error.createOrder.priceLimit';
}

/** Admit an order: stops wait for their trigger, the rest go to matching. */
export function admit(e: SimEngine, order: SimOrder): void {
  e.orders.set(order.id, order);
  e.openOrders.add(order);
  if (order.stop && !order.stopTriggered) {
    emitStopOrder(e, order, 'open');
    return;
  }
  if (e.behaviour.asyncMatching) {
    // Checked and margin frozen now; matched on a later step (matchPending), pushes after the answer.
    const refused = admissionError(e, order);
    if (refused) {
      forget(e, order);
      throw refused;
    }
    order.isActive = true;
    order.pendingUntil = e.clock.now() + e.behaviour.matchLatencyMs;
    e.walletDirty = true;
    return;
  }
  activate(e, order, true);
}

/** Async matching: accepted orders of this contract whose latency has passed enter matching, oldest first. */
export function matchPending(e: SimEngine, m: SymbolMarket, now: number): void {
  for (const o of [...e.openOrders]) {
    if (o.symbol !== m.spec.symbol || o.pendingUntil === undefined || o.pendingUntil > now) continue;
    o.pendingUntil = undefined;
    o.isActive = false; // its own frozen margin must not count against it
    try {
      activate(e, o, false);
    } catch {
      // The market moved since acceptance: out of the band or short of margin now.
      finish(e, o, 'canceled', now);
    }
  }
}

/** Margin check, taker matching, then resting / cancelling the remainder. */
export function activate(e: SimEngine, order: SimOrder, fromRequest: boolean): void {
  const m = e.market(order.symbol);
  const now = e.clock.now();
  const pos = e.position(order.symbol);
  if (order.closeOrder) {
    order.side = pos.qty < 0 ? 'buy' : 'sell';
    order.size = Math.abs(pos.qty);
  }
  const refused = admissionError(e, order);
  if (refused) {
    if (fromRequest) forget(e, order);
    throw refused;
  }
  if (order.reduceOnly) {
    const reducible =
      (order.side === 'buy' && pos.qty < 0) || (order.side === 'sell' && pos.qty > 0) ? Math.abs(pos.qty) : 0;
    if (reducible === 0) {
      if (fromRequest) forget(e, order);
      if (fromRequest) throw new SimError('300009', 'No open positions to close.');
      finish(e, order, 'canceled', now);
      return;
    }
    if (order.size > reducible) order.canceledSize = order.size - reducible;
  }
  const limitTick = order.price ? m.priceToTick(order.price) : null;
  // The best opposite price: the synthetic book's or one of the user's own resting orders'.
  const own = restingOrders(e, order.symbol, order.side === 'buy' ? 'sell' : 'buy')[0];
  const ownTick = own ? m.priceToTick(own.price!) : undefined;
  const crosses =
    limitTick === null ||
    (order.side === 'buy'
      ? Math.min(m.bestAsk()?.tick ?? Infinity, ownTick ?? Infinity) <= limitTick
      : Math.max(m.bestBid()?.tick ?? -Infinity, ownTick ?? -Infinity) >= limitTick);
  if (order.postOnly && crosses) {
    emitOrder(e, order, 'open', now);
    finish(e, order, 'canceled', now);
    return;
  }
  order.isActive = true;
  if (!crosses) emitOrder(e, order, 'open', now);
  if (crosses) take(e, order, m, limitTick, now);
  if (order.status === 'done') {
    publishBook(e, m, now);
    return;
  }
  if (order.type === 'market' || order.timeInForce === 'IOC') {
    finish(e, order, 'canceled', now);
  } else {
    // It rests: behind whatever is displayed at its price already (price-time priority).
    order.queueAhead = e.behaviour.queuePriority
      ? syntheticSizeAt(m, order.side, m.priceToTick(order.price!))
      : 0;
    if (crosses) emitOrder(e, order, 'open', now);
  }
  e.walletDirty = true;
  publishBook(e, m, now);
}

/** Margin + estimated taker fee for the part of the order that would open or grow a position. */
export function openingCost(e: SimEngine, order: SimOrder, m: SymbolMarket): Decimal {
  const pos = e.positions.get(order.symbol)?.qty ?? 0;
  const reducible =
    (order.side === 'buy' && pos < 0) || (order.side === 'sell' && pos > 0) ? Math.abs(pos) : 0;
  const opening = Math.max(0, order.size - reducible);
  if (opening === 0) return ZERO;
  const top = order.side === 'buy' ? m.bestAsk() : m.bestBid();
  const ref = order.price ?? (top ? m.tickToPrice(top.tick) : m.mark);
  const notional = notionalValue(m.spec, opening, ref);
  return initialMargin(notional, order.leverage).plus(notional.mul(m.spec.takerFeeRate));
}

/** Walk the synthetic opposite side up to the limit (the user's own orders are never matched). */
export function take(
  e: SimEngine,
  order: SimOrder,
  m: SymbolMarket,
  limitTick: number | null,
  now: number,
): void {
  const buy = order.side === 'buy';
  const levels = buy ? m.asks : m.bids;
  // The user's own resting orders on the other side meet the taker too, after the synthetic size at
  // their price (it was displayed first); `stp` decides what happens then.
  const own = restingOrders(e, order.symbol, buy ? 'sell' : 'buy');
  const ownAt = new Map<number, SimOrder[]>();
  for (const o of own) {
    const t = Math.round(m.priceToTick(o.price!));
    ownAt.set(t, [...(ownAt.get(t) ?? []), o]);
  }
  const ticks = [...new Set([...levels.map((l) => l.tick), ...ownAt.keys()])].sort((a, b) =>
    buy ? a - b : b - a,
  );
  for (const tick of ticks) {
    if (order.status === 'done' || order.size - order.filledSize - order.canceledSize <= 0) break;
    if (limitTick !== null && (buy ? tick > limitTick : tick < limitTick)) break;
    const price = m.tickToPrice(tick);
    const level = levels.find((l) => l.tick === tick);
    if (level) {
      const lots = Math.min(level.size, order.size - order.filledSize - order.canceledSize);
      m.consume(buy ? 'ask' : 'bid', tick, lots, now);
      fillOrder(e, order, lots, price, 'taker', now);
    }
    for (const mine of ownAt.get(tick) ?? []) if (!selfTrade(e, order, mine, price, now)) return;
  }
}

/**
 * The taker meets one of the user's own resting orders (KUCOIN.md §3.4 `stp`): CN cancels the taker, CO
 * the resting order, CB both; without `stp` they trade with each other (two fills, both fees). Returns
 * whether the taker goes on.
 */
function selfTrade(e: SimEngine, taker: SimOrder, maker: SimOrder, price: Decimal, now: number): boolean {
  if (taker.status === 'done') return false;
  if (taker.stp === 'CO' || taker.stp === 'CB') finish(e, maker, 'canceled', now);
  if (taker.stp === 'CN' || taker.stp === 'CB') {
    finish(e, taker, 'canceled', now);
    return false;
  }
  if (taker.stp === 'CO') return true;
  const lots = Math.min(
    taker.size - taker.filledSize - taker.canceledSize,
    maker.size - maker.filledSize - maker.canceledSize,
  );
  if (lots <= 0) return true;
  fillOrder(e, maker, lots, price, 'maker', now);
  fillOrder(e, taker, lots, price, 'taker', now);
  return true;
}

/** Mark an order done (filled or cancelled) and push the final event. */
export function finish(e: SimEngine, order: SimOrder, how: 'filled' | 'canceled', now: number): void {
  if (order.status === 'done') return;
  const left = order.size - order.filledSize - order.canceledSize;
  if (how === 'canceled' && left > 0) order.canceledSize += left;
  if (order.canceledSize > 0) order.cancelExist = true;
  order.status = 'done';
  e.openOrders.delete(order);
  order.isActive = false;
  order.endAt = now;
  order.updatedAt = now;
  e.walletDirty = true;
  emitOrder(e, order, order.filledSize >= order.size ? 'filled' : how, now);
}

/** Cancel an order or an untriggered stop, with the matching push. */
export function cancelOrderObject(e: SimEngine, order: SimOrder, now: number): void {
  if (order.status === 'done') return;
  if (order.stop && !order.stopTriggered) {
    endStop(e, order, now);
    emitStopOrder(e, order, 'cancel');
    return;
  }
  finish(e, order, 'canceled', now);
}

/** A stop that never became an order (cancelled, or its trigger failed) is done with its size cancelled. */
function endStop(e: SimEngine, order: SimOrder, now: number): void {
  order.canceledSize = order.size - order.filledSize;
  order.cancelExist = true;
  order.status = 'done';
  order.isActive = false;
  e.openOrders.delete(order);
  order.endAt = now;
  order.updatedAt = now;
  e.walletDirty = true;
}

/** DELETE /orders/{id}; works for stop orders too. */
export function cancelOrder(e: SimEngine, id: string): string[] {
  const o = e.orders.get(id);
  // KuCoin: an id it never issued is a parameter error; a done order cannot be cancelled.
  if (!o) throw new SimError('100001', 'The order does not exist.');
  if (o.status === 'done') throw new SimError('100004', 'The order cannot be canceled.');
  const now = e.clock.now();
  cancelOrderObject(e, o, now);
  publishBook(e, e.market(o.symbol), now);
  e.flushWallet();
  return [id];
}

/** The latest order with this clientOid (optionally of one symbol). */
export function findByClientOid(e: SimEngine, clientOid: string, symbol?: string): SimOrder | undefined {
  let found: SimOrder | undefined;
  for (const o of e.orders.values())
    if (o.clientOid === clientOid && (!symbol || o.symbol === symbol)) found = o;
  return found;
}

/** Cancel every active (non-stop, or only stop) order, optionally of one symbol. */
export function cancelAll(e: SimEngine, symbol: string | undefined, stops: boolean): string[] {
  if (symbol) e.market(symbol);
  const now = e.clock.now();
  const ids: string[] = [];
  for (const o of [...e.openOrders]) {
    if (o.status === 'done' || (symbol && o.symbol !== symbol)) continue;
    const isStop = !!o.stop && !o.stopTriggered;
    if (isStop !== stops) continue;
    cancelOrderObject(e, o, now);
    ids.push(o.id);
  }
  for (const m of e.markets.values()) publishBook(e, m, now);
  e.flushWallet();
  return ids;
}

/** Trigger stops whose reference price (last, mark or index) crossed the stop price. */
export function triggerStops(e: SimEngine, now: number): void {
  for (const o of [...e.openOrders]) {
    if (!o.stop || o.stopTriggered || o.status === 'done') continue;
    const m = e.market(o.symbol);
    const ref = o.stopPriceType === 'MP' ? m.mark : o.stopPriceType === 'IP' ? m.index : m.last;
    const hit = o.stop === 'up' ? ref.gte(o.stopPrice!) : ref.lte(o.stopPrice!);
    if (!hit) continue;
    o.stopTriggered = true;
    o.updatedAt = now;
    if (o.closeOrder) {
      const qty = e.positions.get(o.symbol)?.qty ?? 0;
      o.side = qty < 0 ? 'buy' : 'sell';
    }
    const refused = admissionError(e, o);
    const error = e.faults.takeStopTriggerFailure() ?? (refused ? triggerErrorOf(refused) : undefined);
    if (error) {
      // The trigger fired but the order could not be created: one push with `error`, no order events.
      endStop(e, o, now);
      emitStopOrder(e, o, 'triggered', error);
      continue;
    }
    emitStopOrder(e, o, 'triggered');
    try {
      activate(e, o, false);
    } catch {
      finish(e, o, 'canceled', now);
    }
  }
}

/** Synthetic volume prints as public trades; it fills the user's top-of-book orders first. */
export function runTape(e: SimEngine, m: SymbolMarket, volume: number, side: Side, now: number): void {
  const carry = (e.tapeCarry.get(m.spec.symbol) ?? 0) + volume / m.spec.multiplier.toNumber();
  let lots = Math.floor(carry);
  e.tapeCarry.set(m.spec.symbol, carry - lots);
  if (lots <= 0) return;
  const top = side === 'sell' ? m.bestBid() : m.bestAsk();
  if (!top) return;
  const resting = restingOrders(e, m.spec.symbol, side === 'sell' ? 'buy' : 'sell').filter((o) =>
    side === 'sell' ? o.price!.gte(m.tickToPrice(top.tick)) : o.price!.lte(m.tickToPrice(top.tick)),
  );
  for (const o of resting) {
    if (lots <= 0) break;
    // The displayed lots ahead at its price trade first (they print as public trades).
    const ahead = queueAt(e, m, o);
    const used = Math.min(lots, ahead);
    o.queueAhead = ahead - used;
    if (used > 0) publicTrade(e, m, o.price!, used, side, now, '', '');
    lots -= used;
    if (lots <= 0) break;
    const take = Math.min(lots, o.size - o.filledSize - o.canceledSize);
    fillOrder(e, o, take, o.price!, 'maker', now);
    lots -= take;
  }
  if (lots > 0) publicTrade(e, m, m.tickToPrice(top.tick), Math.min(lots, top.size), side, now, '', '');
}

/** The market moved through a resting user order: it fills as maker at its own price. */
export function crossThrough(e: SimEngine, m: SymbolMarket, now: number): void {
  for (const side of ['buy', 'sell'] as const) {
    for (const o of restingOrders(e, m.spec.symbol, side)) {
      const opp = side === 'buy' ? m.asks : m.bids;
      let remaining = o.size - o.filledSize - o.canceledSize;
      const limitTick = m.priceToTick(o.price!);
      for (const level of [...opp]) {
        if (remaining <= 0) break;
        if (side === 'buy' ? level.tick > limitTick : level.tick < limitTick) break;
        let size = level.size;
        if (level.tick === limitTick) {
          // Touching, not through: the queue ahead at this price trades against the level first.
          const ahead = queueAt(e, m, o);
          const used = Math.min(size, ahead);
          o.queueAhead = ahead - used;
          if (used > 0) m.consume(side === 'buy' ? 'ask' : 'bid', level.tick, used, now);
          size -= used;
          if (size <= 0) break;
        }
        const lots = Math.min(size, remaining);
        m.consume(side === 'buy' ? 'ask' : 'bid', level.tick, lots, now);
        fillOrder(e, o, lots, o.price!, 'maker', now);
        remaining -= lots;
        if (o.status === 'done') break;
      }
    }
  }
}

/** Synthetic (displayed, not the user's) lots on a side at a tick. */
function syntheticSizeAt(m: SymbolMarket, side: Side, tick: number): number {
  const levels = side === 'buy' ? m.bids : m.asks;
  return levels.find((l) => l.tick === Math.round(tick))?.size ?? 0;
}

/** Lots still ahead of a resting order: never more than is displayed at its price now (cancels ahead count). */
function queueAt(e: SimEngine, m: SymbolMarket, o: SimOrder): number {
  if (!e.behaviour.queuePriority || !o.queueAhead) return 0;
  return Math.min(o.queueAhead, syntheticSizeAt(m, o.side, m.priceToTick(o.price!)));
}

/** The user's resting limit orders on one side, in price-time priority. */
export function restingOrders(e: SimEngine, symbol: string, side: Side): SimOrder[] {
  const out: SimOrder[] = [];
  for (const o of e.openOrders)
    if (o.isActive && o.pendingUntil === undefined && o.symbol === symbol && o.side === side && o.price)
      out.push(o);
  return out.sort((a, b) =>
    side === 'buy'
      ? b.price!.cmp(a.price!) || a.createdAt - b.createdAt
      : a.price!.cmp(b.price!) || a.createdAt - b.createdAt,
  );
}

/**
 * After the position changed: resting reduce-only orders larger than what is left to reduce shrink to it
 * (an `update` push with `oldSize`), and are cancelled when nothing is left.
 */
export function shrinkReduceOnly(e: SimEngine, symbol: string, now: number): void {
  const qty = e.positions.get(symbol)?.qty ?? 0;
  for (const o of [...e.openOrders]) {
    if (o.symbol !== symbol || !o.isActive || !o.reduceOnly || o.status === 'done') continue;
    const reducible = (o.side === 'buy' && qty < 0) || (o.side === 'sell' && qty > 0) ? Math.abs(qty) : 0;
    const left = o.size - o.filledSize - o.canceledSize;
    if (left <= reducible) continue;
    if (reducible === 0) {
      finish(e, o, 'canceled', now);
      continue;
    }
    const oldSize = o.size - o.canceledSize;
    o.canceledSize += left - reducible;
    o.updatedAt = now;
    emitOrder(e, o, 'update', now, undefined, oldSize);
  }
}

/** Push a tradeOrders event on the all-symbol and the per-symbol topic. */
export function emitOrder(
  e: SimEngine,
  order: SimOrder,
  type: string,
  now: number,
  match?: MatchInfo,
  oldSize?: number,
): void {
  const data = e.renderOrderEvent(order, type, now, match, oldSize);
  e.emit({ channel: 'private', topic: '/contractMarket/tradeOrders', subject: 'orderChange', data });
  e.emit({
    channel: 'private',
    topic: `/contractMarket/tradeOrders:${order.symbol}`,
    subject: 'symbolOrderChange',
    data,
  });
}

/** Push an advancedOrders (stopOrder) event; a failed trigger carries `error`. */
export function emitStopOrder(
  e: SimEngine,
  order: SimOrder,
  type: 'open' | 'triggered' | 'cancel',
  error?: string,
): void {
  e.emit({
    channel: 'private',
    topic: '/contractMarket/advancedOrders',
    subject: 'stopOrder',
    data: e.renderStopEvent(order, type, e.clock.now(), error),
  });
}

/** Drop an order rejected during admission: it never existed for the client. */
function forget(e: SimEngine, order: SimOrder): void {
  e.orders.delete(order.id);
  e.openOrders.delete(order);
}
