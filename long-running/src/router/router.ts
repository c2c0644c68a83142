import { clientOidFor, MAX_CLIENT_OID_SEQ } from '@enigma/core/engine/client-oid';
import { toMoney } from '@enigma/core/money';
import type { RiskBlock } from '@enigma/core/risk/checks';
import { type BookSide, protectedLimit } from '@enigma/core/router/book';
import {
  chaseStep,
  type ExecutionConfig,
  type ExecutionStyle,
  executionQuality,
  icebergVisible,
  route,
  type Slice,
  twapSlices,
} from '@enigma/core/router/plan';
import { getIntent, getIntentBySignal, getOrderByClientOid, type OrderRow } from '@enigma/db';
import type Decimal from 'decimal.js';
import type { EngineContext } from '../engine/context.ts';
import type { Executor, OrderSpec } from '../engine/executor.ts';
import type { MarketView } from '../engine/market.ts';
import type { Jobs } from '../jobs/types.ts';

/**
 * The smart order router at run time: it plans an opening leg's execution at the decision (style,
 * protected price, slices) and runs the algorithms that need more than one order (TWAP, limit chase)
 * or a time limit (iceberg). Every child order goes through the executor with a clientOid derived from
 * the signal and the child's index, so a restart recomputes the same ids: a child is looked up before
 * anything is sent again, and the unique key refuses a second one. Children of one leg are sent one
 * after the other (one live entry order per intent, a database invariant).
 */

/** The router's plan for an opening leg, stored with the intent (`params.legs[i].exec`). */
export interface LegExecution {
  style: ExecutionStyle;
  reason: string;
  /** decision-time mid (slippage and shortfall are measured against it) */
  mid: string;
  /** the taker side's touch and the protected limit at the decision */
  touch: string;
  limit: string;
  /** the passive touch (a buy's best bid) when the decision was taken: where a chase starts */
  passive: string;
  /** the book walk's estimated cost of the whole size, bps (null without depth) */
  estCostBps: string | null;
  /** epoch ms of the decision: a TWAP's slices are scheduled from here */
  startAt: number;
  slices: Slice[];
  visibleLots: number | null;
  budgetBps: number;
  chase: ExecutionConfig['chase'];
  icebergMaxSeconds: number;
}

/** The parts of a signal's leg the router reads (structurally the engine's `Leg`). */
export interface RoutedLeg {
  clientOid: string;
  side: 'buy' | 'sell';
  lots: number;
  leverage: number;
  marginMode: 'ISOLATED' | 'CROSS';
  exec?: LegExecution;
  /** an operator order may reduce only (a signal's routed leg always opens) */
  reduceOnly?: boolean;
  /** the children's purpose: `entry` for a signal's leg, `manual` for an operator order */
  purpose?: 'entry' | 'manual';
}

/**
 * Whom an algorithm runs for: a signal's routed entry, or an operator order from the order ticket.
 * `key` (the signal's or the command's id, a UUID either way) derives the children's clientOids and
 * names the account view's reservation.
 */
export interface AlgoOwner {
  key: string;
  signalId: string | null;
  commandId: string | null;
}

/** A TWAP slice's job: a signal's (`signalId`) or an operator order's (`commandId` and its intent). */
export interface SliceJob {
  signalId?: string;
  commandId?: string;
  intentId?: string;
  index: number;
}

const signalOwner = (signalId: string): AlgoOwner => ({ key: signalId, signalId, commandId: null });
const commandOwner = (commandId: string): AlgoOwner => ({ key: commandId, signalId: null, commandId });

/**
 * What the signal handler (or the operator's command handler) does for the router: risk checks for
 * each child, and protection after fills.
 */
export interface AlgoHooks {
  /**
   * the engine's pre-trade checks for a child of `lots` (kill switch, breakers, limits); null = allowed.
   * `own`: the child's unsent intent row, judged again (left out of the position it is judged against).
   */
  checkChild(symbol: string, leg: RoutedLeg, lots: number, own?: OrderRow): Promise<ChildBlock | null>;
  /**
   * fills of the leg's children arrived: apply them and protect the position (under the contract's lock).
   * `children`: the rows whose fills arrived (their fills are fetched by order id, not by a time window).
   */
  filled(ownerKey: string, symbol: string, leg: RoutedLeg, children: readonly OrderRow[]): Promise<void>;
}

/**
 * Why a child is not sent: a pre-trade check's block, or (a crash-left child resumed) `stale_at_engine`.
 */
export type ChildBlock = RiskBlock | { code: 'stale_at_engine'; message: string };

export interface AlgoResult {
  filledLots: number;
  children: OrderRow[];
  /** why it ended short of the size, when it did */
  shortfallReason: string | null;
}

/** The chase's taker fallback: the last sequence a clientOid can carry. */
const FALLBACK_SEQ = MAX_CLIENT_OID_SEQ;
const TERMINAL = new Set(['filled', 'canceled', 'rejected']);
const isDone = (r: OrderRow) => TERMINAL.has(r.status);
export const ROUTER_QUEUE = 'router';
/** the oldest touch a protected price may start from */
const TOUCH_MAX_AGE_MS = 1_000;

export class Router {
  private hooks: AlgoHooks | null = null;
  private operatorHooks: AlgoHooks | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly market: MarketView,
    private readonly jobs: Jobs | null = null,
  ) {}

  setHooks(hooks: AlgoHooks): void {
    this.hooks = hooks;
  }

  /** The command handler's hooks, for operator orders with a router style. */
  setOperatorHooks(hooks: AlgoHooks): void {
    this.operatorHooks = hooks;
  }

  private hooksOf(owner: AlgoOwner): AlgoHooks {
    const hooks = owner.commandId ? this.operatorHooks : this.hooks;
    if (!hooks) throw new Error(`router: no hooks for ${owner.commandId ? 'operator orders' : 'signals'}`);
    return hooks;
  }

  /** Run TWAP slices from the job queue (the leader only: children are written under its lease). */
  async start(): Promise<void> {
    if (!this.jobs) return;
    await this.jobs.process(
      ROUTER_QUEUE,
      async (run) => {
        await this.runSlice(run.data as SliceJob);
      },
      { concurrency: 4 },
    );
  }

  /**
   * Plan an opening leg: the style (named, configured, or chosen from the book), the protected limit,
   * the estimated cost. `auto` reads up to 100 levels of depth (fetched when older than a second); a missing
   * book blocks (fail closed).
   */
  async plan(
    symbol: string,
    side: 'buy' | 'sell',
    lots: number,
    config: ExecutionConfig,
    top: { bid: Decimal | null; ask: Decimal | null; at: number | null },
    tickSize: Decimal,
    /** a style the alert named: wins over the configuration */
    requested: ExecutionStyle | null = null,
  ): Promise<LegExecution | { code: string; message: string }> {
    let book: BookSide | null = null;
    // The protected price is only as good as the touch it starts from: older than a second (no
    // collector feeding the view), the book is read first.
    const fresh = top.at !== null && this.ctx.clock.now() - top.at <= TOUCH_MAX_AGE_MS;
    if ((config.style === 'auto' && !requested) || !fresh)
      book = await this.market.depth(symbol, TOUCH_MAX_AGE_MS, { side, lots });
    else if (top.bid && top.ask)
      book = { bids: [{ price: top.bid, lots: 0 }], asks: [{ price: top.ask, lots: 0 }] };
    if (!book) return { code: 'data_missing', message: 'no order book: cannot route the entry' };
    const r = route({ side, lots, book, tickSize, config, requested });
    if (!r.ok) return { code: 'data_missing', message: r.message };
    const passive = (side === 'buy' ? book.bids : book.asks)[0]!.price;
    const twapMs = config.twap.durationSeconds * 1000;
    return {
      style: r.style,
      reason: r.reason,
      mid: r.mid.toFixed(),
      touch: r.touch.toFixed(),
      limit: r.limit.toFixed(),
      passive: passive.toFixed(),
      // the book walk's estimate, where depth was read (a touch alone has none)
      estCostBps: r.estimate.filledLots > 0 && r.estimate.costBps ? r.estimate.costBps.toFixed(2) : null,
      startAt: this.ctx.clock.now(),
      slices:
        r.style === 'twap'
          ? twapSlices(lots, r.slices, twapMs, r.firstLots)
          : [{ index: 0, lots, offsetMs: 0 }],
      visibleLots: r.style === 'iceberg' ? icebergVisible(lots, config.iceberg.visibleLots) : null,
      budgetBps: config.slippageBps,
      chase: config.chase,
      icebergMaxSeconds: config.iceberg.maxSeconds,
    };
  }

  /** The order fields of a leg's first child (sent on the decision's fast path). */
  static firstChild(
    exec: LegExecution,
  ): Pick<
    OrderSpec,
    | 'type'
    | 'price'
    | 'timeInForce'
    | 'postOnly'
    | 'visibleSize'
    | 'size'
    | 'execStyle'
    | 'decisionMid'
    | 'estCostBps'
  > {
    const base = { execStyle: exec.style, decisionMid: exec.mid, estCostBps: exec.estCostBps };
    switch (exec.style) {
      case 'limit_chase':
        return {
          ...base,
          type: 'limit',
          price: toMoney(exec.passive),
          postOnly: true,
          size: exec.slices[0]!.lots,
        };
      case 'iceberg':
        return {
          ...base,
          type: 'limit',
          price: toMoney(exec.limit),
          timeInForce: 'GTC',
          visibleSize: exec.visibleLots ?? undefined,
          size: exec.slices[0]!.lots,
        };
      default:
        return {
          ...base,
          type: 'limit',
          price: toMoney(exec.limit),
          timeInForce: 'IOC',
          size: exec.slices[0]!.lots,
        };
    }
  }

  /** Reserve, in the account view, the lots of a TWAP's slices from `fromIndex` on (they have no row yet). */
  static reserveRest(
    ctx: EngineContext,
    signalId: string,
    symbol: string,
    leg: RoutedLeg,
    fromIndex: number,
  ): void {
    const lots = (leg.exec?.slices ?? []).filter((s) => s.index >= fromIndex).reduce((n, s) => n + s.lots, 0);
    ctx.state.reserveAlgo(signalId, symbol, leg.side === 'buy' ? lots : -lots);
  }

  /**
   * A child's clientOid: the first is the leg's own, the others derived from the owner (the signal's or
   * the command's id) and the index.
   */
  static childOid(ownerKey: string, leg: RoutedLeg, seq: number): string {
    return seq === 0 ? leg.clientOid : clientOidFor('algo', ownerKey, seq);
  }

  /**
   * Follow a routed leg to its end, its first child already on the wire (or looked up): a single order
   * waited for (an iceberg cancelled at its time limit), a TWAP's slices, a chase's re-pricing. Returns
   * what filled; the fills are applied and the position protected as they arrive.
   */
  run(signalId: string, symbol: string, leg: RoutedLeg, first: OrderRow): Promise<AlgoResult> {
    return this.follow(signalOwner(signalId), symbol, leg, first);
  }

  /**
   * Follow an operator order with a router style (the order ticket's `execution`), its first child on
   * the wire: the same algorithms, children and clientOid discipline as a signal's leg, the command
   * handler's hooks (operator risk checks, protection after fills).
   */
  runOperator(commandId: string, symbol: string, leg: RoutedLeg, first: OrderRow): Promise<AlgoResult> {
    return this.follow(commandOwner(commandId), symbol, leg, first);
  }

  private async follow(
    owner: AlgoOwner,
    symbol: string,
    leg: RoutedLeg,
    first: OrderRow,
  ): Promise<AlgoResult> {
    const exec = leg.exec!;
    const hooks = this.hooksOf(owner);
    let result: AlgoResult;
    if (exec.style === 'twap') result = await this.runTwap(owner, symbol, leg, first);
    else if (exec.style === 'limit_chase') result = await this.runChase(owner, symbol, leg, first);
    else {
      const timeout = exec.style === 'iceberg' ? exec.icebergMaxSeconds * 1000 : undefined;
      // One order: its quality is written with its done report (one write, not two).
      this.executor.whenDone(first.id, (row) => this.qualityPatch(symbol, leg, row) ?? {});
      let done: OrderRow;
      let reason: string | null = null;
      try {
        done = await this.executor.awaitDone(first, timeout);
        if (!isDone(done) && exec.style === 'iceberg') {
          reason = `iceberg time limit (${exec.icebergMaxSeconds} s)`;
          done = await this.cancelConfirmed(done, reason);
        }
      } finally {
        // followed no longer, also when waiting failed (a resume measures it when the algorithm ends)
        this.executor.forgetDone(first.id);
      }
      if (done.filledSize > 0) await hooks.filled(owner.key, symbol, leg, [done]);
      result = { filledLots: done.filledSize, children: [done], shortfallReason: reason };
    }
    await this.recordQuality(symbol, leg, result.children);
    if (result.filledLots < leg.lots)
      this.ctx.log.warn(
        {
          signalId: owner.signalId,
          commandId: owner.commandId,
          symbol,
          style: exec.style,
          filled: result.filledLots,
          lots: leg.lots,
          why: result.shortfallReason,
        },
        'routed entry ended short of its size (reported, not chased)',
      );
    return result;
  }

  /**
   * Cancel a child and wait until the exchange reports it done (a cancel that races a fill is resolved
   * from the report, never assumed). Returns the last known row; still live only if the exchange never
   * confirmed, which leaves it to reconciliation.
   */
  private async cancelConfirmed(row: OrderRow, reason: string): Promise<OrderRow> {
    let current = row;
    for (let i = 0; i < 10 && !isDone(current); i++) {
      current = await this.executor.cancelRow(current, reason);
      if (!isDone(current)) current = await this.executor.awaitDone(current, 500);
    }
    return current;
  }

  // ── TWAP ──────────────────────────────────────────────────────────────────────────────────────

  private async runTwap(
    owner: AlgoOwner,
    symbol: string,
    leg: RoutedLeg,
    first: OrderRow,
  ): Promise<AlgoResult> {
    const exec = leg.exec!;
    const { ctx } = this;
    const key = owner.key;
    const intentId = first.intentId!;
    const children: OrderRow[] = [];
    const firstDone = await this.executor.awaitDone(first);
    children.push(firstDone);
    if (firstDone.filledSize > 0) await this.hooksOf(owner).filled(key, symbol, leg, [firstDone]);
    let stopReason: string | null = null;
    if (firstDone.status === 'rejected') stopReason = `slice 0 rejected: ${firstDone.reason ?? ''}`;
    // Every later slice is a durable delayed job (when there is a queue): a restart keeps the schedule.
    if (this.jobs && !stopReason) {
      for (const s of exec.slices.slice(1))
        await this.jobs.add(
          ROUTER_QUEUE,
          'twap-slice',
          (owner.commandId
            ? { commandId: owner.commandId, intentId, index: s.index }
            : { signalId: owner.signalId!, index: s.index }) satisfies SliceJob,
          {
            jobId: Router.childOid(key, leg, s.index),
            runAt: exec.startAt + s.offsetMs,
            attempts: 5,
            backoffMs: 500,
          },
        );
    }
    // The slices with no row yet stay reserved in the account view until each is written.
    let next = 1;
    while (
      next < exec.slices.length &&
      (await getOrderByClientOid(ctx.db, Router.childOid(key, leg, next))) !== null
    )
      next++;
    Router.reserveRest(ctx, key, symbol, leg, next);
    for (const s of exec.slices.slice(1)) {
      if (stopReason) {
        if (this.jobs) await this.jobs.cancel(ROUTER_QUEUE, Router.childOid(key, leg, s.index));
        continue;
      }
      const outcome = this.jobs
        ? await this.awaitSliceJob(key, leg, s)
        : await this.sliceInline(owner, intentId, symbol, leg, s);
      if (outcome.row) children.push(outcome.row);
      if (outcome.stop) stopReason = outcome.stop;
    }
    ctx.state.reserveAlgo(key, symbol, 0);
    const filledLots = children.reduce((n, r) => n + r.filledSize, 0);
    ctx.publish('orders', {
      type: 'algo.done',
      signalId: owner.signalId ?? owner.key,
      ...(owner.commandId ? { commandId: owner.commandId } : {}),
      symbol,
      style: 'twap',
      filled: filledLots,
      lots: leg.lots,
      at: ctx.clock.now(),
    });
    return { filledLots, children, shortfallReason: stopReason };
  }

  private async sliceInline(
    owner: AlgoOwner,
    intentId: string,
    symbol: string,
    leg: RoutedLeg,
    s: Slice,
  ): Promise<{ row: OrderRow | null; stop: string | null }> {
    const at = leg.exec!.startAt + s.offsetMs;
    const wait = at - this.ctx.clock.now();
    if (wait > 0) await this.ctx.clock.sleep(wait);
    return this.sendSlice(owner, intentId, symbol, leg, s);
  }

  /** Wait for a slice's job: its order done, or the job ended without one (skipped, failed, cancelled). */
  private async awaitSliceJob(
    ownerKey: string,
    leg: RoutedLeg,
    s: Slice,
  ): Promise<{ row: OrderRow | null; stop: string | null }> {
    const { ctx } = this;
    const oid = Router.childOid(ownerKey, leg, s.index);
    for (;;) {
      const row = await getOrderByClientOid(ctx.db, oid);
      if (row && isDone(row))
        return {
          row,
          stop: row.status === 'rejected' ? `slice ${s.index} rejected: ${row.reason ?? ''}` : null,
        };
      const job = await this.jobs!.get(ROUTER_QUEUE, oid);
      if (!job || job.state === 'failed') {
        return { row, stop: `slice ${s.index} job ${job ? `failed: ${job.error ?? ''}` : 'is gone'}` };
      }
      if (job.state === 'completed') {
        if (row && !isDone(row)) return { row: await this.executor.awaitDone(row), stop: null };
        if (!row) return { row: null, stop: `slice ${s.index} not sent (risk check)` };
      }
      const until = Math.max(job.runAt ?? 0, ctx.clock.now()) - ctx.clock.now();
      await ctx.clock.sleep(Math.min(Math.max(until, ctx.tuning.orderPollMs), 1_000));
    }
  }

  /**
   * Send one TWAP slice (a job's body, run at least once): looked up first, so a second run finds the
   * order instead of sending it again; risk-checked as of now; an IOC limit at the touch ± the budget.
   */
  async runSlice(job: SliceJob): Promise<void> {
    const owner = job.commandId
      ? commandOwner(job.commandId)
      : job.signalId
        ? signalOwner(job.signalId)
        : null;
    if (!owner) return;
    const intent = job.intentId
      ? await getIntent(this.ctx.db, job.intentId)
      : await getIntentBySignal(this.ctx.db, job.signalId!);
    if (!intent) return;
    const legs = ((intent.params as { legs?: RoutedLeg[] }).legs ?? []) as RoutedLeg[];
    const leg = legs.find((l) => l.exec?.style === 'twap');
    const slice = leg?.exec?.slices.find((s) => s.index === job.index);
    if (!leg || !slice) return;
    if (intent.status === 'failed' || intent.status === 'risk_blocked' || intent.status === 'canceled')
      return;
    await this.sendSlice(owner, intent.id, intent.symbol, leg, slice);
  }

  private async sendSlice(
    owner: AlgoOwner,
    intentId: string,
    symbol: string,
    leg: RoutedLeg,
    s: Slice,
  ): Promise<{ row: OrderRow | null; stop: string | null }> {
    const { ctx } = this;
    const exec = leg.exec!;
    const hooks = this.hooksOf(owner);
    const oid = Router.childOid(owner.key, leg, s.index);
    let row = await getOrderByClientOid(ctx.db, oid);
    if (!row) {
      // Checked as the order it is about to be: its reservation gives way to the proposal itself.
      Router.reserveRest(ctx, owner.key, symbol, leg, s.index + 1);
      const block = await hooks.checkChild(symbol, leg, s.lots);
      if (block) return { row: null, stop: `slice ${s.index} blocked: ${block.code}: ${block.message}` };
      const limit = await this.takerLimit(symbol, leg.side, exec.budgetBps);
      if (!limit) return { row: null, stop: `slice ${s.index}: no order book` };
      row = await this.executor.submit(
        this.childSpec(owner, intentId, symbol, leg, oid, {
          type: 'limit',
          price: limit,
          timeInForce: 'IOC',
          size: s.lots,
        }),
      );
    } else if (row.status === 'intent') {
      // A crash between the row and the wire: judged again as of now (the rest reserved, as above).
      Router.reserveRest(ctx, owner.key, symbol, leg, s.index + 1);
      const resumed = await this.resumeIntent(
        owner,
        symbol,
        leg,
        row,
        this.childSpec(owner, intentId, symbol, leg, oid, {
          type: 'limit',
          price: row.price ? toMoney(row.price) : undefined,
          timeInForce: 'IOC',
          size: row.size,
        }),
      );
      if (resumed.block)
        return {
          row: resumed.row,
          stop: `slice ${s.index} blocked: ${resumed.block.code}: ${resumed.block.message}`,
        };
      row = resumed.row;
    }
    const done = await this.executor.awaitDone(row);
    if (done.filledSize > 0) await hooks.filled(owner.key, symbol, leg, [done]);
    return {
      row: done,
      stop: done.status === 'rejected' ? `slice ${s.index} rejected: ${done.reason ?? ''}` : null,
    };
  }

  // ── limit chase ───────────────────────────────────────────────────────────────────────────────

  private async runChase(
    owner: AlgoOwner,
    symbol: string,
    leg: RoutedLeg,
    first: OrderRow,
  ): Promise<AlgoResult> {
    const { ctx } = this;
    const exec = leg.exec!;
    const contract = ctx.contracts.get(symbol)!;
    const intentId = first.intentId!;
    const hooks = this.hooksOf(owner);
    const signalId = owner.key;
    /**
     * Between a cancelled attempt and the next one the remaining lots have no live row: the account view
     * keeps them reserved, so a decision on the contract meanwhile sees where the chase is heading.
     */
    const reserve = (lots: number) =>
      ctx.state.reserveAlgo(signalId, symbol, leg.side === 'buy' ? lots : -lots);
    // The attempts so far (a restart resumes from the last one).
    const attempts: OrderRow[] = [first];
    for (let k = 1; ; k++) {
      const next = await getOrderByClientOid(ctx.db, Router.childOid(signalId, leg, k));
      if (!next) break;
      attempts.push(next);
    }
    const fallback = await getOrderByClientOid(ctx.db, Router.childOid(signalId, leg, FALLBACK_SEQ));
    const state = {
      startedAt: exec.startAt,
      firstTouch: toMoney(exec.passive),
      price: null as Decimal | null,
    };
    let reported = 0;
    const filledOf = () => attempts.reduce((n, r) => n + r.filledSize, 0) + (fallback?.filledSize ?? 0);
    const applyFills = async () => {
      const f = filledOf();
      if (f > reported) {
        reported = f;
        await hooks.filled(signalId, symbol, leg, [...attempts, ...(fallback ? [fallback] : [])]);
      }
    };
    let reason: string | null = null;
    let stale = false;
    if (!fallback) {
      for (;;) {
        let current = attempts[attempts.length - 1]!;
        if (current.status === 'intent') {
          // A crash between the attempt's row and the wire: judged again as of now before it is sent.
          const resumed = await this.resumeIntent(
            owner,
            symbol,
            leg,
            current,
            this.chaseSpec(owner, intentId, symbol, leg, current),
          );
          attempts[attempts.length - 1] = resumed.row;
          if (resumed.block) {
            reason = `chase stopped: ${resumed.block.code}: ${resumed.block.message}`;
            // interrupted longer than an alert may wait: no taker fallback either
            if (resumed.block.code === 'stale_at_engine') stale = true;
            break;
          }
          current = resumed.row;
        } else if (current.status === 'unknown')
          // sent, its answer lost: looked up, never sent again
          current = await this.executor.submit(this.chaseSpec(owner, intentId, symbol, leg, current));
        current = await this.executor.awaitDone(current, exec.chase.repriceMs);
        attempts[attempts.length - 1] = current;
        await applyFills();
        if (filledOf() >= leg.lots) break;
        const live = !isDone(current);
        state.price = live && current.price ? toMoney(current.price) : null;
        const touch = await this.passiveTouch(symbol, leg.side);
        const step = chaseStep(leg.side, state, touch, ctx.clock.now(), exec.chase, contract.tickSize);
        if (step.action === 'keep' && live) continue;
        if (live) {
          const ended = await this.cancelConfirmed(
            current,
            step.action === 'fallback' ? step.reason : 'chase re-price',
          );
          attempts[attempts.length - 1] = ended;
          if (!isDone(ended)) continue; // not confirmed: never a second live child; try again next step
          // the attempt is done: what is left of it stays counted until the next attempt's row exists
          if (leg.lots - filledOf() > 0) reserve(leg.lots - filledOf());
          await applyFills();
          if (filledOf() >= leg.lots) break;
        }
        if (step.action === 'fallback') {
          reason = step.reason;
          break;
        }
        const price = step.action === 'reprice' ? step.price : state.price!;
        const remaining = leg.lots - filledOf();
        // Checked as the order it is about to be: the reservation gives way to the proposal itself…
        reserve(0);
        const block = await hooks.checkChild(symbol, leg, remaining);
        if (block) {
          reason = `chase stopped: ${block.code}: ${block.message}`;
          break;
        }
        const k = attempts.length;
        if (k >= FALLBACK_SEQ) {
          reason = 'chase attempts exhausted';
          break;
        }
        // …and is held again until the attempt's row is written (then the row counts)
        reserve(remaining);
        try {
          attempts.push(
            await this.executor.submit(
              this.childSpec(owner, intentId, symbol, leg, Router.childOid(signalId, leg, k), {
                type: 'limit',
                price,
                postOnly: true,
                size: remaining,
              }),
            ),
          );
        } finally {
          reserve(0);
        }
      }
    }
    reserve(0);
    let taker = fallback;
    const remaining = leg.lots - filledOf();
    const takerSpec = (price: Decimal, size: number) =>
      this.childSpec(owner, intentId, symbol, leg, Router.childOid(signalId, leg, FALLBACK_SEQ), {
        type: 'limit',
        price,
        timeInForce: 'IOC',
        size,
      });
    if (!taker && reason && !stale && remaining > 0 && exec.chase.fallback === 'taker') {
      const block = await hooks.checkChild(symbol, leg, remaining);
      const limit = block ? null : await this.takerLimit(symbol, leg.side, exec.budgetBps);
      if (limit) taker = await this.executor.submit(takerSpec(limit, remaining));
      else reason = `${reason}; taker fallback not sent: ${block ? block.code : 'no order book'}`;
    } else if (taker?.status === 'intent') {
      // The fallback's row written and the run dead before its request went out: judged again as of now
      // like any crash-left child (sent at its protected limit, an IOC: it takes what is there or nothing),
      // or given up once it can no longer land.
      const resumed = await this.resumeIntent(
        owner,
        symbol,
        leg,
        taker,
        takerSpec(toMoney(taker.price!), taker.size),
      );
      taker = resumed.row;
      if (resumed.block) reason = `taker fallback not sent: ${resumed.block.code}: ${resumed.block.message}`;
    }
    if (taker) {
      taker = await this.executor.awaitDone(taker);
      if (taker.filledSize > 0) await hooks.filled(signalId, symbol, leg, [...attempts, taker]);
    }
    const children = taker ? [...attempts, taker] : attempts;
    return { filledLots: children.reduce((n, r) => n + r.filledSize, 0), children, shortfallReason: reason };
  }

  /**
   * A child whose `intent` row an earlier run left (it died between the row and the wire), before it is
   * sent: an opening child is checked again as of now, its own row (which the account view counts) left
   * out of the position it is judged against; a reduce-only one is not (a close is never blocked by
   * risk). Refused, its row is given up once the exchange cannot have it (a request the earlier run sent
   * may still land: then it is followed, never sent again) and `block` says why. Otherwise sent by the
   * executor, which looks the clientOid up first.
   */
  private async resumeIntent(
    owner: AlgoOwner,
    symbol: string,
    leg: RoutedLeg,
    row: OrderRow,
    spec: OrderSpec,
  ): Promise<{ row: OrderRow; block: ChildBlock | null }> {
    const block = leg.reduceOnly ? null : await this.hooksOf(owner).checkChild(symbol, leg, row.size, row);
    if (!block) return { row: await this.executor.submit(spec), block: null };
    const given = await this.executor.abandonUnlessSent(row, `${block.code}: ${block.message}`);
    return 'sent' in given ? { row: given.sent, block: null } : { row: given.abandoned, block };
  }

  private chaseSpec(
    owner: AlgoOwner,
    intentId: string,
    symbol: string,
    leg: RoutedLeg,
    row: OrderRow,
  ): OrderSpec {
    return this.childSpec(owner, intentId, symbol, leg, row.clientOid, {
      type: 'limit',
      price: row.price ? toMoney(row.price) : undefined,
      postOnly: true,
      size: row.size,
    });
  }

  private childSpec(
    owner: AlgoOwner,
    intentId: string,
    symbol: string,
    leg: RoutedLeg,
    clientOid: string,
    o: Pick<OrderSpec, 'type' | 'price' | 'timeInForce' | 'postOnly' | 'visibleSize' | 'size'>,
  ): OrderSpec {
    const exec = leg.exec!;
    const reduceOnly = leg.reduceOnly ?? false;
    return {
      clientOid,
      symbol,
      side: leg.side,
      reduceOnly,
      ...(reduceOnly ? {} : { leverage: leg.leverage, marginMode: leg.marginMode }),
      purpose: leg.purpose ?? 'entry',
      signalId: owner.signalId,
      commandId: owner.commandId,
      intentId,
      execStyle: exec.style,
      decisionMid: exec.mid,
      estCostBps: null,
      ...o,
    };
  }

  private async passiveTouch(symbol: string, side: 'buy' | 'sell'): Promise<Decimal | null> {
    const m = await this.market.snapshot(symbol, 1_000);
    return side === 'buy' ? m.bestBid : m.bestAsk;
  }

  private async takerLimit(symbol: string, side: 'buy' | 'sell', budgetBps: number): Promise<Decimal | null> {
    const m = await this.market.snapshot(symbol, 1_000);
    const touch = side === 'buy' ? m.bestAsk : m.bestBid;
    const contract = this.ctx.contracts.get(symbol);
    if (!touch || !contract) return null;
    return protectedLimit(side, touch, budgetBps, contract.tickSize);
  }

  // ── execution quality ─────────────────────────────────────────────────────────────────────────

  /**
   * Realised slippage and implementation shortfall of each finished child, against the decision-time mid
   * (children whose done report already carried them are not written again).
   */
  async recordQuality(symbol: string, leg: RoutedLeg, children: readonly OrderRow[]): Promise<void> {
    for (const child of children) {
      if (!isDone(child) || child.shortfall !== null) continue;
      const q = this.qualityPatch(symbol, leg, child);
      if (!q) continue;
      try {
        await this.executor.recordQuality(child, q);
      } catch (error) {
        this.ctx.log.warn({ clientOid: child.clientOid, err: error }, 'execution quality not recorded');
      }
    }
  }

  /** A finished child's quality figures as stored (null without the leg's plan or the contract). */
  private qualityPatch(
    symbol: string,
    leg: RoutedLeg,
    child: Pick<OrderRow, 'size' | 'filledSize' | 'avgFillPrice'>,
  ): { slippageBps: string | null; shortfall: string } | null {
    const exec = leg.exec;
    const contract = this.ctx.contracts.get(symbol);
    if (!exec || !contract) return null;
    const m = this.market.peek(symbol);
    // the mid of the touch (a crossed or empty touch has none)
    const finalMid = m.bestBid?.gt(0) && m.bestAsk?.gte(m.bestBid) ? m.bestBid.plus(m.bestAsk).div(2) : null;
    const q = executionQuality({
      side: leg.side,
      lots: child.size,
      filledLots: child.filledSize,
      avgFillPrice: child.avgFillPrice ? toMoney(child.avgFillPrice) : null,
      decisionMid: toMoney(exec.mid),
      multiplier: contract.multiplier,
      finalMid,
    });
    return {
      slippageBps: q.slippageBps?.toDecimalPlaces(4).toFixed() ?? null,
      shortfall: q.shortfall.toDecimalPlaces(8).toFixed(),
    };
  }
}
