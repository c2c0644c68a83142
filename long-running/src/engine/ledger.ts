import { applyFill } from '@enigma/core/contract/math';
import type { ContractSpec } from '@enigma/core/contract/specs';
import { Money, toMoney } from '@enigma/core/money';
import {
  closedTradesAwaitingRecord,
  closeIdsTaken,
  getOrderByClientOid,
  insertClosedTrade,
  insertFills,
  insertRiskEvent,
  latestFillTime,
  type OrderRow,
  ordersWithExchangeIds,
  type PositionRow,
  setClosedTradeExchangeRecords,
  updateOrder,
  updateSignalStatus,
} from '@enigma/db';
import Decimal from 'decimal.js';
import type { Fill, Order } from '../exchange/types.ts';
import type { EngineContext } from './context.ts';
import { fundingSettlements, recordFundingPayments } from './funding.ts';
import type { PositionPatch } from './positions.ts';

const ZERO = new Money(0);
/**
 * How far before the newest fill we have a hot-path sync reads again: a fill listed a little after a
 * later one is still found at once (reconciliation reads a whole minute back).
 */
const HOT_OVERLAP_MS = 5_000;
const dec = (s: string | null | undefined) => (s === null || s === undefined ? ZERO : toMoney(s));

/** The contract maths only needs the multiplier; the exchange's contract list gives it. */
function specOf(ctx: EngineContext, symbol: string): ContractSpec {
  const c = ctx.contracts.get(symbol);
  if (!c) throw new Error(`no contract ${symbol}`);
  return { multiplier: c.multiplier } as ContractSpec;
}

/**
 * Positions and P&L from fills, in decimal: each exchange fill is recorded once (unique trade id), and
 * the position moves only when a fill is new, in the same transaction, so position = sum of fills.
 * When a round trip ends (flat, or through zero) it becomes a closed trade with its fees from the fills
 * and its funding from the exchange's funding history (not estimated).
 */
export class Ledger {
  /**
   * Trade ids this process has seen recorded (inserted, or already there). Every sync fetches the last
   * minute of fills again; without this each of them cost a transaction per sync. The database's unique
   * key stays the guard: a restarted process starts empty and re-checks once.
   */
  private readonly recorded = new Set<string>();
  /** Lots of each exchange order's fills in `recorded` (what a sync must still fetch of a filled order). */
  private readonly lotsByOrder = new Map<string, number>();
  /**
   * The newest fill time recorded per contract by this process (ms): where the next sync resumes, without
   * asking the database each time. This process is the only writer of its account's fills (the lease); a
   * contract it has not recorded a fill of yet is asked once.
   */
  private readonly newest = new Map<string, number>();
  /** Closed trades still without KuCoin's own record of their round trip, by contract (`fillExchangeRecords`). */
  private readonly awaitingRecord = new Map<string, AwaitingRecord[]>();

  /**
   * @param keptAnswer the executor's orders answered but not written yet, by exchange order id
   *   (`Executor.keptAnswer`): a fill of one is ours without a look-up at the exchange
   */
  constructor(
    private readonly ctx: EngineContext,
    private readonly keptAnswer: (exchangeOrderId: string) => OrderRow | null = () => null,
  ) {}

  /**
   * Fetch the exchange's fills for `symbol` and apply the new ones, oldest first.
   *
   * With `orders` (orders known to have filled, with their exchange ids and `filledSize`: a followed
   * order done, a private push) and no `overlapMs`: those orders' own fills by order id, only for orders
   * whose lots are not all recorded yet.
   *
   * Otherwise (the watchdog, an order without an exchange id, reconciliation), a window by contract:
   * since the newest fill we have, reaching back `overlapMs` before it (reconciliation: 60 s, for a fill
   * the exchange listed late; otherwise 5 s). An order of `orders` whose lots the window did not bring is
   * fetched by its id too, so a followed order is never judged on part of its fills.
   */
  async syncFills(
    symbol: string,
    opts: { overlapMs?: number; orders?: readonly FilledOrder[] } = {},
  ): Promise<number> {
    const { ctx } = this;
    const orders = opts.orders ?? [];
    if (
      opts.overlapMs === undefined &&
      orders.length > 0 &&
      orders.every((o) => o.exchangeOrderId !== null && o.filledSize > 0)
    ) {
      // Orders known to have filled (a followed order done, a private push): their own fills, fetched by
      // order id, and only those whose lots are not all recorded yet. A window by contract would bring
      // every fill of the last seconds again: at tens of orders a second, hundreds of fills per sync.
      ctx.metrics.fillSyncs.inc({ by: 'order' });
      const missing = orders.filter((o) => (this.lotsByOrder.get(o.exchangeOrderId!) ?? 0) < o.filledSize);
      const fetched = await Promise.all(missing.map((o) => this.fetchFills({ orderId: o.exchangeOrderId! })));
      const all = fetched.flat();
      return all.length === 0 ? 0 : this.applyFills(symbol, all);
    }
    const last = this.newest.get(symbol) ?? (await latestFillTime(ctx.db, ctx.accountId, symbol))?.getTime();
    const startAt =
      last !== undefined ? last - (opts.overlapMs ?? HOT_OVERLAP_MS) : ctx.clock.now() - 24 * 3600_000;
    ctx.metrics.fillSyncs.inc({ by: 'window' });
    const all = await this.fetchFillsSince(symbol, startAt);
    for (const o of orders) {
      if (!o.exchangeOrderId || o.filledSize <= 0) continue;
      const seen =
        (this.lotsByOrder.get(o.exchangeOrderId) ?? 0) +
        all
          .filter((f) => f.orderId === o.exchangeOrderId && !this.recorded.has(f.tradeId))
          .reduce((n, f) => n + f.size, 0);
      if (seen < o.filledSize) all.push(...(await this.fetchFills({ orderId: o.exchangeOrderId })));
    }
    if (all.length === 0) return 0;
    return this.applyFills(symbol, all);
  }

  /**
   * A contract's fills since `startAt`. KuCoin ends a window given only its start 24 h later and refuses
   * one longer than 7 days (old official futures docs, Get Fills, "Data Time Range"): a start alone more
   * than a day back would miss every later fill (a restart after a day down, a position held for days
   * then closed by its stop while the private socket was down). Such a start is read in explicit windows
   * of at most 7 days up to an hour ago, and from there with the start alone (its end past now).
   */
  private async fetchFillsSince(symbol: string, startAt: number): Promise<Fill[]> {
    const now = this.ctx.clock.now();
    const all: Fill[] = [];
    let from = startAt;
    while (now - from > FILL_WINDOW_MS - FILL_WINDOW_MARGIN_MS) {
      const to = Math.min(from + MAX_FILL_RANGE_MS, now - FILL_WINDOW_MARGIN_MS);
      all.push(...(await this.fetchFills({ symbol, startAt: from, endAt: to })));
      from = to;
    }
    all.push(...(await this.fetchFills({ symbol, startAt: from })));
    return all;
  }

  private async fetchFills(q: {
    symbol?: string;
    startAt?: number;
    endAt?: number;
    orderId?: string;
  }): Promise<Fill[]> {
    const all: Fill[] = [];
    for (let page = 1; page <= 50; page++) {
      const res = await this.ctx.kucoin.trade.fills({ ...q, currentPage: page, pageSize: 200 });
      all.push(...res.items);
      if (page >= res.totalPage || res.items.length === 0) break;
    }
    return all;
  }

  /** Apply exchange fills (any order, duplicates allowed): oldest first, each at most once. */
  async applyFills(symbol: string, list: readonly Fill[]): Promise<number> {
    const { ctx } = this;
    const sorted = [...new Map(list.map((f) => [f.tradeId, f])).values()]
      .filter((f) => f.symbol === symbol && f.size > 0 && !this.recorded.has(f.tradeId))
      .sort((a, b) => a.time - b.time || a.tradeId.localeCompare(b.tradeId));
    if (sorted.length === 0) return 0;
    const owners = await ordersWithExchangeIds(ctx.db, ctx.accountId, [
      ...new Set(sorted.map((f) => f.orderId)),
    ]);
    const ownerOf = new Map(owners.map((o) => [o.exchangeOrderId!, o]));
    // A fill of an order id we do not know may still be ours: one whose answer was lost (its row has no
    // exchange id yet). The exchange's order tells its clientOid; ours are recorded under theirs.
    for (const id of new Set(sorted.map((f) => f.orderId))) {
      if (ownerOf.has(id)) continue;
      const mine = this.keptAnswer(id) ?? (await this.ownOrderByExchangeId(id));
      if (mine) ownerOf.set(id, mine);
    }
    // All of the sync's new fills and the position they make in one transaction: each fill recorded at
    // most once (unique trade id), the position moved by exactly the fills that were new.
    // The position is written through the PositionBook on the transaction (a rolled-back one makes the
    // contract be read again, below).
    const moves = await ctx.db
      .transaction(async (tx) => {
        const fresh = await insertFills(
          tx as never,
          sorted.map((fill) => ({
            orderId: ownerOf.get(fill.orderId)?.id ?? null,
            accountId: ctx.accountId,
            tradeId: fill.tradeId,
            symbol,
            side: fill.side,
            price: fill.price.toFixed(),
            size: fill.size,
            fee: fill.fee.toFixed(),
            feeCurrency: fill.feeCurrency,
            liquidity: fill.liquidity,
            filledAt: new Date(fill.time),
          })),
        );
        if (fresh.size === 0) return [];
        let pos = await ctx.positions.get(symbol, tx as never);
        const changed: Partial<PositionPatch> = {};
        const out: {
          fill: Fill;
          owner: OrderRow | undefined;
          qty: number;
          closed: ClosedRoundTrip | null;
        }[] = [];
        for (const fill of sorted) {
          if (!fresh.has(fill.tradeId)) continue;
          const owner = ownerOf.get(fill.orderId);
          if (!owner) {
            // A fill of an order the engine never placed: the position it makes is adopted (and then protected).
            const opens = (pos?.qty ?? 0) === 0;
            await insertRiskEvent(tx as never, {
              accountId: ctx.accountId,
              code: opens ? 'position_adopted' : 'external_fill',
              severity: 'warn',
              message: `${symbol}: ${fill.side} ${fill.size} @ ${fill.price.toFixed()} by an order the engine did not place (${fill.orderId})${opens ? ': position adopted' : ''}`,
              data: { symbol, orderId: fill.orderId, tradeId: fill.tradeId },
            });
          }
          const moved = this.moveByFill(
            symbol,
            pos,
            fill,
            owner?.signalId ?? null,
            exitReasonOf(owner),
            owner?.leverage ?? null,
          );
          if (!pos) {
            // The contract's first position: its row (and id, which a round trip's record needs) exists now.
            pos = await ctx.positions.save(moved.patch, tx as never);
          } else {
            // Later fills of the batch move the row in memory; it is written once, with every field any of
            // them changed (exactly what writing each in turn would leave).
            pos = { ...pos, ...moved.patch } as PositionRow;
            Object.assign(changed, moved.patch);
          }
          out.push({ fill, owner, qty: moved.qty, closed: moved.closed });
        }
        if (pos && Object.keys(changed).length > 0) {
          const fields = Object.fromEntries(
            Object.keys(changed).map((k) => [k, (pos as unknown as Record<string, unknown>)[k]]),
          );
          await ctx.positions.save(
            { ...(fields as PositionPatch), accountId: ctx.accountId, symbol },
            tx as never,
          );
        }
        return out;
      })
      .catch((error) => {
        // Rolled back (or unknown): the contract's row is read from the database next time.
        ctx.positions.forget(symbol);
        throw error;
      });
    if (this.recorded.size > 200_000) {
      this.recorded.clear();
      this.lotsByOrder.clear();
    }
    for (const fill of sorted) {
      if (fill.time > (this.newest.get(symbol) ?? Number.NEGATIVE_INFINITY))
        this.newest.set(symbol, fill.time);
      this.recorded.add(fill.tradeId);
      this.lotsByOrder.set(fill.orderId, (this.lotsByOrder.get(fill.orderId) ?? 0) + fill.size);
    }
    // Committed: the position and the orders' applied lots change together in the account view.
    for (const m of moves) {
      ctx.state.applied(symbol, m.qty, m.owner?.id ?? null, m.fill.size);
      ctx.metrics.fills.inc({ purpose: m.owner?.purpose ?? 'external', liquidity: m.fill.liquidity });
    }
    for (const m of moves) if (m.closed) await this.finishRoundTrip(symbol, m.closed);
    if (moves.length > 0) ctx.publish('positions', { type: 'position.changed', symbol, at: ctx.clock.now() });
    return moves.length;
  }

  /**
   * What one fill does to the position: its new quantity, the round trip it ends, the row's changes.
   * A round trip the fill opens takes `leverage`, its order's (null for an order the engine did not place:
   * an adopted position's is not known), never the leverage an earlier round trip left on the row; a fill
   * adding to it at another leverage (or an unknown one) leaves it unknown.
   */
  private moveByFill(
    symbol: string,
    pos: PositionRow | null,
    fill: Fill,
    signalId: string | null,
    exitReason: ExitReason,
    leverage: string | null,
  ): { qty: number; closed: ClosedRoundTrip | null; patch: PositionPatch } {
    const { ctx } = this;
    const spec = specOf(ctx, symbol);
    const qty = pos?.qty ?? 0;
    const entry = dec(pos?.avgEntryPrice);
    const signed = fill.side === 'buy' ? fill.size : -fill.size;
    const out = applyFill(spec, qty, entry, signed, fill.price);
    const fillAt = new Date(fill.time);
    const fees = dec(pos?.fees);
    const realised = dec(pos?.realisedPnl).plus(out.realisedGross);
    // The exchange's liquidation price was for the position before this fill: unknown until its next
    // report. The unrealised P&L is the new position's at the last stored mark (0 without one).
    const mark = pos?.markPrice ? dec(pos.markPrice) : null;
    const marked = {
      liquidationPrice: null,
      unrealisedPnl:
        out.qty !== 0 && mark
          ? mark.minus(out.entryPrice).mul(out.qty).mul(spec.multiplier).toDecimalPlaces(10).toFixed()
          : '0',
    };
    // A fill that crosses zero: the closing share of its fee belongs to the closed trade.
    const closeShare = out.closedLots / fill.size;
    const feeClose = fill.fee.mul(closeShare);
    const feeOpen = fill.fee.minus(feeClose);
    const endsRoundTrip = qty !== 0 && (out.qty === 0 || Math.sign(out.qty) !== Math.sign(qty));
    if (endsRoundTrip) {
      const closed: ClosedRoundTrip = {
        positionId: pos!.id,
        signalId: pos!.signalId,
        side: qty > 0 ? 'long' : 'short',
        size: Math.max(pos!.maxQty, Math.abs(qty)),
        entryPrice: entry,
        exitPrice: fill.price,
        grossPnl: realised,
        fees: fees.plus(feeClose),
        fundingSoFar: dec(pos!.funding),
        openedAt: pos!.openedAt ?? fillAt,
        closedAt: fillAt,
        exitReason,
        leverage: pos!.leverage,
        closedLotsBefore: pos!.maxQty - Math.abs(qty),
        lastClosedLots: out.closedLots,
      };
      const opensNew = out.qty !== 0;
      const patch: PositionPatch = {
        accountId: ctx.accountId,
        symbol,
        qty: out.qty,
        avgEntryPrice: opensNew ? out.entryPrice.toFixed() : null,
        realisedPnl: '0',
        fees: opensNew ? feeOpen.toFixed() : '0',
        funding: '0',
        maxQty: Math.abs(out.qty),
        signalId: opensNew ? signalId : null,
        ...(opensNew ? { leverage } : {}),
        stopPrice: null,
        stopDistance: null,
        bestPrice: null,
        takeProfits: [],
        stopConfirmedAt: null,
        unprotectedSince: opensNew ? fillAt : null,
        openedAt: opensNew ? fillAt : null,
        closedAt: opensNew ? null : fillAt,
        fundingCheckedAt: opensNew ? fillAt : null,
        // the old stop stays recorded until protection cancels it
        stopOrderId: pos!.stopOrderId,
        stopClientOid: pos!.stopClientOid,
        stopVersion: pos!.stopVersion,
        ...marked,
      };
      return { qty: out.qty, closed, patch };
    }
    const opening = qty === 0;
    // A fill adding to the position at a leverage other than the position's (or at one not known: an
    // order the engine did not place) leaves the position's leverage unknown: KuCoin books each fill's
    // margin at its own order's leverage, so the initial margin is no longer entry notional / either one.
    const addsAtAnother = !opening && out.openedLots > 0 && !sameLeverage(pos?.leverage ?? null, leverage);
    const patch: PositionPatch = {
      accountId: ctx.accountId,
      symbol,
      qty: out.qty,
      avgEntryPrice: out.qty === 0 ? null : out.entryPrice.toFixed(),
      realisedPnl: realised.toFixed(),
      fees: fees.plus(fill.fee).toFixed(),
      funding: pos?.funding ?? '0',
      maxQty: Math.max(pos?.maxQty ?? 0, Math.abs(out.qty)),
      signalId: opening ? signalId : (pos?.signalId ?? null),
      ...(opening ? { leverage } : addsAtAnother ? { leverage: null } : {}),
      openedAt: opening ? fillAt : (pos?.openedAt ?? fillAt),
      closedAt: null,
      unprotectedSince: opening ? fillAt : (pos?.unprotectedSince ?? null),
      fundingCheckedAt: opening ? fillAt : (pos?.fundingCheckedAt ?? fillAt),
      ...marked,
    };
    return { qty: out.qty, closed: null, patch };
  }

  /** Our order row behind an exchange order id not yet recorded on it (its clientOid is ours), or null. */
  private async ownOrderByExchangeId(exchangeOrderId: string): Promise<OrderRow | null> {
    const { ctx } = this;
    ctx.metrics.fillOwnerLookups.inc();
    let o: Order;
    try {
      o = await ctx.kucoin.trade.order(exchangeOrderId);
    } catch {
      return null; // unknown to the exchange, or no answer: treated as not ours (reconciliation re-checks)
    }
    if (!o.clientOid) return null;
    const mine = await getOrderByClientOid(ctx.db, o.clientOid);
    if (!mine || mine.accountId !== ctx.accountId) return null;
    if (mine.exchangeOrderId === null) {
      const updated = await updateOrder(ctx.db, mine.id, { exchangeOrderId });
      ctx.state.track(updated);
      return updated;
    }
    return mine;
  }

  /** Write the closed trade with the exchange's funding over its life, and mark its signal closed. */
  private async finishRoundTrip(symbol: string, t: ClosedRoundTrip): Promise<void> {
    const { ctx } = this;
    const funding = await this.fundingBetween(symbol, t.openedAt.getTime(), t.closedAt.getTime()).catch(
      (error) => {
        ctx.log.warn(
          { symbol, err: error },
          'funding history unavailable: closed trade records the funding seen so far',
        );
        return t.fundingSoFar;
      },
    );
    const spec = specOf(ctx, symbol);
    // Average exit over every closing fill of the round trip: entry + gross / (closed lots × multiplier × side).
    const closedLots = t.closedLotsBefore + t.lastClosedLots;
    const sign = t.side === 'long' ? 1 : -1;
    const exit =
      closedLots > 0
        ? t.entryPrice.plus(t.grossPnl.div(new Decimal(closedLots).mul(spec.multiplier).mul(sign)))
        : t.exitPrice;
    const net = t.grossPnl.minus(t.fees).plus(funding);
    const tradeId = await insertClosedTrade(ctx.db, {
      accountId: ctx.accountId,
      positionId: t.positionId,
      signalId: t.signalId,
      symbol,
      side: t.side,
      size: t.size,
      entryPrice: t.entryPrice.toFixed(),
      exitPrice: exit.toFixed(),
      grossPnl: t.grossPnl.toFixed(),
      fees: t.fees.toFixed(),
      funding: funding.toFixed(),
      netPnl: net.toFixed(),
      openedAt: t.openedAt,
      closedAt: t.closedAt,
      exitReason: t.exitReason,
      leverage: t.leverage,
    });
    // KuCoin's own record of the round trip is looked up off this path, for all of a contract's new
    // trades at once (`fillExchangeRecords`, every second).
    const queue = this.awaitingRecord.get(symbol) ?? [];
    queue.push({
      tradeId,
      side: t.side,
      openedAt: t.openedAt.getTime(),
      closedAt: t.closedAt.getTime(),
      tries: 0,
    });
    this.awaitingRecord.set(symbol, queue);
    if (t.signalId)
      await updateSignalStatus(ctx.db, t.signalId, 'closed', `position closed: net ${net.toFixed(4)} USDT`);
    ctx.publish('positions', { type: 'position.closed', symbol, netPnl: net.toFixed(), at: ctx.clock.now() });
  }

  /**
   * KuCoin's own record of each closed trade still without one (`/api/v1/history-positions`): per
   * contract, one request covering all of its waiting trades; each trade takes the unused closed position
   * of the same side whose close time is nearest its own, within a minute. Kept beside ours so the
   * dashboard can show both and say why they differ. Best effort: a trade the exchange has not reported
   * yet is asked again on the next passes (up to `RECORD_TRIES`), and one that never shows stays without
   * it (it never blocks or fails the trade's record).
   */
  async fillExchangeRecords(): Promise<number> {
    const { ctx } = this;
    const WINDOW_MS = 60_000;
    let filled = 0;
    for (const [symbol, waiting] of [...this.awaitingRecord]) {
      this.awaitingRecord.delete(symbol);
      let items: Awaited<ReturnType<typeof ctx.kucoin.positions.history>>['items'] = [];
      try {
        const from = Math.min(...waiting.map((w) => w.openedAt)) - WINDOW_MS;
        const to = Math.max(...waiting.map((w) => w.closedAt)) + WINDOW_MS;
        for (let pageId = 1; pageId <= 20; pageId++) {
          const page = await ctx.kucoin.positions.history({ symbol, from, to, limit: 200, pageId });
          items.push(...page.items);
          if (pageId >= page.totalPage || page.items.length === 0) break;
        }
      } catch (error) {
        ctx.log.warn({ symbol, err: error }, "KuCoin's position history unavailable: asked again next pass");
        items = [];
      }
      // A record another trade already holds is not this one's (a later trade of the same side, closed
      // within the minute, would otherwise take its nearest: the earlier trade's record).
      let used: Set<string>;
      try {
        used = await closeIdsTaken(
          ctx.db,
          ctx.accountId,
          items.map((h) => h.closeId),
        );
      } catch (error) {
        ctx.log.warn({ symbol, err: error }, 'exchange records not matched: asked again next pass');
        this.awaitingRecord.set(symbol, [...waiting, ...(this.awaitingRecord.get(symbol) ?? [])]);
        continue;
      }
      const found: { id: string; record: (typeof items)[number] }[] = [];
      const left: AwaitingRecord[] = [];
      for (const w of [...waiting].sort((a, b) => a.closedAt - b.closedAt)) {
        const side = w.side === 'long' ? 'LONG' : 'SHORT';
        const near = items
          .filter(
            (h) => h.side === side && !used.has(h.closeId) && Math.abs(h.closeTime - w.closedAt) <= WINDOW_MS,
          )
          .sort((a, b) => Math.abs(a.closeTime - w.closedAt) - Math.abs(b.closeTime - w.closedAt))[0];
        if (near) {
          used.add(near.closeId);
          found.push({ id: w.tradeId, record: near });
        } else if (w.tries + 1 < RECORD_TRIES) left.push({ ...w, tries: w.tries + 1 });
        else
          ctx.log.warn(
            { symbol, tradeId: w.tradeId },
            "KuCoin's position history never listed this round trip",
          );
      }
      if (found.length > 0) {
        try {
          await setClosedTradeExchangeRecords(
            ctx.db,
            found.map(({ id, record }) => ({
              id,
              exchangePnl: record.pnl.toFixed(),
              exchangeFees: record.tradeFee.toFixed(),
              exchangeFunding: record.fundingFee.toFixed(),
              exchangeCloseId: record.closeId,
            })),
          );
          filled += found.length;
        } catch (error) {
          ctx.log.warn({ symbol, err: error }, 'exchange records not written: asked again next pass');
          left.push(...waiting.filter((w) => found.some((f) => f.id === w.tradeId)));
        }
      }
      if (left.length > 0)
        this.awaitingRecord.set(symbol, [...left, ...(this.awaitingRecord.get(symbol) ?? [])]);
    }
    return filled;
  }

  /**
   * After a start: the closed trades still without KuCoin's record that closed within `withinMs` are
   * asked for again (the queue of `fillExchangeRecords` lives in memory and a restart emptied it).
   */
  async resumeAwaitingRecords(withinMs = RESUME_RECORDS_WITHIN_MS): Promise<number> {
    const { ctx } = this;
    const rows = await closedTradesAwaitingRecord(
      ctx.db,
      ctx.accountId,
      new Date(ctx.clock.now() - withinMs),
    );
    const queued = new Set([...this.awaitingRecord.values()].flat().map((w) => w.tradeId));
    for (const r of rows) {
      if (queued.has(r.id)) continue;
      const queue = this.awaitingRecord.get(r.symbol) ?? [];
      queue.push({
        tradeId: r.id,
        side: r.side as AwaitingRecord['side'],
        openedAt: r.openedAt.getTime(),
        closedAt: r.closedAt.getTime(),
        tries: 0,
      });
      this.awaitingRecord.set(r.symbol, queue);
    }
    return rows.length;
  }

  /** Funding the exchange settled on `symbol` between two instants (positive = received), recorded once each. */
  async fundingBetween(symbol: string, fromMs: number, toMs: number): Promise<Decimal> {
    const { ctx } = this;
    const items = await fundingSettlements(ctx.kucoin.account, symbol, fromMs, toMs, MAX_FUNDING_PAGES);
    await recordFundingPayments(ctx.db, ctx.accountId, symbol, items);
    return items.reduce((total, p) => total.plus(p.funding), new Money(0));
  }
}

/** Two leverages are the same one: both known and equal as numbers ('5' and '5.0'). */
function sameLeverage(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && toMoney(a).eq(toMoney(b));
}

/** An order the exchange reported filled by `filledSize` lots (a row, or a private push). */
/** Pages of funding history read for one closed trade (100 settlements a page). */
const MAX_FUNDING_PAGES = 20;
/** How far KuCoin's fills window reaches from a start given alone (24 h). */
const FILL_WINDOW_MS = 86_400_000;
/** The longest fills window KuCoin answers (7 days). */
const MAX_FILL_RANGE_MS = 7 * FILL_WINDOW_MS;
/** How far before now the explicit windows stop (the last, open-ended one covers the rest). */
const FILL_WINDOW_MARGIN_MS = 3_600_000;
/** How many passes look for KuCoin's record of a closed trade before it is given up. */
const RECORD_TRIES = 10;
/** How far back a start looks for closed trades still waiting for KuCoin's record (an hour). */
const RESUME_RECORDS_WITHIN_MS = 3_600_000;

interface AwaitingRecord {
  tradeId: string;
  side: 'long' | 'short';
  openedAt: number;
  closedAt: number;
  tries: number;
}

export interface FilledOrder {
  exchangeOrderId: string | null;
  filledSize: number;
}

interface ClosedRoundTrip {
  positionId: string;
  signalId: string | null;
  side: 'long' | 'short';
  size: number;
  entryPrice: Decimal;
  exitPrice: Decimal;
  grossPnl: Decimal;
  fees: Decimal;
  fundingSoFar: Decimal;
  openedAt: Date;
  closedAt: Date;
  exitReason: string | null;
  /** the position's leverage (initial margin = entry notional / leverage); null when not known (adopted) */
  leverage: string | null;
  closedLotsBefore: number;
  lastClosedLots: number;
}

/**
 * Why a round trip closed, from the order whose fill closed it: the protective stop, a take-profit, a
 * signal (a close, a reduce, the close before a reverse), the operator (a close or manual order from the
 * API), the engine's flatten (kill switch, a position left unprotected), or an order the engine did not
 * place (`external`: a manual trade on the exchange, a liquidation, ADL).
 */
export type ExitReason = 'stop' | 'take_profit' | 'signal' | 'operator' | 'flatten' | 'external';

export function exitReasonOf(
  owner: { purpose: string; signalId: string | null; commandId?: string | null } | undefined,
): ExitReason {
  if (!owner) return 'external';
  switch (owner.purpose) {
    case 'stop':
      return 'stop';
    case 'take_profit':
      return 'take_profit';
    case 'flatten':
      return 'flatten';
    case 'manual':
      return 'operator';
    default:
      // `exit` and `entry` orders: the operator's when a command placed them, else a signal's
      return owner.commandId ? 'operator' : 'signal';
  }
}

/**
 * A routed leg's children that filled, for a fill sync by order id; empty (a sync by time window) when
 * one of them has no exchange id yet (its answer was lost: the window finds its fills).
 */
export function filledChildren(children: readonly OrderRow[]): OrderRow[] {
  const filled = children.filter((c) => c.filledSize > 0);
  return filled.every((c) => c.exchangeOrderId !== null) ? filled : [];
}
