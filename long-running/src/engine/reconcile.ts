import {
  getOrderByClientOid,
  getOrderByExchangeId,
  insertRiskEvent,
  listPositions,
  liveOrders,
  type OrderRow,
  type PositionRow,
} from '@enigma/db';
import type { Order, Position } from '../exchange/types.ts';
import type { EngineContext } from './context.ts';
import type { Executor } from './executor.ts';
import type { Ledger } from './ledger.ts';
import type { Protection } from './protection.ts';

export interface ReconcileReport {
  ordersResolved: number;
  fillsApplied: number;
  positionsAdopted: string[];
  positionsCorrected: string[];
  orphanStopsCancelled: number;
  unknownOrders: number;
}

/**
 * Reconciliation with the exchange: before the first trade after any start (the engine trades nothing
 * until it has succeeded), periodically, and after every private-socket reconnect. Our live orders are
 * looked up (by clientOid when the id is unknown), fills since the last known one applied, positions
 * compared: an exchange position we do not know is adopted and protected, a drift corrected, an orphan
 * stop cancelled; every drift is a risk event. A failed or missing report is never read as "flat".
 */
export class Reconciler {
  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly ledger: Ledger,
    private readonly protection: Protection,
  ) {}

  /**
   * One contract's position at the exchange (undefined when flat); throws when it does not answer. Read
   * from the account's list: what KuCoin's one-contract read answers for a flat contract is not
   * documented, while the list (open positions only) is.
   */
  private async exchangePosition(symbol: string): Promise<Position | undefined> {
    const list = await this.ctx.kucoin.positions.positions('USDT');
    return list.find((p) => p.symbol === symbol && p.qty !== 0);
  }

  /** One stop order at the exchange against the contract's position: kept, or cancelled as an orphan. */
  private async judgeStop(so: Order, pos: PositionRow | undefined, report: ReconcileReport): Promise<void> {
    const { ctx } = this;
    // Ours by its exchange id, or by its clientOid while its answer's write is still on its way.
    const mine: OrderRow | null =
      (await getOrderByExchangeId(ctx.db, so.id)) ??
      (so.clientOid ? await getOrderByClientOid(ctx.db, so.clientOid) : null);
    const isCurrentStop =
      pos && pos.qty !== 0 && (pos.stopOrderId === so.id || (mine && pos.stopClientOid === mine.clientOid));
    const isTakeProfit = mine?.purpose === 'take_profit' && pos && pos.qty !== 0;
    const pending =
      mine &&
      (mine.purpose === 'stop' || mine.purpose === 'take_profit') &&
      pos &&
      pos.qty !== 0 &&
      !pos.stopConfirmedAt;
    if (isCurrentStop || isTakeProfit || pending) return;
    // Only protection is judged here: a stop or take-profit of ours, or a stray reduce-only / close stop.
    // A conditional order placed to trade (the ticket's stop market or stop limit, a signal's entry) rests
    // until it triggers or is cancelled, ours or not.
    const protective = mine
      ? mine.purpose === 'stop' || mine.purpose === 'take_profit'
      : so.reduceOnly || so.closeOrder;
    if (!protective) return;
    try {
      await ctx.kucoin.trade.cancelOrder(so.id);
      report.orphanStopsCancelled++;
      await insertRiskEvent(ctx.db, {
        accountId: ctx.accountId,
        code: 'orphan_stop_cancelled',
        severity: 'warn',
        message: `${so.symbol}: ${so.side} stop ${so.stopPrice?.toFixed() ?? ''} × ${so.size} guarded no current position: cancelled`,
        data: { symbol: so.symbol, orderId: so.id, clientOid: so.clientOid },
      });
      if (mine) await this.executor.refresh(mine).catch(() => {});
    } catch (error) {
      ctx.log.warn({ orderId: so.id, err: error }, 'could not cancel an orphan stop');
    }
  }

  async run(): Promise<ReconcileReport> {
    const { ctx } = this;
    const report: ReconcileReport = {
      ordersResolved: 0,
      fillsApplied: 0,
      positionsAdopted: [],
      positionsCorrected: [],
      orphanStopsCancelled: 0,
      unknownOrders: 0,
    };
    // The position rows are read from the database again: whatever this pass finds is measured against them.
    ctx.positions.forget();
    // 1. Our live orders (intents, unknown outcomes, open) against the exchange.
    for (const order of await liveOrders(ctx.db, ctx.accountId)) {
      const before = order.status;
      const after = await ctx.withSymbol(order.symbol, () => this.executor.refresh(order));
      if (after.status !== before) report.ordersResolved++;
    }
    // 2. Positions: throws when the exchange does not answer (never read as flat).
    const exchangePositions = await ctx.kucoin.positions.positions('USDT');
    const theirs = new Map<string, Position>();
    for (const p of exchangePositions) {
      if (p.qty === 0) continue;
      theirs.set(p.symbol, p);
      // Its closes, stop and flatten name the contract's mode without a read on their way to the wire.
      if (p.marginMode) this.executor.marginModes.observe(p.symbol, p.marginMode);
    }
    const ours = await listPositions(ctx.db, ctx.accountId, false);
    const symbols = new Set([...theirs.keys(), ...ours.filter((p) => p.qty !== 0).map((p) => p.symbol)]);
    for (const symbol of symbols) {
      if (!ctx.contracts.get(symbol)) continue;
      await ctx.withSymbol(symbol, async () => {
        // A full minute back: a fill the exchange listed late is found here.
        report.fillsApplied += await this.ledger.syncFills(symbol, { overlapMs: 60_000 });
        let mine = await ctx.positions.get(symbol);
        let ex = theirs.get(symbol);
        if ((ex?.qty ?? 0) !== (mine?.qty ?? 0)) {
          // The list was read before this contract's lock: an order of ours may have filled since (its
          // fills applied just now). Only a difference that outlasts a fresh read of the contract, with the
          // fills up to that read applied, is a drift; the fresh figure is the one corrected to.
          const fresh = await this.exchangePosition(symbol);
          report.fillsApplied += await this.ledger.syncFills(symbol, { overlapMs: 60_000 });
          mine = await ctx.positions.get(symbol);
          ex = fresh;
        }
        const exQty = ex?.qty ?? 0;
        const myQty = mine?.qty ?? 0;
        if (exQty === myQty) return;
        const adopted = myQty === 0;
        (adopted ? report.positionsAdopted : report.positionsCorrected).push(symbol);
        await insertRiskEvent(ctx.db, {
          accountId: ctx.accountId,
          code: adopted ? 'position_adopted' : 'position_drift',
          severity: 'warn',
          message: adopted
            ? `${symbol}: the exchange holds ${exQty} lots we did not open: adopted and protected`
            : `${symbol}: ours ${myQty} lots, exchange ${exQty} lots after applying its fills: corrected to the exchange`,
          data: { symbol, ours: myQty, exchange: exQty },
        });
        ctx.publish('risk', {
          type: 'risk.event',
          code: adopted ? 'position_adopted' : 'position_drift',
          symbol,
          at: ctx.clock.now(),
        });
        const now = new Date(ctx.clock.now());
        await ctx.positions.save({
          ...(mine ?? {}),
          accountId: ctx.accountId,
          symbol,
          qty: exQty,
          avgEntryPrice: ex ? ex.avgEntryPrice.toFixed() : null,
          // A cross position's leverage is the exchange's (the contract's cross leverage). An isolated
          // one's as KuCoin reports it is its real leverage (value at the mark / margin), which moves with
          // the mark and with margin added: not the leverage its margin was put up at, so not taken (an
          // adopted one's is unknown). Never what an earlier round trip left on the row.
          leverage:
            ex?.marginMode === 'CROSS' && ex.leverage
              ? ex.leverage.toFixed()
              : adopted
                ? null
                : (mine?.leverage ?? null),
          marginMode: ex?.marginMode ?? mine?.marginMode ?? null,
          maxQty: Math.max(mine?.maxQty ?? 0, Math.abs(exQty)),
          openedAt: mine?.openedAt ?? (exQty !== 0 ? now : null),
          closedAt: exQty === 0 ? now : null,
          unprotectedSince: exQty !== 0 ? (mine?.unprotectedSince ?? now) : null,
          stopPrice: adopted ? null : (mine?.stopPrice ?? null),
          stopConfirmedAt: null,
        });
        ctx.state.setQty(symbol, exQty);
      });
    }
    // 3. Stop orders at the exchange: protective ones that guard no current position (ours or strays) are cancelled.
    const stopOrders: Order[] = [];
    for (let page = 1; page <= 20; page++) {
      const res = await ctx.kucoin.trade.stopOrders({ currentPage: page, pageSize: 100 });
      stopOrders.push(...res.items);
      if (page >= res.totalPage || res.items.length === 0) break;
    }
    const positionsNow = new Map(
      (await listPositions(ctx.db, ctx.accountId, false)).map((p) => [p.symbol, p]),
    );
    const bySymbol = new Map<string, Order[]>();
    for (const so of stopOrders) bySymbol.set(so.symbol, [...(bySymbol.get(so.symbol) ?? []), so]);
    for (const [symbol, list] of bySymbol) {
      // Judged under the contract's lock, on its position as it is then: protection replaces a stop under
      // the same lock, so a new stop is never judged against the row that still names the old one.
      await ctx.withSymbol(symbol, async () => {
        const pos = ctx.contracts.get(symbol) ? await ctx.positions.get(symbol) : positionsNow.get(symbol);
        for (const so of list) await this.judgeStop(so, pos ?? undefined, report);
      });
    }
    // 4. Open orders at the exchange we know nothing about: reported.
    const open = await ctx.kucoin.trade.orders({ status: 'active', pageSize: 200 });
    for (const o of open.items) {
      if (await getOrderByExchangeId(ctx.db, o.id)) continue;
      report.unknownOrders++;
      await insertRiskEvent(ctx.db, {
        accountId: ctx.accountId,
        code: 'unknown_order',
        severity: 'warn',
        message: `${o.symbol}: open ${o.side} ${o.type} ${o.size} @ ${o.price?.toFixed() ?? 'market'} was not placed by the engine`,
        data: { symbol: o.symbol, orderId: o.id, clientOid: o.clientOid },
      });
    }
    // 5. Every position protected (and every flat one's leftovers cancelled).
    for (const symbol of new Set([...symbols, ...positionsNow.keys()])) {
      if (!ctx.contracts.get(symbol)) continue;
      await ctx.withSymbol(symbol, () => this.protection.ensure(symbol));
    }
    // Mark prices of positions for the dashboard.
    // Under the contract's lock, on the row as it is then, and only while it is still the position the
    // figures describe: a row read earlier would write back a quantity a fill has changed since.
    for (const p of exchangePositions) {
      if (p.qty === 0 || !positionsNow.has(p.symbol)) continue;
      await ctx
        .withSymbol(p.symbol, async () => {
          const current = await ctx.positions.get(p.symbol);
          if (!current || current.qty !== p.qty) return;
          await ctx.positions.save({
            ...current,
            markPrice: p.markPrice.toFixed(),
            liquidationPrice: p.liquidationPrice.toFixed(),
            unrealisedPnl: p.unrealisedPnl.toFixed(),
          });
        })
        .catch((error: unknown) =>
          ctx.log.warn({ symbol: p.symbol, err: error }, 'could not store the position’s mark price'),
        );
    }
    return report;
  }
}
