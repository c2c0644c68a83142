import { applyReport, isTerminal, type OrderState, transition } from '@enigma/core/engine/order-state';
import {
  CANCEL_REQUESTED,
  claimIntentSend,
  closeUnsentIntent,
  type EnigmaDb,
  getOrderByClientOid,
  insertFencedOrderIntent,
  insertRiskEvent,
  type OrderPatch,
  type OrderPurpose,
  type OrderRow,
  requestIntentCancel,
  updateOrder,
} from '@enigma/db';
import Decimal from 'decimal.js';
import {
  DuplicateClientOidError,
  KucoinError,
  KucoinNetworkError,
  OrderNotFoundError,
  OrderOutcomeUnknownError,
} from '../exchange/kucoin/errors.ts';
import type { PlaceOrderRequest } from '../exchange/kucoin/orders.ts';
import type { parseOrderChange } from '../exchange/kucoin/ws-parse.ts';
import type { Order } from '../exchange/types.ts';
import { inSignalTrace } from '../runtime/tracing.ts';
import type { EngineContext } from './context.ts';
import { MarginModes } from './margin-modes.ts';

/** Everything needed to send one order, decided before anything is written. */
export interface OrderSpec {
  clientOid: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  size: number;
  price?: Decimal;
  reduceOnly: boolean;
  leverage?: number;
  marginMode?: 'ISOLATED' | 'CROSS';
  purpose: OrderPurpose;
  /** a conditional (stop) order: triggers on the mark price */
  stop?: { direction: 'up' | 'down'; price: Decimal };
  timeInForce?: 'GTC' | 'IOC';
  /** a maker-only limit (the chase): refused by the exchange rather than taking liquidity */
  postOnly?: boolean;
  /** a native iceberg showing this many lots */
  visibleSize?: number;
  /** the router's style and decision-time figures, stored with the row (execution quality) */
  execStyle?: string;
  decisionMid?: string;
  estCostBps?: string | null;
  signalId?: string | null;
  commandId?: string | null;
  intentId?: string | null;
}

/** How long an order's pushes are kept for a follower that has not asked for them (ms). */
const PUSH_KEEP_MS = 60_000;
/**
 * How long an order naming no margin mode waits for the contract's mode to be read before it goes without
 * one (ms): between its committed intent and the wire, so counted in an intent's `mayArriveUntil`.
 */
const MODE_READ_WAIT_MS = 2_000;

interface PushedOrder {
  /** when its first push arrived (engine clock) */
  at: number;
  size: number;
  filledSize: number;
  /** lots and price × lots of the match pushes seen */
  matched: number;
  value: Decimal;
  done: boolean;
  doneAt: number | null;
}

/**
 * The order discipline: the intent row (with its deterministic clientOid and the lease's fence) is
 * committed BEFORE the request goes on the wire; the answer moves the row through the state table; a
 * lost answer leaves it `unknown` and it is resolved by looking the clientOid up, never by sending again.
 */
export class Executor {
  /** Each contract's margin mode at the exchange: switched before an opening order in the other mode. */
  readonly marginModes: MarginModes;

  /**
   * Requests on the wire in this process, by clientOid. Their rows say `intent` until answered, so any
   * other path that meets such a row (a resumed signal, reconciliation) waits for this answer instead of
   * looking it up and sending it a second time.
   */
  private readonly inFlight = new Map<string, Promise<OrderRow>>();
  /**
   * Answers not written yet, by order row id (`deferAnswer`): an order that settles at once (a market or
   * IOC order) has its answer written with its done report, one write instead of two, and off the path
   * of the next leg. The row stays `intent` in the database meanwhile, as while its request was in
   * flight: after a crash the clientOid is looked up before anything is sent, never sent again.
   */
  private readonly answers = new Map<
    string,
    { patch: OrderPatch; db: EnigmaDb; wake: AbortController; row: OrderRow }
  >();
  /** Crash-left intents asked to be cancelled, followed until they land or can no longer (row ids). */
  private readonly following = new Set<string>();
  /** `committedHere`'s rows not sent yet (ids). */
  private readonly ownUnsent = new Set<string>();
  /** Intents asked to be cancelled (row id → the cancel's reason): never sent by this process. */
  private readonly cancelRequested = new Map<string, string>();
  /** aborted when the engine stops */
  private readonly closing = new AbortController();
  /** `whenDone`'s figures by order row id. */
  private readonly atDone = new Map<string, (done: OrderRow) => OrderPatch>();

  /**
   * What the private socket reported of each order (by exchange id): the lots its match pushes carried
   * and whether it is done. A followed order's done report is taken from here when it is whole (every
   * filled lot seen in a match), saving the REST look-up; otherwise the order is asked for over REST.
   * Entries nobody asks for are forgotten after a minute.
   */
  private readonly pushed = new Map<string, PushedOrder>();

  /** Followers waiting for an order's done push (exchange id → wake-up). */
  private readonly pushWaiters = new Map<string, AbortController>();
  /**
   * How long a follower waits for the done push before asking over REST (0: it does not wait; set by the
   * engine once its private socket is up).
   */
  pushWaitMs = 0;

  constructor(private readonly ctx: EngineContext) {
    this.marginModes = new MarginModes(ctx);
  }

  /** A private `tradeOrders` push (the engine's socket hands every one over). */
  onOrderPush(o: ReturnType<typeof parseOrderChange>): void {
    const now = this.ctx.clock.now();
    let p = this.pushed.get(o.orderId);
    if (!p) {
      p = {
        at: now,
        size: o.size,
        filledSize: 0,
        matched: 0,
        value: new Decimal(0),
        done: false,
        doneAt: null,
      };
      this.pushed.set(o.orderId, p);
    }
    if (o.match) {
      p.matched += o.match.size;
      p.value = p.value.plus(o.match.price.mul(o.match.size));
    }
    p.filledSize = Math.max(p.filledSize, o.filledSize);
    if (o.status === 'done') {
      p.done = true;
      p.doneAt = o.time;
      this.pushWaiters.get(o.orderId)?.abort();
    }
    for (const [id, old] of this.pushed) {
      if (now - old.at <= PUSH_KEEP_MS) break;
      this.pushed.delete(id);
    }
  }

  /** Wait up to `pushWaitMs` for an order's done push (at once when it came, or no socket). */
  private async donePushed(exchangeOrderId: string | null): Promise<void> {
    if (!exchangeOrderId || this.pushWaitMs <= 0 || this.pushed.get(exchangeOrderId)?.done) return;
    const wake = new AbortController();
    this.pushWaiters.set(exchangeOrderId, wake);
    try {
      await this.ctx.clock.sleep(this.pushWaitMs, wake.signal);
    } finally {
      if (this.pushWaiters.get(exchangeOrderId) === wake) this.pushWaiters.delete(exchangeOrderId);
    }
  }

  /**
   * A followed order's done report from its pushes, when they are whole: done, the same size, and every
   * filled lot seen in a match (so the average fill price is exact). Null otherwise (asked over REST).
   */
  private async fromPushes(row: OrderRow): Promise<OrderRow | null> {
    if (!row.exchangeOrderId) return null;
    const p = this.pushed.get(row.exchangeOrderId);
    if (!p?.done || p.size !== row.size || p.matched !== p.filledSize || p.filledSize < row.filledSize)
      return null;
    this.pushed.delete(row.exchangeOrderId);
    const next = reportedState(row, row.size, p.filledSize, true);
    if (next === null) return null;
    const { ctx } = this;
    ctx.metrics.orderReports.inc({ source: 'push' });
    return this.saveReport(row, {
      status: next,
      filledSize: p.filledSize,
      avgFillPrice: p.matched > 0 ? p.value.div(p.matched).toFixed() : null,
      doneAt: new Date(p.doneAt ?? ctx.clock.now()),
    });
  }

  /**
   * Send `spec` once. A repeat with the same clientOid (after a crash, a redelivery) sends nothing when
   * the order already exists in the database: it is brought up to date from the exchange instead. An
   * intent that never reached the exchange (looked up, not found) is sent with the same clientOid.
   */
  async submit(spec: OrderSpec, onWire?: () => void): Promise<OrderRow> {
    const { ctx } = this;
    ctx.point('before_intent', { clientOid: spec.clientOid, symbol: spec.symbol });
    // One statement: the lease's fence checked and the intent row written together (a stale fence throws).
    const { order, created } = await insertFencedOrderIntent(ctx.db, ctx.lease, {
      accountId: ctx.accountId,
      clientOid: spec.clientOid,
      signalId: spec.signalId ?? null,
      commandId: spec.commandId ?? null,
      intentId: spec.intentId ?? null,
      symbol: spec.symbol,
      side: spec.side,
      purpose: spec.purpose,
      type: spec.stop ? (spec.type === 'limit' ? 'stop_limit' : 'stop_market') : spec.type,
      price: spec.price?.toFixed() ?? null,
      stopPrice: spec.stop?.price.toFixed() ?? null,
      stopPriceType: spec.stop ? 'MP' : null,
      size: spec.size,
      leverage: spec.leverage !== undefined ? String(spec.leverage) : null,
      marginMode: spec.marginMode ?? null,
      reduceOnly: spec.reduceOnly,
      timeInForce: spec.timeInForce ?? null,
      execStyle: spec.execStyle ?? null,
      decisionMid: spec.decisionMid ?? null,
      estCostBps: spec.estCostBps ?? null,
    });
    ctx.state.track(order);
    ctx.point('after_intent', { clientOid: spec.clientOid, symbol: spec.symbol });
    const sending = this.inFlight.get(spec.clientOid);
    if (sending) return sending;
    if (!created) {
      if (order.status !== 'intent') return this.refresh(order);
      // An intent from an earlier run: send only if the exchange has never seen it.
      const found = await this.lookup(order);
      if (found !== 'absent') return found;
      // …which a look-up can tell only while KuCoin still finds the clientOid (a done order: 7 days).
      const age = ctx.clock.now() - order.createdAt.getTime();
      if (age > CLIENT_OID_TRUSTED_MS) return this.tooOldToSend(order, age);
      // Written by another run (or before this one's restart): a request of it that run sent may still be
      // on its way (a gateway's queue, a paused process), and KuCoin refuses a repeated clientOid only
      // while the first order is live — a market order or an IOC would execute twice. Sent only once none
      // can land any more; one that lands meanwhile is followed, never sent again.
      if (!this.ownUnsent.has(order.id)) {
        const landed = await this.untilCannotLand(order);
        if (landed) return landed;
      }
    }
    return this.send(order, spec, onWire);
  }

  /**
   * A crash-left intent older than a look-up can vouch for: "absent" no longer means "never sent" (KuCoin
   * finds a done order by clientOid for 7 days), so it is not sent — a reduce-only close sent again could
   * close a later position — but closed `not_sent` with a critical risk event for the operator
   * (reconciliation takes the position as the exchange reports it).
   */
  private async tooOldToSend(order: OrderRow, ageMs: number): Promise<OrderRow> {
    const { ctx } = this;
    const days = (ageMs / 86_400_000).toFixed(1);
    const why = `intent_too_old: written ${days} days ago, past the ${CLIENT_OID_TRUSTED_MS / 86_400_000} days a clientOid look-up can tell whether it was sent`;
    ctx.log.error({ clientOid: order.clientOid, ageMs }, 'crash-left intent too old to send: given up');
    await insertRiskEvent(ctx.db, {
      accountId: ctx.accountId,
      signalId: order.signalId,
      code: 'intent_too_old',
      severity: 'critical',
      message: `${order.symbol} ${order.side} ${order.size} (${order.purpose}, ${order.clientOid}): ${why}; not sent — check the exchange's order history`,
      data: { symbol: order.symbol, clientOid: order.clientOid, ageMs },
    }).catch((error) => ctx.log.warn({ err: error }, 'risk event not written'));
    return this.abandon(order, why);
  }

  /**
   * Send an order whose `intent` row a decision has just committed (the signal's one statement), the
   * fast path: no write between the commit and the wire.
   */
  sendIntent(order: OrderRow, spec: OrderSpec, onWire?: () => void): Promise<OrderRow> {
    this.ctx.state.track(order);
    return this.send(order, spec, onWire, this.ctx.decisionDb);
  }

  /**
   * The row stays `intent` while the request is in flight (`submitting` exists in memory only): after a
   * crash here the restarted engine looks the clientOid up before it sends anything, exactly as for a
   * row that was never sent, so no write is spent between the commit and the wire.
   */
  private send(
    order: OrderRow,
    spec: OrderSpec,
    onWire?: () => void,
    db: EnigmaDb = this.ctx.db,
  ): Promise<OrderRow> {
    const running = this.inFlight.get(spec.clientOid);
    if (running) return running;
    // Asked to be cancelled while an intent (by this process, or marked on its row by an earlier one):
    // never sent; given up once no earlier request of it can land (one that lands is followed, and the
    // cancel's follow cancels it).
    const own = this.ownUnsent.delete(order.id);
    const cancel = this.cancelRequested.get(order.id) ?? cancelRequestOf(order);
    // (one this process wrote and never sent: nobody can have sent it)
    if (cancel !== null && own) return this.abandon(order, cancel);
    if (cancel !== null)
      return this.abandonUnlessSent(order, cancel).then((r) => ('sent' in r ? r.sent : r.abandoned));
    const p = this.sendOnce(order, spec, onWire, db).finally(() => this.inFlight.delete(spec.clientOid));
    this.inFlight.set(spec.clientOid, p);
    return p;
  }

  private async sendOnce(
    order: OrderRow,
    spec: OrderSpec,
    onWire: (() => void) | undefined,
    db: EnigmaDb,
  ): Promise<OrderRow> {
    const { ctx } = this;
    let row: OrderRow = { ...order, status: transition(order.status as OrderState, 'submit') };
    // The send window counts from the row's creation; a send that begins later (a resumed intent, a leg
    // sent after an earlier one was followed) records when it began first, so the rule by which a
    // crash-left intent is given up (`mayArriveUntil`) counts from there too.
    let windowFrom = sendStartOf(order);
    if (ctx.clock.now() - windowFrom > LATE_SEND_MS) {
      const claimed = await this.claimSend(order, db);
      // closed, answered, sent by another path or asked to be cancelled meanwhile: not sent
      if (!claimed) return this.current(order);
      row = { ...claimed, status: row.status };
      windowFrom = claimed.submittedAt!.getTime();
    }
    // Every order names the contract's margin mode: one without is an ISOLATED order to KuCoin, refused
    // on a CROSS contract (330005), so a reduce-only close of a cross position would never go through.
    // A mode not held is read for at most MODE_READ_WAIT_MS (counted in `mayArriveUntil`): the intent is
    // committed, and a close, a stop or a flatten goes without one rather than wait on the read's retries.
    const marginMode = spec.marginMode ?? (await this.marginModes.modeOf(spec.symbol, MODE_READ_WAIT_MS));
    let submittedAt = new Date(ctx.clock.now());
    const request: PlaceOrderRequest = {
      clientOid: spec.clientOid,
      symbol: spec.symbol,
      side: spec.side,
      type: spec.type,
      size: spec.size,
      ...(spec.price ? { price: spec.price } : {}),
      ...(spec.leverage !== undefined ? { leverage: spec.leverage } : {}),
      ...(marginMode ? { marginMode } : {}),
      ...(spec.reduceOnly ? { reduceOnly: true } : {}),
      ...(spec.timeInForce && spec.type === 'limit' ? { timeInForce: spec.timeInForce } : {}),
      ...(spec.postOnly && spec.type === 'limit' ? { postOnly: true } : {}),
      ...(spec.visibleSize !== undefined && spec.type === 'limit'
        ? { iceberg: true, visibleSize: spec.visibleSize }
        : {}),
      ...(spec.stop
        ? { stop: { direction: spec.stop.direction, price: spec.stop.price, priceType: 'MP' as const } }
        : {}),
    };
    ctx.point('before_send', { clientOid: spec.clientOid, symbol: spec.symbol });
    try {
      onWire?.();
      let ack: { orderId: string };
      for (;;) {
        const sendWithinMs = windowFrom + ctx.tuning.orderSendWindowMs - submittedAt.getTime();
        if (sendWithinMs <= 0)
          throw new KucoinNetworkError(
            `its send window (${ctx.tuning.orderSendWindowMs} ms) passed before it reached the wire`,
            false,
          );
        let holdMs: number;
        try {
          // In the signal's trace even when sent from outside its call chain (a fill's protective stop).
          ack = await inSignalTrace(order.signalId, () =>
            ctx.kucoin.trade.placeOrder(request, { sendWithinMs }),
          );
          break;
        } catch (error) {
          if (!(error instanceof KucoinNetworkError) || error.sent || error.holdMs === undefined) throw error;
          holdMs = error.holdMs;
        }
        // Not sent: the rate limit would have held it past its window. It waits here as it would have
        // there (a close or a stop is delayed, never dropped), then goes in a new window from a recorded
        // start — unless it was closed or asked to be cancelled meanwhile.
        ctx.log.warn(
          { clientOid: spec.clientOid, holdMs },
          'order held by the rate limit past its send window: waiting',
        );
        await ctx.clock.sleep(holdMs);
        const claimed = await this.claimSend(row, db);
        if (!claimed) {
          row = await this.current(order);
          this.announce(row);
          return row;
        }
        row = { ...claimed, status: row.status };
        windowFrom = claimed.submittedAt!.getTime();
        submittedAt = new Date(ctx.clock.now());
      }
      ctx.point('after_answer', { clientOid: spec.clientOid, symbol: spec.symbol });
      ctx.exchangeOutcome(true);
      const answer = { status: 'open' as const, exchangeOrderId: ack.orderId, submittedAt };
      row = settlesAtOnce(spec) ? this.deferAnswer(row, answer, db) : await this.save(row.id, answer, db);
      ctx.metrics.orders.inc({ purpose: spec.purpose, outcome: 'accepted' });
    } catch (error) {
      row = await this.onSendError(row, spec, error, submittedAt);
    }
    this.announce(row);
    return row;
  }

  private async onSendError(
    row: OrderRow,
    spec: OrderSpec,
    error: unknown,
    submittedAt: Date,
  ): Promise<OrderRow> {
    const { ctx } = this;
    if (error instanceof DuplicateClientOidError) {
      // The exchange already has this clientOid: it is ours from an earlier attempt. (Looked up at the
      // exchange: this send is the one in flight for it, and waiting for itself it would never end.)
      const found = await this.lookupAtExchange(row);
      if (found !== 'absent') return found;
    }
    // The contract's mode changed behind our back: read again before the next order.
    if (error instanceof KucoinError && error.kind === 'marginModeMismatch')
      this.marginModes.forget(spec.symbol);
    if (
      error instanceof KucoinError &&
      !(error.kind === 'exchangeUnavailable' || error.kind === 'rateLimited')
    ) {
      // A business refusal is an answer, not an exchange failure: it does not count toward the error rate.
      ctx.exchangeOutcome(true);
      ctx.metrics.orders.inc({ purpose: spec.purpose, outcome: 'rejected' });
      ctx.log.warn(
        { clientOid: spec.clientOid, code: error.code, err: error.message },
        'order rejected by the exchange',
      );
      return this.save(row.id, {
        status: 'rejected',
        reason: `exchange_${error.code}: ${error.exchangeMessage}`.slice(0, 500),
        submittedAt,
        doneAt: new Date(ctx.clock.now()),
      });
    }
    if (error instanceof KucoinNetworkError && !error.sent) {
      ctx.exchangeOutcome(false);
      ctx.metrics.orders.inc({ purpose: spec.purpose, outcome: 'not_sent' });
      return this.save(row.id, {
        status: 'rejected',
        reason: `not_sent: ${error.message}`.slice(0, 500),
        doneAt: new Date(ctx.clock.now()),
      });
    }
    // Lost answer, 5xx after sending, an unresolved lookup: the outcome is unknown, never a failure.
    ctx.exchangeOutcome(false);
    ctx.metrics.orders.inc({ purpose: spec.purpose, outcome: 'unknown' });
    ctx.log.warn(
      {
        clientOid: spec.clientOid,
        err: error instanceof Error ? error.message : String(error),
        unresolved: error instanceof OrderOutcomeUnknownError,
      },
      'order outcome unknown: left to reconciliation (looked up by clientOid, never re-sent)',
    );
    return this.save(row.id, {
      // When its request went out (the client may have held it for its rate-limit window, or repeated it
      // after a refusal before processing): the time from which it may still arrive is counted from there.
      submittedAt:
        error instanceof OrderOutcomeUnknownError
          ? new Date(submittedAt.getTime() + error.sentAfterMs)
          : submittedAt,
      status: transition(row.status as OrderState, 'lost'),
      reason: `outcome_unknown: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
    });
  }

  /**
   * Look an order up by its clientOid and bring the row up to date. 'absent' when the exchange has never
   * seen it (only then may an intent be sent).
   */
  async lookup(row: OrderRow): Promise<OrderRow | 'absent'> {
    const sending = this.inFlight.get(row.clientOid);
    if (sending) return sending;
    return this.lookupAtExchange(row);
  }

  /** `lookup` at the exchange itself (the send in flight here is the caller's own: not waited for). */
  private async lookupAtExchange(row: OrderRow): Promise<OrderRow | 'absent'> {
    const { ctx } = this;
    let found: Order | null;
    try {
      found = await ctx.kucoin.trade.orderByClientOid(row.clientOid);
    } catch (error) {
      if (isOrderAbsent(error)) found = null;
      else throw error;
    }
    if (!found) return 'absent';
    return this.applyExchangeOrder(row, found);
  }

  /**
   * Bring one row up to date from the exchange (by id, or by clientOid when the id is unknown).
   * `canceledReason`: written with the report when it says canceled (a cancel's own write, not a second).
   */
  async refresh(row: OrderRow, canceledReason?: string): Promise<OrderRow> {
    const { ctx } = this;
    if (row.status === 'filled' || row.status === 'canceled' || row.status === 'rejected') return row;
    if (!row.exchangeOrderId) {
      const found = await this.lookup(row);
      if (found !== 'absent') return found;
      // Not at the exchange (yet): an intent, or a lost request that may still arrive or never will.
      if (row.status === 'intent' || ctx.clock.now() < this.mayArriveUntil(row)) return row;
      return this.save(row.id, {
        status: 'rejected',
        reason:
          'not_at_exchange: the request never reached the exchange (looked up by clientOid past its timeout and grace)',
        doneAt: new Date(ctx.clock.now()),
      });
    }
    let found: Order | null = null;
    try {
      found = await ctx.kucoin.trade.order(row.exchangeOrderId);
    } catch (error) {
      if (!isOrderAbsent(error)) throw error;
    }
    if (!found) return row;
    return this.applyExchangeOrder(row, found, canceledReason);
  }

  /**
   * Until when an order the exchange does not know may still appear there: its request could be in
   * flight until its last send + the KuCoin client's request timeout (an answer lost or failed sooner
   * says nothing about the request itself), and a gateway queue may place it a little after its client
   * gave up (`unknownOrderGraceMs`). An answered or lost request's row holds its last send time; an
   * `intent` (a crash before its answer) only when its send began: no request of it goes on the wire past
   * `orderSendWindowMs` from there (the client's send window). Read from the row alone, so a row from the
   * database (after a restart) and the row in memory are judged alike.
   */
  private mayArriveUntil(row: OrderRow): number {
    const lastSend =
      row.status === 'intent' || !row.submittedAt
        ? sendStartOf(row) + this.ctx.tuning.orderSendWindowMs
        : row.submittedAt.getTime();
    return lastSend + this.ctx.kucoin.requestTimeoutMs + this.ctx.tuning.unknownOrderGraceMs;
  }

  private async applyExchangeOrder(row: OrderRow, o: Order, canceledReason?: string): Promise<OrderRow> {
    const { ctx } = this;
    // A report about a finished order (a late REST answer after the socket's fill) changes nothing.
    if (row.status === 'filled' || row.status === 'canceled' || row.status === 'rejected') return row;
    // An untriggered stop order is `open`, nothing filled and NOT active (isActive means "rests in the
    // book"): it is live, not done. Reading it as done marked live stops canceled at every
    // reconciliation, and protection then placed a second stop.
    const untriggeredStop = o.stop !== null && !o.stopTriggered;
    const done = o.status === 'done' || (!o.isActive && !untriggeredStop);
    // Fills only grow: a stale report never lowers what is already known.
    const filledSize = Math.max(row.filledSize, o.filledSize);
    const next = reportedState(row, o.size, filledSize, done);
    if (next === null) {
      ctx.log.warn(
        { clientOid: row.clientOid, from: row.status, size: o.size, filledSize, done },
        'exchange report ignored: not a legal transition',
      );
      return row;
    }
    if (next === row.status && filledSize === row.filledSize && row.exchangeOrderId === o.id) return row;
    return this.saveReport(row, {
      status: next,
      exchangeOrderId: o.id,
      filledSize,
      avgFillPrice:
        o.avgFillPrice?.toFixed() ??
        (o.filledSize > 0 && o.filledValue.gt(0) ? o.filledValue.div(o.filledSize).toFixed() : null),
      ...(done ? { doneAt: new Date(o.endAt ?? ctx.clock.now()) } : {}),
      ...(next === 'canceled' && unreasoned(row) && canceledReason ? { reason: canceledReason } : {}),
    });
  }

  /**
   * Figures to write with an order's done report (the router's execution quality), computed from the row
   * as the report leaves it: one write instead of a second one after it. Forgotten once used, or by
   * `forgetDone` when the order is followed no longer.
   */
  whenDone(id: string, extra: (done: OrderRow) => OrderPatch): void {
    this.atDone.set(id, extra);
  }

  forgetDone(id: string): void {
    this.atDone.delete(id);
  }

  /** An exchange report's change written and announced (from pushes or from REST alike). */
  private async saveReport(row: OrderRow, patch: OrderPatch): Promise<OrderRow> {
    const extra = this.atDone.get(row.id);
    const status = patch.status as OrderState | undefined;
    if (extra && status !== undefined && isTerminal(status)) {
      this.atDone.delete(row.id);
      patch = { ...patch, ...extra({ ...row, ...patch } as OrderRow) };
    }
    const updated = await this.save(row.id, patch);
    this.announce(updated);
    // A cancel was asked of it while it was an intent (by this run, or marked on its row by an earlier
    // one whose follow ended with it): it has landed, so it is cancelled now.
    const cancel = cancelRequestOf(row);
    if (cancel !== null && !isTerminal(updated.status as OrderState)) this.cancelWhenLanded(updated, cancel);
    return updated;
  }

  /** Poll an order until it is done (or `timeoutMs`); returns the last known row. */
  async awaitDone(row: OrderRow, timeoutMs = this.ctx.tuning.orderDoneTimeoutMs): Promise<OrderRow> {
    const { ctx } = this;
    const deadline = ctx.clock.now() + timeoutMs;
    let current = row;
    for (let first = true; ; first = false) {
      if (current.status === 'filled' || current.status === 'canceled' || current.status === 'rejected')
        return current;
      if (first) await this.donePushed(current.exchangeOrderId);
      try {
        const pushed = await this.fromPushes(current);
        if (pushed) current = pushed;
        else {
          current = await this.refresh(current);
          ctx.metrics.orderReports.inc({ source: 'rest' });
        }
      } catch (error) {
        ctx.log.warn({ clientOid: row.clientOid, err: error }, 'order status lookup failed');
      }
      if (current.status === 'filled' || current.status === 'canceled' || current.status === 'rejected')
        return current;
      if (ctx.clock.now() >= deadline) return current;
      await ctx.clock.sleep(ctx.tuning.orderPollMs);
    }
  }

  /** Cancel an order at the exchange (by id or clientOid) and record the outcome; true when it is no longer live. */
  async cancel(row: OrderRow, reason: string): Promise<boolean> {
    const after = await this.cancelRow(row, reason);
    return after.status === 'filled' || after.status === 'canceled' || after.status === 'rejected';
  }

  /** `cancel`, returning the row it ends with (the exchange's report: a cancel may have raced a fill). */
  async cancelRow(row: OrderRow, reason: string): Promise<OrderRow> {
    const { ctx } = this;
    if (row.status === 'intent') {
      // Maybe never sent (a crash before the wire): no send of it goes out from here on (this process's
      // and, marked on its row, a later run's), and it is given up only once it can no longer land. Until
      // then it is followed in the background and cancelled if it lands; the caller sees it not cancelled
      // yet.
      this.cancelRequested.set(row.id, reason);
      row = (await requestIntentCancel(ctx.db, row.id, reason)) ?? (await this.current(row));
      // (one this process wrote and never sent is given up at once: nobody can have sent it)
      if (row.status === 'intent' && this.ownUnsent.has(row.id)) row = await this.abandon(row, reason);
      if (row.status === 'intent') row = await this.settleUnsent(row, reason);
      if (row.status === 'intent') {
        this.cancelWhenLanded(row, reason);
        return row;
      }
      this.cancelRequested.delete(row.id);
      if (isTerminal(row.status as OrderState)) return row;
    }
    try {
      if (row.exchangeOrderId) await ctx.kucoin.trade.cancelOrder(row.exchangeOrderId);
      else await ctx.kucoin.trade.cancelOrderByClientOid(row.clientOid, row.symbol);
    } catch (error) {
      if (
        !(error instanceof OrderNotFoundError) &&
        !(error instanceof KucoinError && error.code === '100001')
      ) {
        ctx.log.warn({ clientOid: row.clientOid, err: error }, 'cancel failed');
        return row;
      }
    }
    // A cancel can race a fill: the exchange's report decides, never the assumption that it was cancelled.
    const after = await this.refresh(row, reason).catch(() => row);
    const done = after.status === 'filled' || after.status === 'canceled' || after.status === 'rejected';
    if (done && after.status === 'canceled' && unreasoned(after)) return this.save(after.id, { reason });
    return after;
  }

  /**
   * An `intent` row to be given up unsent (a risk re-check refused it, its signal ended) that an earlier
   * run may have sent before it died: looked up by clientOid until the exchange shows it, or until its
   * request can no longer arrive there (`mayArriveUntil`, the rule that judges a lost answer
   * `not_at_exchange`): one absent look-up says nothing about a request still in flight or in a gateway
   * queue. `sent`: it is at the exchange (to be followed, never sent again); `abandoned`: closed as never
   * sent (`not_sent: <reason>`). A look-up each second meanwhile, so an order that lands is followed at once.
   */
  async abandonUnlessSent(
    row: OrderRow,
    reason: string,
    stop?: AbortSignal,
  ): Promise<{ sent: OrderRow } | { abandoned: OrderRow }> {
    const { ctx } = this;
    for (;;) {
      const found = await this.lookup(row);
      if (found !== 'absent') return { sent: found };
      // one this process wrote and never sent: nobody can have sent it
      const left = this.ownUnsent.has(row.id) ? 0 : this.mayArriveUntil(row) - ctx.clock.now();
      if (left <= 0) {
        const after = await this.abandon(row, reason);
        if (after.status === 'rejected') return { abandoned: after };
        if (after.status !== 'intent') return { sent: after };
        // its send began meanwhile (a recorded start): judged again from there
        row = after;
        continue;
      }
      await ctx.clock.sleep(Math.min(left, 1_000), stop);
      if (stop?.aborted) throw new Error(`engine stopping: ${row.clientOid} left to the next run`);
    }
  }

  /**
   * Wait until no request of an `intent` row can land at the exchange any more (`mayArriveUntil`),
   * looking its clientOid up each second: the row as the exchange has it when it lands, null otherwise.
   */
  private async untilCannotLand(row: OrderRow): Promise<OrderRow | null> {
    const { ctx } = this;
    for (;;) {
      const left = this.mayArriveUntil(row) - ctx.clock.now();
      if (left <= 0) return null;
      await ctx.clock.sleep(Math.min(left, 1_000));
      const found = await this.lookup(row);
      if (found !== 'absent') return found;
    }
  }

  /**
   * Intent rows this process wrote (a decision's legs) and has not sent: nobody else can have sent them,
   * so a later `submit` of one sends it at once. Forgotten when it is sent or given up.
   */
  committedHere(rows: readonly OrderRow[]): void {
    for (const r of rows) if (r.status === 'intent') this.ownUnsent.add(r.id);
  }

  /**
   * `abandonUnlessSent` without waiting: one look-up. The row at the exchange (brought up to date), the
   * row closed as never sent once its request can no longer land there, or the row unchanged (`intent`)
   * while it still may.
   */
  async settleUnsent(row: OrderRow, reason: string): Promise<OrderRow> {
    const found = await this.lookup(row);
    if (found !== 'absent') return found;
    return this.ctx.clock.now() < this.mayArriveUntil(row) ? row : this.abandon(row, reason);
  }

  /**
   * An `intent` asked to be cancelled that may still land (a crash-left request in flight): followed in
   * the background until it lands (then cancelled) or can no longer (then closed as never sent). Once per
   * row; ends with the engine (the next run's reconciliation looks it up again).
   */
  private cancelWhenLanded(row: OrderRow, reason: string): void {
    if (this.following.has(row.id)) return;
    this.following.add(row.id);
    const { ctx } = this;
    const follow = async () => {
      for (;;) {
        try {
          // as the database holds it now (a send this process began, an answer, another path's close)
          const now = await this.current(row);
          if (isTerminal(now.status as OrderState)) return;
          const settled = now.status === 'intent' ? await this.settleUnsent(now, reason) : now;
          if (isTerminal(settled.status as OrderState)) return;
          // landed (or its answer lost: `unknown`, looked up until it lands or is judged never received)
          if (settled.status !== 'intent') {
            const after = await ctx.withSymbol(row.symbol, () => this.cancelRow(settled, reason));
            if (isTerminal(after.status as OrderState)) return;
          }
        } catch (error) {
          ctx.log.warn({ clientOid: row.clientOid, err: error }, 'follow of a crash-left intent to cancel');
        }
        await ctx.clock.sleep(1_000, this.closing.signal);
        if (this.closing.signal.aborted) return;
      }
    };
    void follow().finally(() => {
      this.following.delete(row.id);
      this.cancelRequested.delete(row.id);
    });
  }

  /** The engine stops: background follows end (what they followed is looked up again by the next run). */
  close(): void {
    this.closing.abort();
  }

  /**
   * An intent given up before sending: only when the exchange cannot have it (never sent by this process,
   * or `abandonUnlessSent`).
   */
  async abandon(row: OrderRow, reason: string): Promise<OrderRow> {
    const { ctx } = this;
    // Only the intent as judged (the same send start): one whose send began or was answered meanwhile is
    // read again and returned as it is now.
    const closed = await closeUnsentIntent(ctx.db, row.id, row.submittedAt, {
      reason: `not_sent: ${reason}`.slice(0, 500),
      doneAt: new Date(ctx.clock.now()),
    });
    if (!closed) return this.current(row);
    this.ownUnsent.delete(row.id);
    ctx.state.track(closed);
    return closed;
  }

  /** Claim an intent's send (its start recorded), tracked; null when it must not be sent (see claimIntentSend). */
  private async claimSend(row: OrderRow, db: EnigmaDb): Promise<OrderRow | null> {
    // (not one whose answer this process keeps unwritten: it was sent)
    if (this.answers.has(row.id)) return null;
    const claimed = await claimIntentSend(
      db,
      this.ctx.lease,
      row.id,
      new Date(this.ctx.clock.now()),
      row.submittedAt,
    );
    if (claimed) this.ctx.state.track(claimed);
    return claimed;
  }

  /** A row as the database holds it now (tracked). */
  private async current(row: OrderRow): Promise<OrderRow> {
    const now = await getOrderByClientOid(this.ctx.db, row.clientOid);
    if (!now) return row;
    this.ctx.state.track(now);
    return now;
  }

  /** The realised execution quality of a finished order (router figures; no state change). */
  recordQuality(row: OrderRow, q: { slippageBps: string | null; shortfall: string }): Promise<OrderRow> {
    return this.save(row.id, { slippageBps: q.slippageBps, shortfall: q.shortfall });
  }

  /** An order's change, for the dashboard (`events:orders`). */
  private announce(row: OrderRow): void {
    this.ctx.publish('orders', {
      type: 'order.changed',
      orderId: row.id,
      clientOid: row.clientOid,
      status: row.status,
      symbol: row.symbol,
      at: this.ctx.clock.now(),
    });
  }

  /**
   * An answer kept to be written with the order's next write (its done report), or alone after
   * `answerMergeMs` (tuning). The row as answered is returned and tracked in the account view at once.
   */
  private deferAnswer(row: OrderRow, patch: OrderPatch, db: EnigmaDb): OrderRow {
    const answered = { ...row, ...patch } as OrderRow;
    this.ctx.state.track(answered);
    const entry = { patch, db, wake: new AbortController(), row: answered };
    this.answers.set(row.id, entry);
    void this.ctx.clock
      .sleep(this.ctx.tuning.answerMergeMs, entry.wake.signal)
      .then(() => this.writeAnswer(row.id, entry));
    return answered;
  }

  /**
   * The row of an order whose answer is kept (not written yet), by its exchange order id: a fill that
   * arrives first is attributed from it, without asking the exchange whose order it is.
   */
  keptAnswer(exchangeOrderId: string): OrderRow | null {
    for (const e of this.answers.values()) if (e.row.exchangeOrderId === exchangeOrderId) return e.row;
    return null;
  }

  /** Write a kept answer alone (its done report did not come in time, or the engine stops). */
  private async writeAnswer(id: string, entry: { patch: OrderPatch; db: EnigmaDb }): Promise<void> {
    if (this.answers.get(id) !== entry) return;
    this.answers.delete(id);
    try {
      await this.save(id, entry.patch, entry.db);
    } catch (error) {
      // The row stays `intent`: reconciliation looks its clientOid up, as after a crash.
      this.ctx.log.warn({ orderId: id, err: error }, 'order answer not written: left to reconciliation');
    }
  }

  /** Write every kept answer now (the engine stops). */
  async flushAnswers(): Promise<void> {
    await Promise.all([...this.answers].map(([id, entry]) => this.writeAnswer(id, entry)));
  }

  /** Every order write goes through here, so the account view sees it (a kept answer goes with it). */
  private async save(
    id: string,
    patch: Parameters<typeof updateOrder>[2],
    db: EnigmaDb = this.ctx.db,
  ): Promise<OrderRow> {
    const kept = this.answers.get(id);
    if (kept) {
      this.answers.delete(id);
      kept.wake.abort();
      patch = { ...kept.patch, ...patch };
    }
    const row = await updateOrder(db, id, patch);
    this.ctx.state.track(row);
    return row;
  }

  getByClientOid(clientOid: string) {
    return getOrderByClientOid(this.ctx.db, clientOid);
  }
}

/**
 * The exchange does not know the order. KuCoin answers an unknown order id or clientOid with
 * `100001 error.getOrder.orderNotExist` (a 200 with a business code, typed InvalidOrderError), not 100004:
 * read as "absent", never as a failure (which would stop reconciliation for good).
 */
function isOrderAbsent(error: unknown): boolean {
  return (
    error instanceof OrderNotFoundError ||
    (error instanceof KucoinError &&
      (error.kind === 'notFound' ||
        (error.code === '100001' && /orderNotExist/i.test(error.exchangeMessage))))
  );
}

/** The state an exchange report moves a row to; null when it is not a legal transition from the row's. */
function reportedState(row: OrderRow, size: number, filledSize: number, done: boolean): OrderState | null {
  const from = row.status === 'intent' ? 'submitting' : (row.status as OrderState);
  try {
    return applyReport(from, size, filledSize, done);
  } catch {
    return null;
  }
}

/**
 * How old a crash-left intent may be for a clientOid look-up's "absent" to mean "never sent": KuCoin finds
 * a done futures order by clientOid for 7 days (docs/engine.md, "How long KuCoin remembers a clientOid"),
 * less a day's margin.
 */
export const CLIENT_OID_TRUSTED_MS = 6 * 86_400_000;

/**
 * A send that begins this long after its row's send window began (its creation, or the send start it
 * records) records its own start first: one write, off the common path (a decision's legs go out
 * within milliseconds of their commit).
 */
const LATE_SEND_MS = 1_000;

/** The reason of a cancel waiting for an `intent` row (marked on the row), or null. */
function cancelRequestOf(row: OrderRow): string | null {
  return row.status === 'intent' && row.reason?.startsWith(CANCEL_REQUESTED)
    ? row.reason.slice(CANCEL_REQUESTED.length)
    : null;
}

/** A row whose reason is still free for a cancel's own: none, or only a cancel's request. */
function unreasoned(row: OrderRow): boolean {
  return row.reason === null || row.reason.startsWith(CANCEL_REQUESTED);
}

/** When an `intent` row's send window began: the send start it records, else its creation. */
function sendStartOf(row: OrderRow): number {
  return (row.status === 'intent' ? row.submittedAt : null)?.getTime() ?? row.createdAt.getTime();
}

/** An order that is done as soon as it meets the book: a market order or an IOC limit (no stop). */
function settlesAtOnce(spec: OrderSpec): boolean {
  return !spec.stop && (spec.type === 'market' || spec.timeInForce === 'IOC');
}
