import { clientOidFor } from '@enigma/core/engine/client-oid';
import { stopPriceFor } from '@enigma/core/engine/sizing';
import { priceTextBeside, toMoney } from '@enigma/core/money';
import {
  preTradeChecks,
  type RiskBlock,
  type RiskContext,
  type TradableContract,
} from '@enigma/core/risk/checks';
import {
  cancelledByCancelAll,
  operatorRouting,
  type PlaceOrderCommand,
  placeOrderCommand,
} from '@enigma/core/signals/commands';
import type { CommandEnvelopeEntry } from '@enigma/core/streams/catalog';
import {
  claimCommand,
  finishCommand,
  getCommand,
  getIntent,
  getOrderByClientOid,
  type IntentRow,
  insertIntentOnce,
  insertRiskEvent,
  listCommands,
  listPositions,
  liveOrders,
  type OrderRow,
  setIntentStatus,
} from '@enigma/db';
import type Decimal from 'decimal.js';
import { type AlgoHooks, type RoutedLeg, Router } from '../router/router.ts';
import type { EngineContext } from './context.ts';
import type { Executor, OrderSpec } from './executor.ts';
import { filledChildren, type Ledger } from './ledger.ts';
import type { Protection } from './protection.ts';
import type { RiskInputs } from './risk-inputs.ts';

/** An operator order's leg as the router follows it (stored in its intent's params). */
interface OperatorLeg extends RoutedLeg {
  /** the protective stop given (or derived) at the order: set on the position when it has none */
  stopPrice: string | null;
}

type Outcome = {
  /** `running`: a routed order whose algorithm is followed in the background */
  status: 'done' | 'failed' | 'rejected' | 'running';
  reason: string | null;
  result?: Record<string, unknown>;
};

/**
 * Operator commands from the API (place, cancel, cancel-all, close, TP/SL, kill switch). They go
 * through the same risk checks as signals (origin `operator`); each runs once (the commands table's row
 * moves pending → running → done/failed/rejected) and its outcome is stored for the API to read.
 */
export class CommandHandler implements AlgoHooks {
  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly ledger: Ledger,
    private readonly protection: Protection,
    private readonly risk: RiskInputs,
    private readonly onKillSwitch: (on: boolean, reason: string, flatten: boolean) => Promise<void>,
    private readonly router: Router,
  ) {
    router.setOperatorHooks(this);
  }

  async handle(envelope: CommandEnvelopeEntry): Promise<void> {
    const { ctx } = this;
    const row = await getCommand(ctx.db, envelope.commandId);
    if (row && (row.status === 'done' || row.status === 'failed' || row.status === 'rejected')) return;
    // A command published without a row (older API) still runs once: its orders' clientOids are derived from its id.
    if (row && row.status === 'pending') await claimCommand(ctx.db, envelope.commandId);
    let outcome: Outcome;
    try {
      outcome = await this.run(envelope);
    } catch (error) {
      outcome = { status: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    // A routed order is still running: its outcome is stored when its algorithm ends.
    if (outcome.status === 'running') return;
    await this.finish(envelope, outcome);
  }

  private async run(envelope: CommandEnvelopeEntry): Promise<Outcome> {
    const { ctx } = this;
    const c = envelope.command;
    switch (c.type) {
      case 'kill_switch':
        await this.onKillSwitch(c.on, c.reason, c.flatten ?? false);
        return { status: 'done', reason: null, result: { on: c.on } };
      case 'cancel_order': {
        const live = await liveOrders(ctx.db, ctx.accountId);
        const order = live.find(
          (o) => o.id === c.orderId || o.exchangeOrderId === c.orderId || o.clientOid === c.orderId,
        );
        if (!order) return { status: 'rejected', reason: `no live order ${c.orderId}` };
        if (order.purpose === 'stop') {
          // An open position's stop is kept by the engine: cancelled, it would be placed again at once
          // (after a moment unprotected). A flat contract's leftover stop may go.
          const pos = await ctx.positions.get(order.symbol);
          if (pos && pos.qty !== 0)
            return {
              status: 'rejected',
              reason: `protective_stop: ${order.symbol}'s open position keeps its stop; move it with TP/SL or close the position`,
              result: { orderId: order.id },
            };
        }
        const ok = await ctx.withSymbol(order.symbol, () =>
          this.executor.cancel(order, `cancelled by ${envelope.issuedBy}`),
        );
        return {
          status: ok ? 'done' : 'failed',
          reason: ok ? null : 'the exchange did not confirm the cancel',
          result: { orderId: order.id },
        };
      }
      case 'cancel_all': {
        const live = (await liveOrders(ctx.db, ctx.accountId)).filter((o) =>
          cancelledByCancelAll(o, c.symbol),
        );
        let cancelled = 0;
        for (const o of live)
          if (
            await ctx.withSymbol(o.symbol, () =>
              this.executor.cancel(o, `cancel-all by ${envelope.issuedBy}`),
            )
          )
            cancelled++;
        return { status: 'done', reason: null, result: { cancelled, protectiveStopsKept: true } };
      }
      case 'close_position': {
        return ctx.withSymbol(c.symbol, async () => {
          await this.ledger.syncFills(c.symbol);
          const pos = await ctx.positions.get(c.symbol);
          if (!pos || pos.qty === 0)
            return { status: 'rejected', reason: `no open position on ${c.symbol}` } as Outcome;
          const order = await this.executor.submit({
            clientOid: clientOidFor('command', envelope.commandId),
            symbol: c.symbol,
            side: pos.qty > 0 ? 'sell' : 'buy',
            type: 'market',
            size: Math.abs(pos.qty),
            reduceOnly: true,
            purpose: 'exit',
            commandId: envelope.commandId,
          });
          const done = await this.executor.awaitDone(order);
          await this.ledger.syncFills(c.symbol);
          await this.protection.ensure(c.symbol);
          return {
            status: done.status === 'filled' ? 'done' : 'failed',
            reason: done.status === 'filled' ? null : `close order ${done.status}`,
            result: { orderId: done.id },
          } as Outcome;
        });
      }
      case 'set_tpsl': {
        return ctx.withSymbol(c.symbol, async () => {
          const pos = await ctx.positions.get(c.symbol);
          if (!pos || pos.qty === 0)
            return { status: 'rejected', reason: `no open position on ${c.symbol}` } as Outcome;
          const mark = (await this.risk.context(c.symbol, 'operator')).market.mark;
          const long = pos.qty > 0;
          const update = { ...pos };
          if (c.stopLoss !== undefined) {
            if (c.stopLoss === null)
              return {
                status: 'rejected',
                reason: 'a position always keeps a protective stop: move it, do not clear it',
              } as Outcome;
            const sl = toMoney(c.stopLoss);
            const tick = ctx.contracts.get(c.symbol)?.tickSize;
            if (mark && (long ? sl.gte(mark) : sl.lte(mark)))
              return {
                status: 'rejected',
                // the mark at the tick, or at as many places as show it on the stop's side
                reason: `stop ${c.stopLoss} is on the wrong side of the mark ${tick ? priceTextBeside(mark, sl, tick) : mark.toFixed()}`,
              } as Outcome;
            update.stopPrice = sl.toFixed();
          }
          if (c.takeProfit !== undefined && c.takeProfit !== null) {
            // (off the tick: refused by the command's schema, before the stream)
            const tp = toMoney(c.takeProfit);
            const tick = ctx.contracts.get(c.symbol)?.tickSize;
            // A take-profit is a resting limit: on the wrong side of the mark it would fill at once and
            // close the position — never what "take profit at X" means.
            if (!mark)
              return {
                status: 'rejected',
                reason: `data_missing: no mark price for ${c.symbol}: a take-profit cannot be checked against it`,
              } as Outcome;
            if (long ? tp.lte(mark) : tp.gte(mark))
              return {
                status: 'rejected',
                reason: `take-profit ${c.takeProfit} is on the wrong side of the mark ${tick ? priceTextBeside(mark, tp, tick) : mark.toFixed()}: it would fill at once`,
              } as Outcome;
          }
          if (c.takeProfit !== undefined) {
            // Existing take-profits are replaced by one level for the whole position (or removed).
            for (const o of (await liveOrders(ctx.db, ctx.accountId, c.symbol)).filter(
              (o) => o.purpose === 'take_profit',
            ))
              await this.executor.cancel(o, 'take-profit replaced by the operator');
            update.takeProfits =
              c.takeProfit === null
                ? []
                : [
                    {
                      level: 1,
                      price: toMoney(c.takeProfit).toFixed(),
                      lots: Math.abs(pos.qty),
                      clientOid: clientOidFor('command', envelope.commandId, 1),
                    },
                  ];
          }
          await ctx.positions.save(update);
          const state = await this.protection.ensure(c.symbol);
          const after = await ctx.positions.get(c.symbol);
          // What the exchange refused is said, and not shown as set: a take-profit it refused is taken off
          // the position; a stop it refused to move leaves the one resting (protection keeps it).
          const refused: string[] = [];
          if (c.takeProfit !== undefined && c.takeProfit !== null) {
            const tpRow = await getOrderByClientOid(ctx.db, clientOidFor('command', envelope.commandId, 1));
            if (tpRow?.status === 'rejected') {
              refused.push(`take-profit ${c.takeProfit} refused by the exchange: ${tpRow.reason ?? ''}`);
              if (after) await ctx.positions.save({ ...after, takeProfits: [] });
            }
          }
          if (
            c.stopLoss !== undefined &&
            c.stopLoss !== null &&
            after?.stopPrice &&
            !toMoney(after.stopPrice).eq(toMoney(c.stopLoss))
          )
            refused.push(`stop ${c.stopLoss} refused by the exchange: the stop stays at ${after.stopPrice}`);
          if (state !== 'protected') refused.push(`protection ${state}`);
          return {
            status: refused.length === 0 ? 'done' : 'failed',
            reason: refused.length === 0 ? null : refused.join('; ').slice(0, 500),
            result: { stopPrice: after?.stopPrice ?? update.stopPrice },
          } as Outcome;
        });
      }
      case 'place_order':
        return this.placeOrder(envelope, c);
    }
  }

  /**
   * An operator order: market, limit (post-only), stop market or stop limit (KuCoin stop orders, on the
   * mark price), in the symbol's margin mode (switched first when the order names the other one), or a
   * market order the smart order router executes (`execution`). The same risk checks as every operator
   * order; a routed order's algorithm is followed in the background and its outcome stored at its end.
   */
  private placeOrder(envelope: CommandEnvelopeEntry, c: PlaceOrderCommand): Promise<Outcome> {
    const { ctx } = this;
    const contract = ctx.contracts.get(c.symbol);
    if (!contract) return Promise.resolve({ status: 'rejected', reason: `unknown_symbol: ${c.symbol}` });
    return ctx.withSymbol(c.symbol, async (): Promise<Outcome> => {
      // A routed order delivered again (its intent is stored): followed, not decided a second time.
      const stored = c.execution !== undefined ? await getIntent(ctx.db, envelope.commandId) : null;
      if (stored) return this.followRouted(envelope, c, stored, { resumed: true });
      const inputs = await this.risk.context(c.symbol, 'operator');
      const stopOrder = c.orderType === 'stop_market' || c.orderType === 'stop_limit';
      const limitPrice = c.price ? toMoney(c.price) : null;
      const trigger = c.stopPrice ? toMoney(c.stopPrice) : null;
      for (const [field, p] of [
        ['price', limitPrice],
        ['stopPrice', trigger],
      ] as const)
        if (p && !p.mod(contract.tickSize).isZero())
          return {
            status: 'rejected',
            reason: `tick_size: ${field} ${p.toFixed()} is not a multiple of ${contract.tickSize.toFixed()}`,
          };
      // A stop order triggers when the mark crosses its stop price: up from below, down from above.
      let direction: 'up' | 'down' | null = null;
      if (trigger) {
        const mark = inputs.market.mark;
        if (!mark) return { status: 'rejected', reason: 'data_missing: no mark price for a stop order' };
        if (trigger.eq(mark))
          return {
            status: 'rejected',
            reason: `stop price ${trigger.toFixed()} is the mark: it would trigger at once`,
          };
        direction = trigger.gt(mark) ? 'up' : 'down';
      }
      const ref = limitPrice ?? trigger ?? (c.side === 'buy' ? inputs.market.bestAsk : inputs.market.bestBid);
      const pos = await ctx.positions.get(c.symbol);
      const opening = !c.reduceOnly;
      let stop = c.stopLoss ? toMoney(c.stopLoss) : null;
      if (opening && !stop && ref)
        stop = stopPriceFor(c.side === 'buy' ? 'long' : 'short', ref, ref.mul('0.02'), contract.tickSize);
      const marginMode = c.marginMode === 'cross' ? ('CROSS' as const) : ('ISOLATED' as const);
      // The order's leverage when it names none: KuCoin applies a cross order the contract's cross
      // leverage (read from the exchange); an isolated one adds at the open position's, else 5 — never
      // the leverage a closed round trip left on a flat row.
      let leverage = c.leverage ?? (pos && pos.qty !== 0 && pos.leverage ? Number(pos.leverage) : 5);
      if (c.leverage === undefined && opening && marginMode === 'CROSS') {
        const cross = await ctx.kucoin.positions.crossLeverage(c.symbol).catch(() => null);
        if (!cross)
          return {
            status: 'rejected',
            reason: `data_missing: the cross leverage of ${c.symbol} could not be read; name a leverage`,
          };
        leverage = Number(cross.leverage);
      }
      const judge = (judged: TradableContract): RiskBlock[] => {
        const found = preTradeChecks(
          {
            symbol: c.symbol,
            side: c.side,
            lots: c.size,
            reduceOnly: c.reduceOnly,
            price: limitPrice ?? trigger,
            leverage,
            stopPrice: opening ? stop : null,
            kind: stopOrder ? 'stop' : c.orderType === 'limit' ? 'limit' : 'market',
          },
          judged,
          inputs,
        ).filter((b) => !(stopOrder && b.code === 'price_collar'));
        // A stop order is not a price resting away from the mark: it triggers at the mark, so the collar
        // is not its distance from the mark; a stop limit's limit is held to the collar around its stop.
        const collar = ctx.limits()?.priceCollarPct;
        if (c.orderType === 'stop_limit' && limitPrice && trigger && collar !== undefined) {
          const off = limitPrice.minus(trigger).abs().div(trigger).mul(100);
          if (off.gt(collar))
            found.push({
              code: 'price_collar',
              message: `limit ${limitPrice.toFixed()} is ${off.toFixed(3)} % from its stop ${trigger.toFixed()} (limit ${collar} %)`,
            });
        }
        return found;
      };
      let blocks = judge(contract);
      if (blocks.length === 0 && opening) {
        // Passed: the contract in the order's margin mode (KuCoin refuses an order in the other one),
        // then judged again at the risk-limit level KuCoin will judge the position at (the mode's).
        const refused = await this.executor.marginModes.ensure(
          c.symbol,
          marginMode,
          c.leverage,
          'operator order',
        );
        if (refused) return { status: 'rejected', reason: refused };
        const riskLimit = await this.risk.levels.of(c.symbol, marginMode);
        blocks = 'code' in riskLimit ? [riskLimit] : judge({ ...contract, riskLimit });
      }
      if (blocks.length > 0) {
        await insertRiskEvent(ctx.db, {
          accountId: ctx.accountId,
          code: blocks[0]!.code,
          severity: 'block',
          message: `operator order: ${blocks[0]!.message}`,
          data: { commandId: envelope.commandId },
        });
        return {
          status: 'rejected',
          reason: `${blocks[0]!.code}: ${blocks[0]!.message}`,
          result: { blocks: blocks.map((b) => b.code) },
        };
      }
      const base = {
        clientOid: clientOidFor('command', envelope.commandId),
        symbol: c.symbol,
        side: c.side,
        size: c.size,
        reduceOnly: c.reduceOnly,
        ...(opening ? { leverage, marginMode } : {}),
        purpose: 'manual' as const,
        commandId: envelope.commandId,
      };
      if (c.execution !== undefined) return this.routed(envelope, c, inputs, base, stop);
      const order = await this.executor.submit({
        ...base,
        type: c.orderType === 'limit' || c.orderType === 'stop_limit' ? 'limit' : 'market',
        ...(limitPrice ? { price: limitPrice } : {}),
        ...(c.postOnly ? { postOnly: true } : {}),
        ...(trigger && direction ? { stop: { direction, price: trigger } } : {}),
      });
      if (order.status === 'rejected') {
        // above the risk-limit level we read (changed behind our back): read it again next time
        if (order.reason?.includes('exchange_300005')) this.risk.levels.forget(c.symbol);
        return { status: 'failed', reason: order.reason, result: { orderId: order.id } };
      }
      if (c.orderType === 'market') {
        await this.executor.awaitDone(order);
        await this.ledger.syncFills(c.symbol);
        let after = await ctx.positions.get(c.symbol);
        // the ticket's stop-loss and take-profit (read back from this command), else the default stop
        if (after && after.qty !== 0 && opening && !after.stopPrice && !after.signalId)
          after = await this.protection.withOperatorProtection(after);
        // (its leverage is the ledger's: the opening order's, or unknown; never this order's guessed onto
        // a position it only added to)
        if (after && after.qty !== 0 && opening && stop && !after.stopPrice) {
          await ctx.positions.save({ ...after, stopPrice: stop.toFixed() });
        }
        await this.protection.ensure(c.symbol);
      }
      return {
        status: 'done',
        reason: null,
        result: {
          orderId: order.id,
          clientOid: order.clientOid,
          status: order.status,
          type: order.type,
          ...(direction ? { stopDirection: direction, stopPrice: trigger!.toFixed() } : {}),
          marginMode,
        },
      };
    });
  }

  /**
   * A market order with a router style: planned by the router from the book (a missing book refuses),
   * stored as an intent (its id is the command's, so a redelivered command finds it), the first child
   * sent here and the algorithm followed in the background; the command's outcome is stored at its end.
   */
  private async routed(
    envelope: CommandEnvelopeEntry,
    c: PlaceOrderCommand,
    inputs: RiskContext,
    base: Omit<OrderSpec, 'type'>,
    stop: Decimal | null,
  ): Promise<Outcome> {
    const { ctx } = this;
    const contract = ctx.contracts.get(c.symbol)!;
    const { config, requested } = operatorRouting(c.execution!);
    const m = inputs.market;
    const plan = await this.router.plan(
      c.symbol,
      c.side,
      c.size,
      config,
      { bid: m.bestBid, ask: m.bestAsk, at: m.bookAt },
      contract.tickSize,
      requested,
    );
    if ('code' in plan) return { status: 'rejected', reason: `${plan.code}: ${plan.message}` };
    const planned: OperatorLeg = {
      clientOid: base.clientOid,
      side: c.side,
      lots: c.size,
      leverage: base.leverage ?? 5,
      marginMode: base.marginMode ?? 'ISOLATED',
      reduceOnly: c.reduceOnly,
      purpose: 'manual',
      exec: plan,
      stopPrice: stop?.toFixed() ?? null,
    };
    const intent = await insertIntentOnce(ctx.db, {
      id: envelope.commandId,
      accountId: ctx.accountId,
      symbol: c.symbol,
      side: c.side,
      size: c.size,
      style: plan.style,
      leverage: base.leverage !== undefined ? String(base.leverage) : null,
      reduceOnly: c.reduceOnly,
      status: 'ordered',
      params: { origin: 'operator', commandId: envelope.commandId, legs: [planned] } as unknown as Record<
        string,
        unknown
      >,
    });
    return this.followRouted(envelope, c, intent);
  }

  /**
   * Send (or look up) a routed operator order's first child and follow its algorithm in the background,
   * from the plan its intent stored (a redelivered command follows the plan of its first delivery: the
   * same children, sizes and times). `resumed` (a redelivery, a restart): an opening first child the
   * exchange has never seen is checked again as of now — at the contract's risk-limit level, against the
   * kill switch — before it is sent, as a signal's resumed leg is; only the order just judged skips it.
   */
  private async followRouted(
    envelope: CommandEnvelopeEntry,
    c: PlaceOrderCommand,
    intent: IntentRow,
    { resumed = false }: { resumed?: boolean } = {},
  ): Promise<Outcome> {
    const { ctx } = this;
    const leg = ((intent.params as { legs?: OperatorLeg[] }).legs ?? [])[0];
    if (!leg?.exec) return { status: 'failed', reason: `intent ${intent.id} holds no routed leg` };
    // one follower per order: a second delivery while it runs leaves it to the first
    if (this.followed.has(envelope.commandId))
      return { status: 'running', reason: null, result: { style: leg.exec.style } };
    const exec = leg.exec;
    const reduceOnly = leg.reduceOnly ?? false;
    if (exec.style === 'twap') Router.reserveRest(ctx, envelope.commandId, c.symbol, leg, 1);
    if (resumed && !reduceOnly) {
      const blocked = await this.recheckFirst(envelope, c, intent, leg);
      if (blocked) return blocked;
    }
    const first = await this.executor.submit({
      clientOid: leg.clientOid,
      symbol: c.symbol,
      side: leg.side,
      reduceOnly,
      ...(reduceOnly ? {} : { leverage: leg.leverage, marginMode: leg.marginMode }),
      purpose: 'manual',
      commandId: envelope.commandId,
      intentId: intent.id,
      ...Router.firstChild(exec),
    });
    if (first.status === 'rejected') {
      if (first.reason?.includes('exchange_300005')) this.risk.levels.forget(c.symbol);
      ctx.state.reserveAlgo(envelope.commandId, c.symbol, 0);
      await setIntentStatus(ctx.db, intent.id, 'failed', first.reason);
      return { status: 'failed', reason: first.reason, result: { orderId: first.id, style: exec.style } };
    }
    const summary = { style: exec.style, styleReason: exec.reason, estCostBps: exec.estCostBps };
    // Followed outside the commands consumer (a TWAP takes its duration; a kill switch must not wait).
    const follow = this.router
      .runOperator(envelope.commandId, c.symbol, leg, first)
      .then(async (r): Promise<Outcome> => {
        await setIntentStatus(ctx.db, intent.id, r.filledLots > 0 ? 'done' : 'failed', r.shortfallReason);
        return {
          status: r.filledLots > 0 ? 'done' : 'failed',
          reason:
            r.filledLots >= c.size
              ? null
              : `${exec.style}: filled ${r.filledLots} of ${c.size}${r.shortfallReason ? ` (${r.shortfallReason})` : ''}`,
          result: {
            ...summary,
            filledLots: r.filledLots,
            children: r.children.map((o) => ({
              clientOid: o.clientOid,
              status: o.status,
              size: o.size,
              filledSize: o.filledSize,
            })),
          },
        };
      })
      .catch(
        (error): Outcome => ({
          status: 'failed',
          reason: `following the ${exec.style} order failed: ${error instanceof Error ? error.message : String(error)}`,
          result: summary,
        }),
      )
      .then((outcome) => this.finish(envelope, outcome));
    this.following.add(follow);
    this.followed.add(envelope.commandId);
    void follow.finally(() => {
      this.following.delete(follow);
      this.followed.delete(envelope.commandId);
    });
    return { status: 'running', reason: null, result: { ...summary, orderId: first.id } };
  }

  /**
   * A resumed routed order's opening first child, when the exchange has never seen it: checked as of now
   * (the rest of a TWAP is reserved, so the whole order is what is judged, as it was at first). Blocked,
   * its row (if any) is closed as never sent and the order ends `rejected` with the block; null: send it.
   */
  private async recheckFirst(
    envelope: CommandEnvelopeEntry,
    c: PlaceOrderCommand,
    intent: IntentRow,
    leg: OperatorLeg,
  ): Promise<Outcome | null> {
    const { ctx } = this;
    let row = await getOrderByClientOid(ctx.db, leg.clientOid);
    // An intent row may have reached the exchange before a crash: looked up before it is judged.
    if (row?.status === 'intent') {
      const found = await this.executor.lookup(row);
      if (found !== 'absent') row = found;
    }
    if (row && row.status !== 'intent') return null;
    const exec = leg.exec!;
    // its own intent row (counted in the account view) is not counted twice
    const block = await this.checkChild(
      c.symbol,
      leg,
      Router.firstChild(exec).size ?? leg.lots,
      row ?? undefined,
    );
    if (!block) return null;
    // given up only once the exchange cannot have it: one that lands meanwhile is followed as sent
    if (row && 'sent' in (await this.executor.abandonUnlessSent(row, `${block.code}: ${block.message}`)))
      return null;
    ctx.state.reserveAlgo(envelope.commandId, c.symbol, 0);
    await setIntentStatus(ctx.db, intent.id, 'risk_blocked', block.code);
    await insertRiskEvent(ctx.db, {
      accountId: ctx.accountId,
      code: block.code,
      severity: 'block',
      message: `operator order (resumed): ${block.message}`,
      data: { commandId: envelope.commandId },
    });
    return {
      status: 'rejected',
      reason: `${block.code}: ${block.message}`,
      result: { blocks: [block.code], style: exec.style },
    };
  }

  /**
   * After a restart: operator orders whose algorithm was running (command `running`, its intent still
   * `ordered`) are followed again from their stored plan — children looked up by clientOid, never sent
   * twice, the missing ones sent — and their outcome stored at the end. Reads the newest 500 commands.
   */
  async resumeRouted(): Promise<number> {
    const { ctx } = this;
    let resumed = 0;
    for (const row of await listCommands(ctx.db, 500)) {
      if (row.status !== 'running' || row.type !== 'place_order') continue;
      const parsed = placeOrderCommand.safeParse(row.command);
      if (!parsed.success || parsed.data.execution === undefined) continue;
      const intent = await getIntent(ctx.db, row.id);
      if (intent?.status !== 'ordered') continue;
      const envelope: CommandEnvelopeEntry = {
        commandId: row.id,
        issuedBy: row.issuedBy,
        issuedAt: row.createdAt.getTime(),
        idempotencyKey: row.idempotencyKey,
        command: parsed.data,
      };
      const c = parsed.data;
      const outcome = await ctx.withSymbol(c.symbol, () =>
        this.followRouted(envelope, c, intent, { resumed: true }),
      );
      if (outcome.status !== 'running') await this.finish(envelope, outcome);
      resumed++;
    }
    if (resumed > 0) ctx.log.info({ resumed }, 'operator orders with a router style resumed after a restart');
    return resumed;
  }

  /** Operator orders' algorithms still running (awaited by `idle`, e.g. before the engine closes). */
  private readonly following = new Set<Promise<void>>();
  /** their commands' ids */
  private readonly followed = new Set<string>();

  async idle(): Promise<void> {
    while (this.following.size > 0) await Promise.allSettled([...this.following]);
  }

  /**
   * The router's risk check of a child of an operator order (the same checks as the order itself).
   * `own`: the child's unsent intent row, judged again: left out of the expected position.
   */
  checkChild(symbol: string, leg: RoutedLeg, lots: number, own?: OrderRow): Promise<RiskBlock | null> {
    const reduceOnly = leg.reduceOnly ?? false;
    const stop = (leg as OperatorLeg).stopPrice;
    return this.risk.marketOrderBlock({
      symbol,
      origin: 'operator',
      side: leg.side,
      lots,
      leverage: leg.leverage,
      reduceOnly,
      marginMode: leg.marginMode,
      ...(own
        ? { qtyOverride: { [symbol]: this.ctx.state.expectedQty(symbol, { except: own.clientOid }) } }
        : {}),
      // the order's own stop, else a 2 % stop from the touch (as the order itself was checked)
      stopOf: (touch, contract) =>
        reduceOnly
          ? null
          : stop
            ? toMoney(stop)
            : touch
              ? stopPriceFor(
                  leg.side === 'buy' ? 'long' : 'short',
                  touch,
                  touch.mul('0.02'),
                  contract.tickSize,
                )
              : null,
    });
  }

  /** Fills of an operator order's children: applied, the position's stop set when it has none, protected. */
  filled(_commandId: string, symbol: string, leg: RoutedLeg, children: readonly OrderRow[]): Promise<void> {
    const { ctx } = this;
    return ctx.withSymbol(symbol, async () => {
      await this.ledger.syncFills(symbol, { orders: filledChildren(children) });
      const stop = (leg as OperatorLeg).stopPrice;
      const pos = await ctx.positions.get(symbol);
      if (pos && pos.qty !== 0 && !leg.reduceOnly && stop && !pos.stopPrice)
        await ctx.positions.save({ ...pos, stopPrice: stop });
      await this.protection.ensure(symbol);
    });
  }

  /** Store a command's outcome and announce it. */
  private async finish(envelope: CommandEnvelopeEntry, outcome: Outcome): Promise<void> {
    const { ctx } = this;
    if (outcome.status === 'running') return;
    if (await getCommand(ctx.db, envelope.commandId))
      await finishCommand(
        ctx.db,
        envelope.commandId,
        outcome.status,
        outcome.reason?.slice(0, 1000) ?? null,
        outcome.result ?? null,
      );
    ctx.publish('commands', {
      type: 'command.finished',
      commandId: envelope.commandId,
      command: envelope.command.type,
      ...outcome,
      at: ctx.clock.now(),
    });
  }

  /** Kill switch on: cancel open entry orders (protective stops kept); with `flatten`, close every position. */
  async killSwitchActions(
    flatten: boolean,
    reason: string,
  ): Promise<{ cancelled: number; flattened: string[] }> {
    const { ctx } = this;
    let cancelled = 0;
    const entries = (await liveOrders(ctx.db, ctx.accountId)).filter(
      (o) => o.purpose === 'entry' || o.purpose === 'manual' || (o.purpose === 'take_profit' && flatten),
    );
    for (const o of entries)
      if (await ctx.withSymbol(o.symbol, () => this.executor.cancel(o, `kill switch: ${reason}`)))
        cancelled++;
    const flattened: string[] = [];
    if (flatten) {
      for (const pos of await listPositions(ctx.db, ctx.accountId, true)) {
        await ctx.withSymbol(pos.symbol, async () => {
          const current = await ctx.positions.get(pos.symbol);
          if (!current || current.qty === 0) return;
          await this.protection.flatten(current, `kill switch: ${reason}`);
          await this.ledger.syncFills(pos.symbol);
          await this.protection.ensure(pos.symbol);
          flattened.push(pos.symbol);
        });
      }
    }
    return { cancelled, flattened };
  }
}
