import type Decimal from 'decimal.js';
import type { SimBehaviour } from './behaviour.ts';
import type { Clock } from './clock.ts';
import { SimError } from './errors.ts';
import type { EventBus, IdSource, MatchInfo } from './events.ts';
import type { Faults } from './faults.ts';
import type { SymbolMarket } from './market-state.ts';
import type { Side, SimOrder } from './types.ts';

/**
 * The matching core: the books (one SymbolMarket per contract), the user's orders and resting orders,
 * price-time priority, taker matching, stops and their triggers, cancels. It knows nothing of balances or
 * positions: it is handed its handlers when built (as NautilusTrader's OrderMatchingCore is handed its
 * trigger and fill handlers) — the account books fills and judges margin, the feed prints trades and book
 * changes. Nothing here imports the account, the feeds, the views or the facade.
 */

/** What the core calls out to; the facade wires them to the account and the feed. */
export interface MatchingHandlers {
  /** Book one fill of a user order (position, fees, wallet, fill record, public trade, order pushes). */
  fill(
    order: SimOrder,
    lots: number,
    price: Decimal,
    liquidity: 'maker' | 'taker',
    now: number,
    tradeType?: 'trade' | 'liquid' | 'adl',
  ): void;
  /** Why the account cannot take this order now (risk limit, margin), if it cannot. */
  accountRefusal(order: SimOrder): SimError | undefined;
  /** The account's signed position in a contract, in lots. */
  positionQty(symbol: string): number;
  /** A public trade printed at `price` (the feed records and pushes it). */
  trade(
    m: SymbolMarket,
    price: Decimal,
    lots: number,
    side: Side,
    now: number,
    takerOrderId: string,
    makerOrderId: string,
  ): void;
  /** The displayed book may have changed (the feed diffs it and pushes level-2 deltas). */
  bookChanged(m: SymbolMarket, now: number): void;
  /** The set of active orders changed, so the margin they freeze did. */
  ordersChanged(): void;
}

export interface MatchingOptions {
  markets: Map<string, SymbolMarket>;
  clock: Clock;
  faults: Faults;
  behaviour: SimBehaviour;
  bus: EventBus;
  ids: IdSource;
  handlers: MatchingHandlers;
}

/** Renders a tradeOrders / advancedOrders payload (installed by views.ts). */
export type OrderEventRenderer = (
  o: SimOrder,
  type: string,
  now: number,
  match?: MatchInfo,
  oldSize?: number,
) => Record<string, unknown>;
export type StopEventRenderer = (
  o: SimOrder,
  type: string,
  now: number,
  error?: string,
) => Record<string, unknown>;

export class MatchingCore {
  readonly markets: Map<string, SymbolMarket>;
  readonly orders = new Map<string, SimOrder>();
  /** Orders with status open (resting, or untriggered stops): what matching and margin scan each step. */
  readonly openOrders = new Set<SimOrder>();
  /** Fractional lots of synthetic volume carried to the next step, per contract. */
  readonly tapeCarry = new Map<string, number>();
  readonly clock: Clock;
  readonly faults: Faults;
  readonly bus: EventBus;
  readonly ids: IdSource;
  readonly handlers: MatchingHandlers;
  behaviour: SimBehaviour;
  renderOrderEvent: OrderEventRenderer = (o) => ({ orderId: o.id });
  renderStopEvent: StopEventRenderer = (o) => ({ orderId: o.id });

  constructor(opts: MatchingOptions) {
    this.markets = opts.markets;
    this.clock = opts.clock;
    this.faults = opts.faults;
    this.behaviour = opts.behaviour;
    this.bus = opts.bus;
    this.ids = opts.ids;
    this.handlers = opts.handlers;
  }

  market(symbol: string): SymbolMarket {
    const m = this.markets.get(symbol);
    if (!m) throw new SimError('100003', 'Contract parameter invalid');
    return m;
  }
}

/**
 * Why this order cannot enter matching now, if it cannot: outside the price band (300011 / 300012), or
 * what the account refuses (risk limit 300005, margin 300003 isolated / 330008 cross).
 */
export function admissionError(c: MatchingCore, order: SimOrder): SimError | undefined {
  const m = c.market(order.symbol);
  if (order.type === 'limit' && order.price && c.behaviour.priceBand > 0) {
    const band = m.priceBand(c.behaviour.priceBand);
    if (order.side === 'buy' && order.price.gt(band.buyLimit))
      return new SimError('300011', `The order price cannot be higher than ${band.buyLimit.toString()}.`);
    if (order.side === 'sell' && order.price.lt(band.sellLimit))
      return new SimError('300012', `The order price cannot be lower than ${band.sellLimit.toString()}.`);
  }
  if (order.reduceOnly || order.closeOrder) return undefined;
  return c.handlers.accountRefusal(order);
}

/** The `error` a failed stop trigger is pushed with (KUCOIN.md §4.3 advancedOrders, S1 sample). */
function triggerErrorOf(err: SimError): string {
  if (err.code === '300003' || err.code === '330008') return 'error.createOrder.accountBalanceInsufficient';
  // Unconfirmed: KuCoin's texts for a triggered order beyond the risk limit or the price band are in no sample.
  if (err.code === '300005') return 'error.createOrder.riskLimitExceeded';
  return 'error.createOrder.priceLimit';
}

/** Store an order as open (admission, or an order of the liquidation engine). */
export function store(c: MatchingCore, order: SimOrder): void {
  c.orders.set(order.id, order);
  c.openOrders.add(order);
}

/** Admit an order: stops wait for their trigger, the rest go to matching. */
export function admit(c: MatchingCore, order: SimOrder): void {
  store(c, order);
  if (order.stop && !order.stopTriggered) {
    emitStopOrder(c, order, 'open');
    return;
  }
  if (c.behaviour.asyncMatching) {
    // Checked and margin frozen now; matched on a later step (matchPending), pushes after the answer.
    const refused = admissionError(c, order);
    if (refused) {
      forget(c, order);
      throw refused;
    }
    order.isActive = true;
    order.pendingUntil = c.clock.now() + c.behaviour.matchLatencyMs;
    c.handlers.ordersChanged();
    return;
  }
  activate(c, order, true);
}

/** Async matching: accepted orders of this contract whose latency has passed enter matching, oldest first. */
export function matchPending(c: MatchingCore, m: SymbolMarket, now: number): void {
  for (const o of [...c.openOrders]) {
    if (o.symbol !== m.spec.symbol || o.pendingUntil === undefined || o.pendingUntil > now) continue;
    o.pendingUntil = undefined;
    o.isActive = false; // its own frozen margin must not count against it
    try {
      activate(c, o, false);
    } catch {
      // The market moved since acceptance: out of the band or short of margin now.
      finish(c, o, 'canceled', now);
    }
  }
}

/** Margin check, taker matching, then resting / cancelling the remainder. */
export function activate(c: MatchingCore, order: SimOrder, fromRequest: boolean): void {
  const m = c.market(order.symbol);
  const now = c.clock.now();
  const qty = c.handlers.positionQty(order.symbol);
  if (order.closeOrder) {
    order.side = qty < 0 ? 'buy' : 'sell';
    order.size = Math.abs(qty);
  }
  const refused = admissionError(c, order);
  if (refused) {
    if (fromRequest) forget(c, order);
    throw refused;
  }
  if (order.reduceOnly) {
    const reducible =
      (order.side === 'buy' && qty < 0) || (order.side === 'sell' && qty > 0) ? Math.abs(qty) : 0;
    if (reducible === 0) {
      if (fromRequest) forget(c, order);
      if (fromRequest) throw new SimError('300009', 'No open positions to close.');
      finish(c, order, 'canceled', now);
      return;
    }
    if (order.size > reducible) order.canceledSize = order.size - reducible;
  }
  const limitTick = order.price ? m.priceToTick(order.price) : null;
  // The best opposite price: the synthetic book's or one of the user's own resting orders'.
  const own = restingOrders(c, order.symbol, order.side === 'buy' ? 'sell' : 'buy')[0];
  const ownTick = own ? m.priceToTick(own.price!) : undefined;
  const crosses =
    limitTick === null ||
    (order.side === 'buy'
      ? Math.min(m.bestAsk()?.tick ?? Infinity, ownTick ?? Infinity) <= limitTick
      : Math.max(m.bestBid()?.tick ?? -Infinity, ownTick ?? -Infinity) >= limitTick);
  if (order.postOnly && crosses) {
    emitOrder(c, order, 'open', now);
    finish(c, order, 'canceled', now);
    return;
  }
  order.isActive = true;
  if (!crosses) emitOrder(c, order, 'open', now);
  if (crosses) take(c, order, m, limitTick, now);
  if (order.status === 'done') {
    c.handlers.bookChanged(m, now);
    return;
  }
  if (order.type === 'market' || order.timeInForce === 'IOC') {
    finish(c, order, 'canceled', now);
  } else {
    // It rests: behind whatever is displayed at its price already (price-time priority).
    order.queueAhead = c.behaviour.queuePriority
      ? syntheticSizeAt(m, order.side, m.priceToTick(order.price!))
      : 0;
    if (crosses) emitOrder(c, order, 'open', now);
  }
  c.handlers.ordersChanged();
  c.handlers.bookChanged(m, now);
}

/** Walk the synthetic opposite side up to the limit (the user's own orders are never matched). */
export function take(
  c: MatchingCore,
  order: SimOrder,
  m: SymbolMarket,
  limitTick: number | null,
  now: number,
): void {
  const buy = order.side === 'buy';
  const levels = buy ? m.asks : m.bids;
  // The user's own resting orders on the other side meet the taker too, after the synthetic size at
  // their price (it was displayed first); `stp` decides what happens then.
  const own = restingOrders(c, order.symbol, buy ? 'sell' : 'buy');
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
      c.handlers.fill(order, lots, price, 'taker', now);
    }
    for (const mine of ownAt.get(tick) ?? []) if (!selfTrade(c, order, mine, price, now)) return;
  }
}

/**
 * The taker meets one of the user's own resting orders (KUCOIN.md §3.4 `stp`): CN cancels the taker, CO
 * the resting order, CB both; without `stp` they trade with each other (two fills, both fees). Returns
 * whether the taker goes on.
 */
function selfTrade(c: MatchingCore, taker: SimOrder, maker: SimOrder, price: Decimal, now: number): boolean {
  if (taker.status === 'done') return false;
  if (taker.stp === 'CO' || taker.stp === 'CB') finish(c, maker, 'canceled', now);
  if (taker.stp === 'CN' || taker.stp === 'CB') {
    finish(c, taker, 'canceled', now);
    return false;
  }
  if (taker.stp === 'CO') return true;
  const lots = Math.min(
    taker.size - taker.filledSize - taker.canceledSize,
    maker.size - maker.filledSize - maker.canceledSize,
  );
  if (lots <= 0) return true;
  c.handlers.fill(maker, lots, price, 'maker', now);
  c.handlers.fill(taker, lots, price, 'taker', now);
  return true;
}

/** Mark an order done (filled or cancelled) and push the final event. */
export function finish(c: MatchingCore, order: SimOrder, how: 'filled' | 'canceled', now: number): void {
  if (order.status === 'done') return;
  const left = order.size - order.filledSize - order.canceledSize;
  if (how === 'canceled' && left > 0) order.canceledSize += left;
  if (order.canceledSize > 0) order.cancelExist = true;
  order.status = 'done';
  c.openOrders.delete(order);
  order.isActive = false;
  order.endAt = now;
  order.updatedAt = now;
  c.handlers.ordersChanged();
  emitOrder(c, order, order.filledSize >= order.size ? 'filled' : how, now);
}

/** Cancel an order or an untriggered stop, with the matching push. */
export function cancelOrderObject(c: MatchingCore, order: SimOrder, now: number): void {
  if (order.status === 'done') return;
  if (order.stop && !order.stopTriggered) {
    endStop(c, order, now);
    emitStopOrder(c, order, 'cancel');
    return;
  }
  finish(c, order, 'canceled', now);
}

/** A stop that never became an order (cancelled, or its trigger failed) is done with its size cancelled. */
function endStop(c: MatchingCore, order: SimOrder, now: number): void {
  order.canceledSize = order.size - order.filledSize;
  order.cancelExist = true;
  order.status = 'done';
  order.isActive = false;
  c.openOrders.delete(order);
  order.endAt = now;
  order.updatedAt = now;
  c.handlers.ordersChanged();
}

/** DELETE /orders/{id}; works for stop orders too. */
export function cancelOrder(c: MatchingCore, id: string): string[] {
  const o = c.orders.get(id);
  // KuCoin: an id it never issued is a parameter error; a done order cannot be cancelled.
  if (!o) throw new SimError('100001', 'The order does not exist.');
  if (o.status === 'done') throw new SimError('100004', 'The order cannot be canceled.');
  const now = c.clock.now();
  cancelOrderObject(c, o, now);
  c.handlers.bookChanged(c.market(o.symbol), now);
  return [id];
}

/** The latest order with this clientOid (optionally of one symbol). */
export function findByClientOid(c: MatchingCore, clientOid: string, symbol?: string): SimOrder | undefined {
  let found: SimOrder | undefined;
  for (const o of c.orders.values())
    if (o.clientOid === clientOid && (!symbol || o.symbol === symbol)) found = o;
  return found;
}

/** Cancel every active (non-stop, or only stop) order, optionally of one symbol. */
export function cancelAll(c: MatchingCore, symbol: string | undefined, stops: boolean): string[] {
  if (symbol) c.market(symbol);
  const now = c.clock.now();
  const ids: string[] = [];
  for (const o of [...c.openOrders]) {
    if (o.status === 'done' || (symbol && o.symbol !== symbol)) continue;
    const isStop = !!o.stop && !o.stopTriggered;
    if (isStop !== stops) continue;
    cancelOrderObject(c, o, now);
    ids.push(o.id);
  }
  for (const m of c.markets.values()) c.handlers.bookChanged(m, now);
  return ids;
}

/** Trigger stops whose reference price (last, mark or index) crossed the stop price. */
export function triggerStops(c: MatchingCore, now: number): void {
  for (const o of [...c.openOrders]) {
    if (!o.stop || o.stopTriggered || o.status === 'done') continue;
    const m = c.market(o.symbol);
    const ref = o.stopPriceType === 'MP' ? m.mark : o.stopPriceType === 'IP' ? m.index : m.last;
    const hit = o.stop === 'up' ? ref.gte(o.stopPrice!) : ref.lte(o.stopPrice!);
    if (!hit) continue;
    o.stopTriggered = true;
    o.updatedAt = now;
    if (o.closeOrder) o.side = c.handlers.positionQty(o.symbol) < 0 ? 'buy' : 'sell';
    const refused = admissionError(c, o);
    const error = c.faults.takeStopTriggerFailure() ?? (refused ? triggerErrorOf(refused) : undefined);
    if (error) {
      // The trigger fired but the order could not be created: one push with `error`, no order events.
      endStop(c, o, now);
      emitStopOrder(c, o, 'triggered', error);
      continue;
    }
    emitStopOrder(c, o, 'triggered');
    try {
      activate(c, o, false);
    } catch {
      finish(c, o, 'canceled', now);
    }
  }
}

/** Synthetic volume prints as public trades; it fills the user's top-of-book orders first. */
export function runTape(c: MatchingCore, m: SymbolMarket, volume: number, side: Side, now: number): void {
  const carry = (c.tapeCarry.get(m.spec.symbol) ?? 0) + volume / m.spec.multiplier.toNumber();
  let lots = Math.floor(carry);
  c.tapeCarry.set(m.spec.symbol, carry - lots);
  if (lots <= 0) return;
  const top = side === 'sell' ? m.bestBid() : m.bestAsk();
  if (!top) return;
  const resting = restingOrders(c, m.spec.symbol, side === 'sell' ? 'buy' : 'sell').filter((o) =>
    side === 'sell' ? o.price!.gte(m.tickToPrice(top.tick)) : o.price!.lte(m.tickToPrice(top.tick)),
  );
  for (const o of resting) {
    if (lots <= 0) break;
    // The displayed lots ahead at its price trade first (they print as public trades).
    const ahead = queueAt(c, m, o);
    const used = Math.min(lots, ahead);
    o.queueAhead = ahead - used;
    if (used > 0) c.handlers.trade(m, o.price!, used, side, now, '', '');
    lots -= used;
    if (lots <= 0) break;
    const take = Math.min(lots, o.size - o.filledSize - o.canceledSize);
    c.handlers.fill(o, take, o.price!, 'maker', now);
    lots -= take;
  }
  if (lots > 0) c.handlers.trade(m, m.tickToPrice(top.tick), Math.min(lots, top.size), side, now, '', '');
}

/** The market moved through a resting user order: it fills as maker at its own price. */
export function crossThrough(c: MatchingCore, m: SymbolMarket, now: number): void {
  for (const side of ['buy', 'sell'] as const) {
    for (const o of restingOrders(c, m.spec.symbol, side)) {
      const opp = side === 'buy' ? m.asks : m.bids;
      let remaining = o.size - o.filledSize - o.canceledSize;
      const limitTick = m.priceToTick(o.price!);
      for (const level of [...opp]) {
        if (remaining <= 0) break;
        if (side === 'buy' ? level.tick > limitTick : level.tick < limitTick) break;
        let size = level.size;
        if (level.tick === limitTick) {
          // Touching, not through: the queue ahead at this price trades against the level first.
          const ahead = queueAt(c, m, o);
          const used = Math.min(size, ahead);
          o.queueAhead = ahead - used;
          if (used > 0) m.consume(side === 'buy' ? 'ask' : 'bid', level.tick, used, now);
          size -= used;
          if (size <= 0) break;
        }
        const lots = Math.min(size, remaining);
        m.consume(side === 'buy' ? 'ask' : 'bid', level.tick, lots, now);
        c.handlers.fill(o, lots, o.price!, 'maker', now);
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
function queueAt(c: MatchingCore, m: SymbolMarket, o: SimOrder): number {
  if (!c.behaviour.queuePriority || !o.queueAhead) return 0;
  return Math.min(o.queueAhead, syntheticSizeAt(m, o.side, m.priceToTick(o.price!)));
}

/** The user's resting limit orders on one side, in price-time priority. */
export function restingOrders(c: MatchingCore, symbol: string, side: Side): SimOrder[] {
  const out: SimOrder[] = [];
  for (const o of c.openOrders)
    if (o.isActive && o.pendingUntil === undefined && o.symbol === symbol && o.side === side && o.price)
      out.push(o);
  return out.sort((a, b) =>
    side === 'buy'
      ? b.price!.cmp(a.price!) || a.createdAt - b.createdAt
      : a.price!.cmp(b.price!) || a.createdAt - b.createdAt,
  );
}

/** The displayed book in ticks: synthetic levels plus the user's visible resting orders, best first. */
export function displayedTicks(
  c: MatchingCore,
  m: SymbolMarket,
  limit = Number.POSITIVE_INFINITY,
): { bids: [number, number][]; asks: [number, number][] } {
  const merge = (side: 'bid' | 'ask'): [number, number][] => {
    const levels = side === 'bid' ? m.bids : m.asks;
    const resting = restingOrders(c, m.spec.symbol, side === 'bid' ? 'buy' : 'sell').filter((o) => !o.hidden);
    if (resting.length === 0) return levels.slice(0, limit).map((l) => [l.tick, l.size]);
    const map = new Map<number, number>();
    for (const l of levels) map.set(l.tick, l.size);
    for (const o of resting) {
      const left = o.size - o.filledSize - o.canceledSize;
      const shown = o.iceberg ? Math.min(o.visibleSize ?? left, left) : left;
      const t = Math.round(m.priceToTick(o.price!));
      map.set(t, (map.get(t) ?? 0) + shown);
    }
    const ticks = [...map.keys()].sort((a, b) => (side === 'bid' ? b - a : a - b));
    return ticks.slice(0, limit).map((t) => [t, map.get(t)!]);
  };
  return { bids: merge('bid'), asks: merge('ask') };
}

/**
 * After the position changed: resting reduce-only orders larger than what is left to reduce shrink to it
 * (an `update` push with `oldSize`), and are cancelled when nothing is left.
 */
export function shrinkReduceOnly(c: MatchingCore, symbol: string, now: number): void {
  const qty = c.handlers.positionQty(symbol);
  for (const o of [...c.openOrders]) {
    if (o.symbol !== symbol || !o.isActive || !o.reduceOnly || o.status === 'done') continue;
    const reducible = (o.side === 'buy' && qty < 0) || (o.side === 'sell' && qty > 0) ? Math.abs(qty) : 0;
    const left = o.size - o.filledSize - o.canceledSize;
    if (left <= reducible) continue;
    if (reducible === 0) {
      finish(c, o, 'canceled', now);
      continue;
    }
    const oldSize = o.size - o.canceledSize;
    o.canceledSize += left - reducible;
    o.updatedAt = now;
    emitOrder(c, o, 'update', now, undefined, oldSize);
  }
}

/** Push a tradeOrders event on the all-symbol and the per-symbol topic. */
export function emitOrder(
  c: MatchingCore,
  order: SimOrder,
  type: string,
  now: number,
  match?: MatchInfo,
  oldSize?: number,
): void {
  const data = c.renderOrderEvent(order, type, now, match, oldSize);
  c.bus.emit({ channel: 'private', topic: '/contractMarket/tradeOrders', subject: 'orderChange', data });
  c.bus.emit({
    channel: 'private',
    topic: `/contractMarket/tradeOrders:${order.symbol}`,
    subject: 'symbolOrderChange',
    data,
  });
}

/** Push an advancedOrders (stopOrder) event; a failed trigger carries `error`. */
export function emitStopOrder(
  c: MatchingCore,
  order: SimOrder,
  type: 'open' | 'triggered' | 'cancel',
  error?: string,
): void {
  c.bus.emit({
    channel: 'private',
    topic: '/contractMarket/advancedOrders',
    subject: 'stopOrder',
    data: c.renderStopEvent(order, type, c.clock.now(), error),
  });
}

/** Drop an order rejected during admission: it never existed for the client. */
function forget(c: MatchingCore, order: SimOrder): void {
  c.orders.delete(order.id);
  c.openOrders.delete(order);
}
