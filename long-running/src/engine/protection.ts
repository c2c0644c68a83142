import { clientOidFor } from '@enigma/core/engine/client-oid';
import { isTerminal, type OrderState } from '@enigma/core/engine/order-state';
import { stopDistance, stopPriceFor, takeProfitPriceFor } from '@enigma/core/engine/sizing';
import { DEFAULT_STRATEGY, type StopRule } from '@enigma/core/engine/strategy';
import { alignToTick, toMoney } from '@enigma/core/money';
import {
  advanceSignal,
  getIntentBySignal,
  insertRiskEvent,
  listSignals,
  liveOrders,
  type OrderRow,
  operatorProtectionOf,
  type PositionRow,
  updateSignalStatus,
} from '@enigma/db';
import type Decimal from 'decimal.js';
import type { EngineContext } from './context.ts';
import type { Executor } from './executor.ts';
import type { AtrSource, MarketView } from './market.ts';
import { together } from './together.ts';

/**
 * Every open position gets an exchange-side reduce-only stop (mark-price trigger) sized to the position,
 * plus optional take-profits; a trailing stop is moved by the engine (ratchet only). A position without
 * a confirmed stop after `protectGraceMs` is flattened and a critical risk event raised. When a
 * position is flat, its leftover stops and take-profits are cancelled by us.
 */
export class Protection {
  /**
   * Signals whose entry filled (they are `filled`) since protection last marked the contract's signals,
   * by contract, with their entry's side: the next confirmed stop on that side marks them `protected`.
   */
  private readonly entriesToMark = new Map<string, Map<string, 'buy' | 'sell'>>();
  /**
   * Contracts whose signals this process has marked at least once: the first `ensure` of a contract
   * after a start marks its `filled` signals even when the stop was confirmed before the restart.
   */
  private readonly markedOnce = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly market: MarketView,
    private readonly atr: AtrSource,
  ) {}

  /**
   * An entry of `symbol` filled and its signal is `filled`: the next `ensure` that finds the position
   * protected marks it `protected` (a scale-in's signal as well as the one that opened the position).
   */
  entryFilled(symbol: string, signalId: string, side: 'buy' | 'sell'): void {
    const pending = this.entriesToMark.get(symbol) ?? new Map<string, 'buy' | 'sell'>();
    pending.set(signalId, side);
    this.entriesToMark.set(symbol, pending);
  }

  /** Bring one contract's protection in line with its position (call with the symbol lock held). */
  async ensure(symbol: string): Promise<'flat' | 'protected' | 'unprotected' | 'flattened'> {
    const { ctx } = this;
    let pos = await ctx.positions.get(symbol);
    const live = await liveOrders(ctx.db, ctx.accountId, symbol);
    const stops = live.filter((o) => o.purpose === 'stop');
    const tps = live.filter((o) => o.purpose === 'take_profit');
    if (!pos || pos.qty === 0) {
      for (const o of [...stops, ...tps])
        await this.executor.cancel(o, 'position closed: leftover protection cancelled');
      return 'flat';
    }
    const qty = pos.qty;
    const side = qty > 0 ? 'sell' : 'buy';
    // A fresh position opened by an operator's resting order (a limit or stop order of the ticket, filled
    // since) takes the stop-loss and take-profit given with it, not the defaults.
    if (!pos.stopPrice && !pos.signalId) pos = await this.withOperatorProtection(pos);
    const stopPrice = pos.stopPrice ? toMoney(pos.stopPrice) : await this.defaultStop(symbol, pos);
    if (!stopPrice) return this.unprotected(pos, 'no stop price: no ATR or mark price to derive one');

    // a stop for the whole position, and one resting at the exchange
    const wholePosition = (o: OrderRow) =>
      o.side === side && o.size === Math.abs(qty) && o.stopPrice !== null;
    const rests = (o: OrderRow) => o.status === 'open' || o.status === 'partially_filled';
    const covers = (o: OrderRow) => wholePosition(o) && toMoney(o.stopPrice!).eq(stopPrice);
    // A resting one first: a superseded intent that may still land (kept live until it cannot) is not the
    // stop to confirm, or each pass would place a new version and cancel the last.
    const current = stops.find((o) => covers(o) && rests(o)) ?? stops.find(covers);
    if (current && rests(current)) {
      if (!pos.stopConfirmedAt || pos.unprotectedSince || pos.stopClientOid !== current.clientOid) {
        await ctx.positions.save({
          ...pos,
          stopPrice: stopPrice.toFixed(),
          stopOrderId: current.exchangeOrderId,
          stopClientOid: current.clientOid,
          stopConfirmedAt: new Date(ctx.clock.now()),
          unprotectedSince: null,
        });
        await this.markProtected(pos);
      } else if ((this.entriesToMark.get(symbol)?.size ?? 0) > 0 || !this.markedOnce.has(symbol))
        await this.markProtected(pos);
      await this.cancelOthers(stops, current);
      await this.ensureTakeProfits(pos, tps);
      return 'protected';
    }
    if (current) {
      // Sent but not confirmed yet (unknown outcome): look it up before anything else is sent.
      const refreshed = await this.executor.refresh(current);
      if (refreshed.status === 'open') return this.ensure(symbol);
      if (refreshed.status === 'intent') {
        // Stored, never at the exchange (a crash before it was sent): the submission below sends it with
        // the same clientOid. One from an older version is given up instead, once it can no longer land (a
        // crash-left request may still be in flight: until then it stays a live row, and `cancelOthers`
        // cancels it should it land).
        if (refreshed.clientOid !== clientOidFor('stop', pos.id, pos.stopVersion + 1)) {
          const settled = await this.executor.settleUnsent(
            refreshed,
            'a stop intent superseded before it was sent',
          );
          // it had landed: judged again as the resting stop it is
          if (settled.status === 'open') return this.ensure(symbol);
        }
      } else if (
        refreshed.status !== 'rejected' &&
        refreshed.status !== 'canceled' &&
        refreshed.status !== 'filled'
      )
        return this.unprotected(pos, 'stop order outcome unknown');
    }
    const version = pos.stopVersion + 1;
    ctx.point('before_stop', { symbol });
    const order = await this.executor.submit({
      clientOid: clientOidFor('stop', pos.id, version),
      symbol,
      side,
      type: 'market',
      size: Math.abs(qty),
      reduceOnly: true,
      purpose: 'stop',
      stop: { direction: qty > 0 ? 'down' : 'up', price: stopPrice },
      signalId: pos.signalId,
      ...(pos.marginMode ? { marginMode: pos.marginMode as 'ISOLATED' | 'CROSS' } : {}),
    });
    if (order.status === 'open') {
      // The new stop rests: its record, the old stops' cancels and the signals' `protected` go out
      // together (three independent round trips, not one after another on the contract's chain). A crash
      // between them is repaired by the next pass: the position's record finds this stop again by its
      // clientOid (the version makes it: nothing is sent twice) and cancels what is left of the others.
      await together([
        // One write: the new version and its confirmed stop together.
        ctx.positions.save({
          ...pos,
          stopVersion: version,
          stopPrice: stopPrice.toFixed(),
          stopOrderId: order.exchangeOrderId,
          stopClientOid: order.clientOid,
          stopConfirmedAt: new Date(ctx.clock.now()),
          unprotectedSince: null,
        }),
        this.cancelOthers(stops, order),
        this.markProtected(pos),
      ]);
      ctx.publish('positions', {
        type: 'position.protected',
        symbol,
        stopPrice: stopPrice.toFixed(),
        at: ctx.clock.now(),
      });
      await this.ensureTakeProfits({ ...pos, stopVersion: version }, tps);
      return 'protected';
    }
    // The exchange refused the new stop (a move to a price it does not take), while the stop it replaces
    // still rests and covers the whole position: that one stays the position's stop. Flattening a
    // protected position because a move was refused would turn an operator's typo into a forced close.
    const resting =
      order.status === 'rejected' && order.reason?.startsWith('exchange_')
        ? stops.find((o) => wholePosition(o) && rests(o))
        : undefined;
    if (resting) {
      await ctx.positions.save({
        ...pos,
        stopVersion: version,
        stopPrice: resting.stopPrice,
        stopOrderId: resting.exchangeOrderId,
        stopClientOid: resting.clientOid,
        stopConfirmedAt: new Date(ctx.clock.now()),
        unprotectedSince: null,
      });
      await insertRiskEvent(ctx.db, {
        accountId: ctx.accountId,
        signalId: pos.signalId,
        code: 'stop_move_refused',
        severity: 'warn',
        message: `${symbol}: the stop at ${stopPrice.toFixed()} was refused (${order.reason}); the stop at ${resting.stopPrice} stays`,
        data: { symbol, refused: stopPrice.toFixed(), kept: resting.stopPrice },
      }).catch((error) => ctx.log.warn({ err: error }, 'risk event not written'));
      return 'protected';
    }
    const after = await ctx.positions.save({ ...pos, stopVersion: version, stopPrice: stopPrice.toFixed() });
    return this.unprotected(after, `stop order ${order.status}: ${order.reason ?? ''}`);
  }

  /**
   * The position's stop is confirmed: every signal whose entry filled into it is `protected` — the one
   * that opened it, and each `filled` signal of the contract whose entry is on the position's side (a
   * scale-in; `filled` means its entry filled and it waits for this stop).
   */
  private async markProtected(pos: PositionRow): Promise<void> {
    const { ctx } = this;
    const pending = this.entriesToMark.get(pos.symbol);
    this.entriesToMark.delete(pos.symbol);
    const first = !this.markedOnce.has(pos.symbol);
    this.markedOnce.add(pos.symbol);
    const reason = 'exchange-side stop confirmed';
    if (pos.signalId) {
      await updateSignalStatus(ctx.db, pos.signalId, 'protected', reason).catch(() => {});
      this.announceProtected(pos, pos.signalId);
    }
    // The entries this process saw fill; after a start, every `filled` signal of the contract (the
    // database's list: an entry that filled before the restart is not in memory).
    const candidates = new Map(pending ?? []);
    if (first) {
      const { items } = await listSignals(ctx.db, { status: 'filled', symbol: pos.symbol, limit: 100 });
      for (const s of items) {
        if (candidates.has(s.id)) continue;
        const legs = (
          (await getIntentBySignal(ctx.db, s.id))?.params as { legs?: { kind: string; side: string }[] }
        )?.legs;
        const open = legs?.find((l) => l.kind === 'open');
        if (open) candidates.set(s.id, open.side as 'buy' | 'sell');
      }
    }
    for (const [signalId, side] of candidates) {
      if (signalId === pos.signalId || (side === 'buy') !== pos.qty > 0) continue;
      if (await advanceSignal(ctx.db, signalId, { status: 'protected', reason }, ['filled'])) {
        ctx.metrics.signals.inc({ status: 'protected' });
        this.announceProtected(pos, signalId);
      }
    }
  }

  private announceProtected(pos: PositionRow, signalId: string): void {
    this.ctx.publish('signals', {
      type: 'signal.status',
      signalId,
      symbol: pos.symbol,
      status: 'protected',
      reason: 'exchange-side stop confirmed',
      at: this.ctx.clock.now(),
    });
  }

  private async cancelOthers(stops: OrderRow[], keep: OrderRow): Promise<void> {
    for (const o of stops)
      if (o.id !== keep.id) await this.executor.cancel(o, 'replaced by a resized or moved stop');
  }

  /** No confirmed stop: record since when; past the grace period, flatten reduce-only and raise a critical event. */
  private async unprotected(pos: PositionRow, why: string): Promise<'unprotected' | 'flattened'> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const since = pos.unprotectedSince?.getTime() ?? now;
    if (!pos.unprotectedSince) await ctx.positions.save({ ...pos, unprotectedSince: new Date(now) });
    if (now - since < ctx.tuning.protectGraceMs) return 'unprotected';
    await insertRiskEvent(ctx.db, {
      accountId: ctx.accountId,
      signalId: pos.signalId,
      code: 'unprotected_flattened',
      severity: 'critical',
      message: `${pos.symbol} had no confirmed stop for ${Math.round((now - since) / 1000)} s (${why}): flattening`,
      data: { symbol: pos.symbol, qty: pos.qty },
    });
    ctx.publish('risk', {
      type: 'risk.event',
      code: 'unprotected_flattened',
      severity: 'critical',
      symbol: pos.symbol,
      at: now,
    });
    await this.flatten(pos, 'unprotected');
    return 'flattened';
  }

  /** Close the whole position with a reduce-only market order (deterministic clientOid per position and stop version). */
  async flatten(pos: PositionRow, why: string): Promise<OrderRow | null> {
    if (pos.qty === 0) return null;
    // The row outlives its round trips: a flatten of an earlier one (or an earlier flatten of this one)
    // that finished under the same stop version would answer this one with its old order and send
    // nothing. The version moves on first, stored before the send (a restart finds this flatten by it).
    const prior = await this.executor.getByClientOid(clientOidFor('flatten', pos.id, pos.stopVersion));
    if (prior && isTerminal(prior.status as OrderState))
      pos = await this.ctx.positions.save({ ...pos, stopVersion: pos.stopVersion + 1 });
    const order = await this.executor.submit({
      clientOid: clientOidFor('flatten', pos.id, pos.stopVersion),
      symbol: pos.symbol,
      side: pos.qty > 0 ? 'sell' : 'buy',
      type: 'market',
      size: Math.abs(pos.qty),
      reduceOnly: true,
      purpose: 'flatten',
      signalId: pos.signalId,
    });
    this.ctx.log.warn({ symbol: pos.symbol, qty: pos.qty, why, status: order.status }, 'position flattened');
    return this.executor.awaitDone(order);
  }

  /**
   * The stop of a position that has none recorded yet. A position opened by a signal takes its stop
   * distance from that signal's decision (its open leg), from the average entry: the same price the
   * signal's own follow-up computes, whichever of the two gets here first after the fill. A position the
   * engine did not open (adopted) gets the default rule.
   */
  private async defaultStop(symbol: string, pos: PositionRow): Promise<Decimal | null> {
    const contract = this.ctx.contracts.get(symbol);
    if (!contract || !pos.avgEntryPrice) return null;
    const entry = toMoney(pos.avgEntryPrice);
    const decided = pos.signalId ? await this.decidedDistance(pos.signalId) : null;
    if (decided) return stopPriceFor(pos.qty > 0 ? 'long' : 'short', entry, decided, contract.tickSize);
    const rule: StopRule = DEFAULT_STRATEGY.stop;
    let distance: Decimal | null = null;
    if (rule.kind === 'atr')
      distance = stopDistance(rule, entry, await this.atr.atr(symbol, rule.timeframe, rule.period));
    // No ATR yet: 2 % of the entry, so an adopted position is never left bare.
    distance ??= entry.mul('0.02');
    let price = stopPriceFor(pos.qty > 0 ? 'long' : 'short', entry, distance, contract.tickSize);
    // A stop already through the mark would trigger at once; place it just beyond the mark instead.
    const mark = this.market.peek(symbol).mark;
    if (mark) {
      if (pos.qty > 0 && price.gte(mark)) price = alignToTick(mark.mul('0.995'), contract.tickSize, 'down');
      if (pos.qty < 0 && price.lte(mark)) price = alignToTick(mark.mul('1.005'), contract.tickSize, 'up');
    }
    return price.gt(0) ? price : null;
  }

  /**
   * The position with the stop-loss and take-profit its opening operator order was given (read from the
   * order's command), each used only on the right side: a stop beyond the mark would trigger at once, a
   * take-profit on the loss side would close at a loss. Saved, so the next pass reads them.
   */
  async withOperatorProtection(pos: PositionRow): Promise<PositionRow> {
    const { ctx } = this;
    const contract = ctx.contracts.get(pos.symbol);
    if (!contract || !pos.avgEntryPrice || !pos.openedAt) return pos;
    // only an operator order that filled into this round trip (an adopted position takes the defaults)
    const given = await operatorProtectionOf(
      ctx.db,
      ctx.accountId,
      pos.symbol,
      pos.qty > 0 ? 'buy' : 'sell',
      pos.openedAt,
    );
    if (!given) return pos;
    const long = pos.qty > 0;
    const entry = toMoney(pos.avgEntryPrice);
    const mark = this.market.peek(pos.symbol).mark ?? entry;
    const stop = given.stopLoss ? toMoney(given.stopLoss) : null;
    const tp = given.takeProfit ? toMoney(given.takeProfit) : null;
    const update: PositionRow = { ...pos };
    if (stop && (long ? stop.lt(mark) : stop.gt(mark))) update.stopPrice = stop.toFixed();
    if (tp && pos.takeProfits.length === 0 && (long ? tp.gt(entry) : tp.lt(entry)))
      update.takeProfits = [
        {
          level: 1,
          price: alignToTick(tp, contract.tickSize, long ? 'up' : 'down').toFixed(),
          lots: Math.abs(pos.qty),
          clientOid: clientOidFor('command', given.commandId, 1),
        },
      ];
    if (update.stopPrice === pos.stopPrice && update.takeProfits === pos.takeProfits) return pos;
    return ctx.positions.save(update);
  }

  /** The stop distance the signal's decision gave its entry, if it opened one. */
  private async decidedDistance(signalId: string): Promise<Decimal | null> {
    const intent = await getIntentBySignal(this.ctx.db, signalId);
    const legs = (intent?.params as { legs?: { kind: string; stopDistance?: string }[] } | undefined)?.legs;
    const open = legs?.find((l) => l.kind === 'open' && l.stopDistance);
    return open?.stopDistance ? toMoney(open.stopDistance) : null;
  }

  /**
   * Take-profit levels from the position's plan (`takeProfits`), each a reduce-only limit order. A live
   * take-profit the plan no longer holds (an earlier plan's, replaced when a scale-in moved the average
   * entry and the size) is cancelled first: left resting, the two plans together would close more of the
   * position than either says.
   */
  private async ensureTakeProfits(pos: PositionRow, live: OrderRow[]): Promise<void> {
    const { ctx } = this;
    const planned = new Set(pos.takeProfits.map((tp) => tp.clientOid));
    let stale = 0;
    for (const o of live)
      if (
        !planned.has(o.clientOid) &&
        !(await this.executor.cancel(o, 'take-profit of an earlier plan: replaced'))
      )
        stale++;
    // Not placed over a stale one still resting: the next pass (the watchdog's) tries again.
    if (stale > 0 || pos.takeProfits.length === 0) return;
    for (const tp of pos.takeProfits) {
      if (live.some((o) => o.clientOid === tp.clientOid)) continue;
      const existing = await this.executor.getByClientOid(tp.clientOid);
      if (existing) continue;
      await this.executor.submit({
        clientOid: tp.clientOid,
        symbol: pos.symbol,
        side: pos.qty > 0 ? 'sell' : 'buy',
        type: 'limit',
        price: toMoney(tp.price),
        size: Math.min(tp.lots, Math.abs(pos.qty)),
        reduceOnly: true,
        purpose: 'take_profit',
        signalId: pos.signalId,
      });
    }
    ctx.log.debug({ symbol: pos.symbol }, 'take-profits in place');
  }

  /** Plan take-profit orders for a freshly opened position (`r` multiples of the stop distance). */
  planTakeProfits(
    pos: PositionRow,
    levels: readonly { r: string; fraction: string }[],
    distance: Decimal,
  ): { level: number; price: string; lots: number; clientOid: string }[] {
    const contract = this.ctx.contracts.get(pos.symbol);
    if (!contract || !pos.avgEntryPrice || levels.length === 0) return [];
    const entry = toMoney(pos.avgEntryPrice);
    const side = pos.qty > 0 ? 'long' : 'short';
    const out: { level: number; price: string; lots: number; clientOid: string }[] = [];
    let left = Math.abs(pos.qty);
    levels.forEach((l, i) => {
      const lots =
        i === levels.length - 1 ? left : Math.min(left, Math.floor(Math.abs(pos.qty) * Number(l.fraction)));
      if (lots <= 0) return;
      left -= lots;
      out.push({
        level: i + 1,
        price: takeProfitPriceFor(side, entry, distance, l.r, contract.tickSize).toFixed(),
        lots,
        clientOid: clientOidFor('takeProfit', pos.id, (pos.stopVersion + 1) * 10 + i),
      });
    });
    return out;
  }

  /** Move trailing stops (ratchet only) for positions whose strategy has `trailing`. */
  async trail(symbol: string, trailing: { activateR: string; distanceR: string } | null): Promise<void> {
    const { ctx } = this;
    if (!trailing) return;
    const pos = await ctx.positions.get(symbol);
    const contract = ctx.contracts.get(symbol);
    const mark = this.market.peek(symbol).mark;
    if (!pos || pos.qty === 0 || !pos.avgEntryPrice || !pos.stopPrice || !mark || !contract) return;
    // The distance saved with the stop, else the one the signal's decision gave its entry (the position
    // row may have been written by the ledger's fill without it).
    const distance = pos.stopDistance
      ? toMoney(pos.stopDistance)
      : pos.signalId
        ? await this.decidedDistance(pos.signalId)
        : null;
    if (!distance) return;
    const entry = toMoney(pos.avgEntryPrice);
    const long = pos.qty > 0;
    const best = pos.bestPrice ? toMoney(pos.bestPrice) : entry;
    const newBest = long ? (mark.gt(best) ? mark : best) : mark.lt(best) ? mark : best;
    const moved = long ? newBest.minus(entry) : entry.minus(newBest);
    let stop = toMoney(pos.stopPrice);
    if (moved.gte(distance.mul(trailing.activateR))) {
      const candidate = stopPriceFor(
        long ? 'long' : 'short',
        newBest,
        distance.mul(trailing.distanceR),
        contract.tickSize,
      );
      // Ratchet only: a trailing stop never moves back.
      if (long ? candidate.gt(stop) : candidate.lt(stop)) stop = candidate;
    }
    if (!newBest.eq(best) || !stop.eq(toMoney(pos.stopPrice))) {
      await ctx.positions.save({ ...pos, bestPrice: newBest.toFixed(), stopPrice: stop.toFixed() });
    }
  }
}
