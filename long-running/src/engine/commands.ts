import { clientOidFor } from '@enigma/core/engine/client-oid';
import { stopPriceFor } from '@enigma/core/engine/sizing';
import { toMoney } from '@enigma/core/money';
import { preTradeChecks } from '@enigma/core/risk/checks';
import type { CommandEnvelopeEntry } from '@enigma/core/streams/catalog';
import {
  claimCommand,
  finishCommand,
  getCommand,
  getPosition,
  insertRiskEvent,
  listPositions,
  liveOrders,
  savePosition,
} from '@enigma/db';
import type { EngineContext } from './context.ts';
import type { Executor } from './executor.ts';
import type { Ledger } from './ledger.ts';
import type { Protection } from './protection.ts';
import type { RiskInputs } from './risk-inputs.ts';

type Outcome = {
  status: 'done' | 'failed' | 'rejected';
  reason: string | null;
  result?: Record<string, unknown>;
};

/**
 * Operator commands from the API (place, cancel, cancel-all, close, TP/SL, kill switch). They go
 * through the same risk checks as signals (origin `operator`); each runs once (the commands table's row
 * moves pending → running → done/failed/rejected) and its outcome is stored for the API to read.
 */
export class CommandHandler {
  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly ledger: Ledger,
    private readonly protection: Protection,
    private readonly risk: RiskInputs,
    private readonly onKillSwitch: (on: boolean, reason: string, flatten: boolean) => Promise<void>,
  ) {}

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
    if (row)
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
        const live = (await liveOrders(ctx.db, ctx.accountId)).filter(
          (o) => (!c.symbol || o.symbol === c.symbol) && (o.purpose === 'entry' || o.purpose === 'manual'),
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
          const pos = await getPosition(ctx.db, ctx.accountId, c.symbol);
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
          const pos = await getPosition(ctx.db, ctx.accountId, c.symbol);
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
            if (mark && (long ? sl.gte(mark) : sl.lte(mark)))
              return {
                status: 'rejected',
                reason: `stop ${c.stopLoss} is on the wrong side of the mark ${mark.toFixed()}`,
              } as Outcome;
            update.stopPrice = sl.toFixed();
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
          await savePosition(ctx.db, update);
          const state = await this.protection.ensure(c.symbol);
          return {
            status: state === 'protected' ? 'done' : 'failed',
            reason: state === 'protected' ? null : `protection ${state}`,
            result: { stopPrice: update.stopPrice },
          } as Outcome;
        });
      }
      case 'place_order': {
        const contract = ctx.contracts.get(c.symbol);
        if (!contract) return { status: 'rejected', reason: `unknown_symbol: ${c.symbol}` };
        return ctx.withSymbol(c.symbol, async () => {
          const inputs = await this.risk.context(c.symbol, 'operator');
          const ref = c.price
            ? toMoney(c.price)
            : c.side === 'buy'
              ? inputs.market.bestAsk
              : inputs.market.bestBid;
          const pos = await getPosition(ctx.db, ctx.accountId, c.symbol);
          const opening = !c.reduceOnly;
          let stop = c.stopLoss ? toMoney(c.stopLoss) : null;
          if (opening && !stop && ref)
            stop = stopPriceFor(c.side === 'buy' ? 'long' : 'short', ref, ref.mul('0.02'), contract.tickSize);
          const blocks = preTradeChecks(
            {
              symbol: c.symbol,
              side: c.side,
              lots: c.size,
              reduceOnly: c.reduceOnly,
              price: c.price ? toMoney(c.price) : null,
              leverage: c.leverage ?? Number(pos?.leverage ?? 5),
              stopPrice: opening ? stop : null,
              kind: c.orderType,
            },
            contract,
            inputs,
          );
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
            } as Outcome;
          }
          const order = await this.executor.submit({
            clientOid: clientOidFor('command', envelope.commandId),
            symbol: c.symbol,
            side: c.side,
            type: c.orderType,
            size: c.size,
            ...(c.price ? { price: toMoney(c.price) } : {}),
            reduceOnly: c.reduceOnly,
            ...(opening ? { leverage: c.leverage ?? 5, marginMode: 'ISOLATED' as const } : {}),
            purpose: 'manual',
            commandId: envelope.commandId,
          });
          if (order.status === 'rejected')
            return { status: 'failed', reason: order.reason, result: { orderId: order.id } } as Outcome;
          if (c.orderType === 'market') {
            await this.executor.awaitDone(order);
            await this.ledger.syncFills(c.symbol);
            const after = await getPosition(ctx.db, ctx.accountId, c.symbol);
            if (after && after.qty !== 0 && opening && stop) {
              await savePosition(ctx.db, { ...after, stopPrice: after.stopPrice ?? stop.toFixed() });
            }
            await this.protection.ensure(c.symbol);
          }
          return {
            status: 'done',
            reason: null,
            result: { orderId: order.id, clientOid: order.clientOid, status: order.status },
          } as Outcome;
        });
      }
    }
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
          const current = await getPosition(ctx.db, ctx.accountId, pos.symbol);
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
