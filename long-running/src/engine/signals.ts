import { clientOidFor } from '@enigma/core/engine/client-oid';
import { type Plan, planSignal } from '@enigma/core/engine/decide';
import { entryLots, stopDistance, stopPriceFor } from '@enigma/core/engine/sizing';
import {
  type EffectiveStrategy,
  effectiveStrategy,
  strategyConfigSchema,
  strategyKey,
} from '@enigma/core/engine/strategy';
import { toMoney } from '@enigma/core/money';
import {
  type OrderProposal,
  preTradeChecks,
  type RiskBlock,
  type RiskContext,
} from '@enigma/core/risk/checks';
import type { SignalEntry } from '@enigma/core/streams/catalog';
import {
  advanceSignal,
  commitDecision,
  type DecisionCommit,
  getIntentBySignal,
  getOrderByClientOid,
  getSetting,
  getSignal,
  type IntentRow,
  insertRiskEvent,
  listWebhookSources,
  type OrderRow,
  type PositionRow,
  recentSignalSymbols,
  type SignalStatus,
  setIntentStatus,
} from '@enigma/db';
import { SpanKind } from '@opentelemetry/api';
import Decimal from 'decimal.js';
import {
  type AlgoHooks,
  type ChildBlock,
  type LegExecution,
  type RoutedLeg,
  Router,
} from '../router/router.ts';
import { contextOfTraceparent, inSpan, rememberSignalSpan } from '../runtime/tracing.ts';
import type { EngineContext } from './context.ts';
import type { Executor, OrderSpec } from './executor.ts';
import { filledChildren, type Ledger } from './ledger.ts';
import type { AtrSource } from './market.ts';
import type { Protection } from './protection.ts';
import type { RiskInputs } from './risk-inputs.ts';
import type { SignalScorer } from './scoring.ts';
import { together } from './together.ts';

/** What the status helpers need of a signal. */
type SignalRef = Pick<SignalEntry, 'signalId' | 'symbol'>;

/** One order of a signal's plan, decided and stored before the first is sent. */
export interface Leg {
  kind: 'close' | 'open';
  clientOid: string;
  side: 'buy' | 'sell';
  lots: number;
  reduceOnly: boolean;
  leverage: number;
  marginMode: 'ISOLATED' | 'CROSS';
  /** open legs: the stop distance (price units) the protective stop keeps from the average entry */
  stopDistance?: string;
  takeProfits?: { r: string; fraction: string }[];
  /** open legs: the initial margin it needs at the decision's price (reserved once the order is accepted) */
  margin?: string;
  /** open legs: the router's plan (style, protected price, slices), docs/router.md */
  exec?: LegExecution;
}

/** Signal statuses after which the engine never acts on the signal again. */
const FINAL: readonly SignalStatus[] = [
  'rejected',
  'duplicate',
  'stale',
  'invalid',
  'risk_blocked',
  'protected',
  'closed',
  'ignored',
  'failed',
];
const IN_PROGRESS: readonly SignalStatus[] = ['scored', 'ordered', 'filled'];

/**
 * From an accepted alert to protected position: staleness (re-checked here), the signal's row status
 * (never act twice), scoring, the strategy's plan, sizing, pre-trade risk per order, the intent stored,
 * then each order through the executor and the stop through protection. Every step moves the signal's
 * status with a reason code and publishes an event.
 */
/** The engine's warm-up builds the scoring context of contracts signals named this recently. */
const WARM_SIGNALS_SINCE_MS = 7 * 24 * 3_600_000;

export class SignalHandler implements AlgoHooks {
  private readonly strategies = new Map<
    string,
    { at: number; value: ReturnType<typeof strategyConfigSchema.safeParse> | null }
  >();

  constructor(
    private readonly ctx: EngineContext,
    private readonly executor: Executor,
    private readonly ledger: Ledger,
    private readonly protection: Protection,
    private readonly atr: AtrSource,
    readonly scorer: SignalScorer,
    private readonly risk: RiskInputs,
    private readonly router: Router,
  ) {
    router.setHooks(this);
  }

  /** Signals being followed to their fills and stop, by id (one follower per signal, never two). */
  private readonly following = new Map<string, Promise<void>>();

  /**
   * Handle one stream entry. Throws only for retryable trouble (the entry stays pending). Returns once
   * the signal's orders are on the wire and answered; following them to their fills and protective stop
   * goes on in the background (`drain` waits for it), so the next signal of the contract is decided at
   * once, against the position those orders will make.
   */
  handle(entry: SignalEntry, readAt: number): Promise<void> {
    // The signal's trace (started at the edge, carried by the entry): from intake's receipt to here.
    return inSpan(
      'signal.intake',
      {
        parent: contextOfTraceparent(entry.traceparent),
        kind: SpanKind.CONSUMER,
        startTime: entry.receivedAt,
        attributes: {
          'enigma.signal_id': entry.signalId,
          'enigma.source': entry.source,
          'enigma.symbol': entry.symbol,
          'enigma.action': entry.action,
          'messaging.destination.name': 'signals:incoming',
        },
      },
      (span) => {
        rememberSignalSpan(entry.signalId, span);
        return this.handleEntry(entry, readAt);
      },
    );
  }

  private async handleEntry(entry: SignalEntry, readAt: number): Promise<void> {
    // Fresh entries are almost always `received`: the decision's one statement is its own guard.
    if ((await this.decide(entry, readAt)) === 'decided') return;
    const row = await getSignal(this.ctx.db, entry.signalId);
    if (!row) throw new Error(`signal ${entry.signalId} is not in the database (yet)`);
    if (FINAL.includes(row.status)) return;
    if (IN_PROGRESS.includes(row.status)) return this.resume(entry);
    throw new Error(`signal ${entry.signalId} moved while it was decided (now ${row.status}): retried`);
  }

  /** Wait for every signal being followed in the background. */
  async drain(): Promise<void> {
    while (this.following.size > 0) await Promise.allSettled([...this.following.values()]);
  }

  private announce(entry: SignalRef, status: SignalStatus, reason: string): void {
    this.ctx.metrics.signals.inc({ status });
    this.ctx.publish('signals', {
      type: 'signal.status',
      signalId: entry.signalId,
      symbol: entry.symbol,
      status,
      reason,
      at: this.ctx.clock.now(),
    });
  }

  private async to(
    entry: SignalRef,
    status: SignalStatus,
    reason: string,
    extra: { score?: string; metadata?: Record<string, unknown> } = {},
    from?: readonly SignalStatus[],
  ) {
    const moved = await advanceSignal(this.ctx.db, entry.signalId, { status, reason, ...extra }, from);
    if (moved) this.announce(entry, status, reason);
    return moved;
  }

  /**
   * Decide a `received` signal and put its orders on the wire. 'not_received' when the signal was not
   * `received` (a redelivery, another process): nothing was written.
   */
  private decide(entry: SignalEntry, readAt: number): Promise<'decided' | 'not_received'> {
    return inSpan('signal.decide', { attributes: { 'enigma.signal_id': entry.signalId } }, async (span) => {
      const outcome = await this.decideUntraced(entry, readAt);
      span.setAttribute('enigma.decision', outcome);
      return outcome;
    });
  }

  private async decideUntraced(entry: SignalEntry, readAt: number): Promise<'decided' | 'not_received'> {
    const { ctx } = this;
    const now = ctx.clock.now();
    const moved = (ok: boolean) => (ok ? 'decided' : 'not_received');
    const staleAfterMs = (await this.staleWindowSeconds(entry.source)) * 1000;
    const age = now - (entry.alertTime ?? entry.receivedAt);
    if (age > staleAfterMs) {
      return moved(
        await this.to(
          entry,
          'stale',
          `stale_at_engine: alert is ${Math.round(age / 1000)} s old when read (window ${staleAfterMs / 1000} s); not executed`,
          { metadata: { ageMs: age } },
          ['received'],
        ),
      );
    }
    const contract = ctx.contracts.get(entry.symbol);
    if (!contract) {
      return moved(
        await this.to(
          entry,
          'rejected',
          `unknown_symbol: ${entry.symbol} is not a contract the exchange lists as tradable`,
          {},
          ['received'],
        ),
      );
    }
    const strategy = await this.strategyFor(entry.source, entry.symbol);
    if ('code' in strategy)
      return moved(
        await this.to(entry, 'risk_blocked', `${strategy.code}: ${strategy.message}`, {}, ['received']),
      );

    const side = entry.action === 'buy' ? 'long' : entry.action === 'sell' ? 'short' : undefined;
    const scored = await inSpan('signal.score', {}, async (span) => {
      const result = await this.scorer.score(entry, side);
      span.setAttribute('enigma.score', result.score);
      return result;
    });
    const model = scored.inputs.model;
    const gate = model.enabled ? model.gate : null;
    const scoredReason = `score ${scored.score} (${scored.direction})`;
    // Stored with whatever the decision is: the score, the indicator snapshot and the model output.
    const base: Omit<DecisionCommit, 'status' | 'reason'> = {
      lease: ctx.lease,
      accountId: ctx.accountId,
      signalId: entry.signalId,
      symbol: entry.symbol,
      from: ['received'],
      score: String(scored.score),
      metadata: {
        direction: scored.direction,
        modelVersion: scored.modelVersion,
        gate: gate?.decision ?? 'disabled',
        reasons: scored.reasons.slice(0, 10),
      },
      ...this.scorer.recordOf(scored),
    };

    // The position the orders already decided will make, not only what has filled so far.
    // (an operator's order resting on the book counts only what it has filled: see expectedQty)
    const qty = ctx.state.expectedQty(entry.symbol, { resting: false });
    const plan = planSignal(
      {
        action: entry.action,
        marketPosition: entry.marketPosition,
        positionSize: entry.positionSize,
        size: entry.size,
      },
      strategy,
      qty,
    );
    if (plan.kind !== 'trade') {
      const status = plan.kind === 'none' ? 'ignored' : 'risk_blocked';
      const reason = `${plan.code}: ${plan.message}`;
      const done = await commitDecision(ctx.decisionDb, { ...base, status, reason });
      if (!done.committed) return 'not_received';
      this.announce(entry, 'scored', scoredReason);
      this.announce(entry, status, reason);
      return 'decided';
    }
    const opens = plan.open !== null;
    if (opens && strategy.minScore !== null && scored.score / 100 < strategy.minScore) {
      return moved(
        await this.block(
          entry,
          {
            code: 'score_below_minimum',
            message: `score ${scored.score} < minimum ${strategy.minScore * 100}`,
          },
          base,
        ),
      );
    }
    if (
      opens &&
      strategy.modelGate === 'block' &&
      (!gate || gate.decision === 'WAIT' || (gate.decision === 'LONG') !== (plan.open!.side === 'long'))
    ) {
      return moved(
        await this.block(
          entry,
          {
            code: 'model_gate',
            message: `model gate ${gate?.decision ?? 'disabled'} does not confirm ${plan.open!.side}`,
          },
          base,
        ),
      );
    }

    const legs = await inSpan('signal.risk', {}, async (span) => {
      const result = await this.legsFor(entry, plan, qty, strategy, scored.score / 100);
      if ('code' in result) span.setAttribute('enigma.risk_block', result.code);
      return result;
    });
    if ('code' in legs) return moved(await this.block(entry, legs, base));
    const reason = `${plan.label}: ${legs.map((l) => `${l.side} ${l.lots}${l.reduceOnly ? ' reduce-only' : ''}`).join(', ')}`;
    ctx.point('before_intent', { clientOid: legs[0]!.clientOid, symbol: entry.symbol });
    const done = await commitDecision(ctx.decisionDb, {
      ...base,
      status: 'ordered',
      reason,
      intent: {
        side: legs[0]!.side,
        size: legs[0]!.lots,
        leverage: String(strategy.leverage),
        reduceOnly: legs.every((l) => l.reduceOnly),
        status: 'ordered',
        params: {
          label: plan.label,
          targetQty: plan.targetQty,
          legs,
          trailing: strategy.trailing,
        } as unknown as Record<string, unknown>,
        style: legs.find((l) => l.exec)?.exec?.style ?? 'market',
        orders: legs.map((l) => {
          const routed = l.exec ? Router.firstChild(l.exec) : null;
          return {
            clientOid: l.clientOid,
            side: l.side,
            purpose: l.kind === 'close' ? 'exit' : 'entry',
            type: routed?.type ?? 'market',
            size: routed?.size ?? l.lots,
            price: routed?.price?.toFixed() ?? null,
            timeInForce: routed?.timeInForce ?? null,
            execStyle: routed?.execStyle ?? null,
            decisionMid: routed?.decisionMid ?? null,
            estCostBps: routed?.estCostBps ?? null,
            reduceOnly: l.reduceOnly,
            leverage: l.reduceOnly ? null : String(l.leverage),
            marginMode: l.reduceOnly ? null : l.marginMode,
          };
        }),
      },
    }).catch((error: unknown) => {
      this.risk.release(entry.signalId);
      throw error;
    });
    if (!done.committed) {
      this.risk.release(entry.signalId);
      return 'not_received';
    }
    // The decided orders count as such from here: tracked, and the entry's held lots let go in the same
    // step (never both counted, never neither).
    for (const o of done.orders) ctx.state.track(o);
    this.executor.committedHere(done.orders);
    this.risk.releaseLots(entry.signalId);
    // A TWAP's later slices have no order row yet: the next signal is decided against them too.
    for (const l of legs)
      if (l.exec?.style === 'twap') Router.reserveRest(ctx, entry.signalId, entry.symbol, l, 1);
    ctx.point('after_intent', { clientOid: legs[0]!.clientOid, symbol: entry.symbol });
    // Announced before the orders go out, so a refusal's `failed` always comes after them.
    this.announce(entry, 'scored', scoredReason);
    this.announce(entry, 'ordered', reason);
    // Registered as followed from here: a resume of this signal waits for this flow, never starts a second.
    const onTheWire = this.send(entry, done.intent!, legs, done.orders, readAt);
    this.track(
      entry.signalId,
      onTheWire.then(async (sent) => {
        if (sent) await this.completeOnce(entry, done.intent!, sent);
      }),
    );
    await onTheWire;
    return 'decided';
  }

  /**
   * The fast path: the legs' committed `intent` rows go on the wire one after another (each answered
   * before the next, so the exchange sees them in order). A refused leg fails the signal; a leg whose
   * answer is unknown stops here, and following the signal in the background resolves it (looked up by
   * clientOid) and sends the legs left. Returns the answered rows by clientOid (following the signal
   * starts from them, not from a read), or null when a leg was refused (the signal failed).
   */
  private async send(
    entry: SignalEntry,
    intent: IntentRow,
    legs: Leg[],
    rows: OrderRow[],
    readAt: number,
  ): Promise<Map<string, OrderRow> | null> {
    const { ctx } = this;
    const answered = new Map<string, OrderRow>();
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i]!;
      const onWire =
        i === 0
          ? () => {
              const ms = performance.now() - readAt;
              ctx.metrics.decisionSeconds.observe(ms / 1000);
              ctx.onDecision?.(ms);
            }
          : undefined;
      const sent = await this.executor.sendIntent(rows[i]!, this.specOf(entry, intent, leg), onWire);
      if (sent.status === 'rejected') {
        // The legs after it were written by this decision and never sent: closed as such before the
        // signal is reported failed (its final status means its books are settled).
        for (const later of rows.slice(i + 1))
          await this.executor.abandon(later, `an earlier leg of signal ${entry.signalId} was refused`);
        this.risk.release(entry.signalId);
        // the contract's margin mode is not the one held (changed behind our back): read it again next time
        if (sent.reason?.includes('exchange_330005')) this.executor.marginModes.forget(entry.symbol);
        // above the risk-limit level we read (changed behind our back): read it again next time
        if (sent.reason?.includes('exchange_300005')) this.risk.levels.forget(entry.symbol);
        await setIntentStatus(ctx.db, intent.id, 'failed', sent.reason);
        await this.to(entry, 'failed', `order_rejected: ${sent.reason ?? ''}`, {}, ['ordered', 'filled']);
        return null;
      }
      answered.set(leg.clientOid, sent);
      if (leg.kind === 'open') {
        // Accepted: its margin is a reservation from here, no longer a held entry's.
        if (leg.margin) this.risk.reserve(toMoney(leg.margin));
        this.risk.release(entry.signalId);
      }
      if (sent.status === 'unknown') break;
    }
    return answered;
  }

  private specOf(entry: SignalEntry, intent: IntentRow, leg: Leg): OrderSpec {
    return {
      clientOid: leg.clientOid,
      symbol: entry.symbol,
      side: leg.side,
      type: 'market',
      size: leg.lots,
      reduceOnly: leg.reduceOnly,
      ...(leg.reduceOnly ? {} : { leverage: leg.leverage, marginMode: leg.marginMode }),
      purpose: leg.kind === 'close' ? 'exit' : 'entry',
      signalId: entry.signalId,
      intentId: intent.id,
      // A routed entry's first child: an IOC limit within the budget, a chase's post-only, an iceberg.
      ...(leg.exec ? Router.firstChild(leg.exec) : {}),
    };
  }

  /** A risk block: the signal moves (guarded) with its score and snapshot, then the risk event. */
  private async block(
    entry: SignalEntry,
    b: { code: string; message: string; data?: Record<string, unknown> },
    base?: Omit<DecisionCommit, 'status' | 'reason'>,
  ): Promise<boolean> {
    const { ctx } = this;
    const reason = `${b.code}: ${b.message}`;
    const moved = base
      ? (await commitDecision(ctx.decisionDb, { ...base, status: 'risk_blocked', reason })).committed
      : await this.to(entry, 'risk_blocked', reason, {}, ['scored', 'ordered', 'filled']);
    if (!moved) return false;
    if (base) {
      this.announce(entry, 'scored', `score ${base.score}`);
      this.announce(entry, 'risk_blocked', reason);
    }
    ctx.metrics.riskBlocks.inc({ code: b.code });
    await insertRiskEvent(ctx.db, {
      accountId: ctx.accountId,
      signalId: entry.signalId,
      code: b.code,
      severity: 'block',
      message: b.message,
      data: { symbol: entry.symbol, ...(b.data ?? {}) },
    });
    ctx.publish('risk', {
      type: 'risk.block',
      signalId: entry.signalId,
      code: b.code,
      message: b.message,
      at: ctx.clock.now(),
    });
    return true;
  }

  /** The orders of a plan, sized and risk-checked as of now. */
  private async legsFor(
    entry: SignalEntry,
    plan: Extract<Plan, { kind: 'trade' }>,
    qty: number,
    strategy: EffectiveStrategy,
    score: number,
  ): Promise<Leg[] | { code: string; message: string; data?: Record<string, unknown> }> {
    const { ctx } = this;
    const contract = ctx.contracts.get(entry.symbol)!;
    const legs: Leg[] = [];
    const base = { leverage: strategy.leverage, marginMode: strategy.marginMode };
    if (plan.closeLots > 0) {
      legs.push({
        kind: 'close',
        clientOid: clientOidFor('close', entry.signalId),
        side: qty > 0 ? 'sell' : 'buy',
        lots: plan.closeLots,
        reduceOnly: true,
        ...base,
      });
    }
    if (plan.open) {
      // The kill switch is the reason an entry is refused, before any sizing or market data is judged.
      const kill = ctx.killSwitch();
      if (kill.on)
        return {
          code: 'kill_switch',
          message: `the kill switch is on${kill.reason ? `: ${kill.reason}` : ''}`,
        };
      // The contract in the strategy's margin mode (KuCoin refuses an order in the other one), its cross
      // leverage set for a CROSS strategy: once per contract, known from then on.
      const refused = await this.executor.marginModes.ensure(
        entry.symbol,
        strategy.marginMode,
        strategy.leverage,
        'signal entry',
      );
      if (refused) return { code: 'margin_mode', message: refused.replace(/^margin_mode: /, '') };
      // The risk-limit level the position will be judged at by KuCoin (its maintenance rate and caps).
      const riskLimit = await this.risk.levels.of(entry.symbol, strategy.marginMode);
      if ('code' in riskLimit) return riskLimit;
      // The ATR first: between the account's read and the hold below nothing is awaited.
      const atr =
        strategy.stop.kind === 'atr'
          ? await this.atr.atr(entry.symbol, strategy.stop.timeframe, strategy.stop.period)
          : null;
      const buy = plan.open.side === 'long';
      let judged: {
        m: RiskContext['market'];
        ref: Decimal | null;
        distance: Decimal | null;
        lots: number;
      } | null = null;
      for (let attempt = 1; !judged; attempt++) {
        const inputs = await this.risk.context(entry.symbol, 'signal', {
          [entry.symbol]: qty > 0 ? qty - plan.closeLots : qty + plan.closeLots,
        });
        const m = inputs.market;
        const ref = buy ? m.bestAsk : m.bestBid;
        const distance = ref ? stopDistance(strategy.stop, ref, atr) : null;
        let lots = plan.open.lots;
        if (lots === null) {
          if (!ref) return { code: 'data_missing', message: 'no order book: cannot size the entry' };
          const sized = entryLots({
            sizing: strategy.sizing,
            equity: inputs.account.equity ?? new Decimal(Number.NaN),
            price: ref,
            multiplier: contract.multiplier,
            lotSize: contract.lotSize,
            stopDistance: distance,
            defaultRiskPct: ctx.limits()?.riskPerTradePct ?? '1',
            score,
            scaleByScore: strategy.scaleByScore,
            takerFeeRate: contract.takerFeeRate,
            tickSize: contract.tickSize,
          });
          if (!sized.ok) return { code: sized.code, message: sized.message };
          lots = sized.lots;
        }
        const stop = ref && distance ? stopPriceFor(plan.open.side, ref, distance, contract.tickSize) : null;
        const proposal: OrderProposal = {
          symbol: entry.symbol,
          side: buy ? 'buy' : 'sell',
          lots,
          reduceOnly: false,
          price: null,
          leverage: strategy.leverage,
          stopPrice: stop,
          kind: 'market',
        };
        const blocks = preTradeChecks(proposal, { ...contract, riskLimit }, inputs);
        if (blocks.length > 0) {
          const first = blocks[0]!;
          return {
            code: first.code,
            message: first.message,
            data: { all: blocks.map((b) => b.code).join(','), ...(first.data ?? {}) },
          };
        }
        // Another decision (another contract's entry, a fill) changed the account between its read and
        // here: judged again on the new one. Past a few tries it is judged as read (never unbounded).
        if (this.risk.version() !== inputs.version && attempt < 4) continue;
        // Held from here: every later decision counts this entry's lots and margin.
        this.risk.hold(
          entry.signalId,
          entry.symbol,
          buy ? lots : -lots,
          ref!.mul(contract.multiplier).mul(lots).div(strategy.leverage),
        );
        judged = { m, ref, distance, lots };
      }
      const { m, ref, distance, lots } = judged;
      let exec: Awaited<ReturnType<Router['plan']>>;
      try {
        // How it is executed: the router's style, protected price and slices (fails closed without a book).
        exec = await this.router.plan(
          entry.symbol,
          buy ? 'buy' : 'sell',
          lots,
          strategy.execution,
          { bid: m.bestBid, ask: m.bestAsk, at: m.bookAt },
          contract.tickSize,
          entry.execution,
        );
      } catch (error) {
        // Held since its checks: never left behind by a throw (it would count in the plans after it).
        this.risk.release(entry.signalId);
        throw error;
      }
      if ('code' in exec) {
        this.risk.release(entry.signalId);
        return exec;
      }
      legs.push({
        kind: 'open',
        clientOid: clientOidFor('open', entry.signalId),
        side: buy ? 'buy' : 'sell',
        lots,
        reduceOnly: false,
        ...base,
        stopDistance: distance!.toFixed(),
        takeProfits: strategy.takeProfits,
        margin: ref!.mul(contract.multiplier).mul(lots).div(strategy.leverage).toFixed(),
        exec,
      });
    }
    if (legs[0]?.kind === 'close') {
      const block = await this.risk
        .marketOrderBlock({
          symbol: entry.symbol,
          origin: 'signal',
          side: legs[0].side,
          lots: legs[0].lots,
          leverage: strategy.leverage,
          reduceOnly: true,
          marginMode: strategy.marginMode,
          // judged against the position it closes (this decision's own held entry is what comes after it)
          qtyOverride: { [entry.symbol]: qty },
          stopOf: () => null,
        })
        .catch((error: unknown) => {
          this.risk.release(entry.signalId);
          throw error;
        });
      if (block) {
        this.risk.release(entry.signalId);
        return { code: block.code, message: block.message };
      }
    }
    return legs;
  }

  /** Continue a signal whose intent is stored (after a crash, a timeout or a redelivery). */
  async resume(entry: SignalEntry): Promise<void> {
    const intent = await getIntentBySignal(this.ctx.db, entry.signalId);
    if (!intent) {
      // Scored but no intent: the plan was never stored, so nothing was sent. Decide again from here.
      await advanceSignal(
        this.ctx.db,
        entry.signalId,
        { status: 'received', reason: 'resumed after an interruption before the plan was stored' },
        ['scored'],
      );
      await this.decide(entry, performance.now());
      return;
    }
    return this.complete(entry, intent);
  }

  /**
   * Follow a signal's legs in order to the end: a leg not known to be on the wire (an `intent` row) is
   * risk-checked again and sent only after its clientOid is looked up (never twice); each leg is waited
   * for until it is done (no lock held), its fills applied and, for an entry, the position protected.
   */
  private complete(entry: SignalEntry, intent: IntentRow): Promise<void> {
    return this.following.get(entry.signalId) ?? this.track(entry.signalId, this.completeOnce(entry, intent));
  }

  /** Register a signal's flow (one per signal); failures are logged, reconciliation resumes the signal. */
  private track(signalId: string, flow: Promise<void>): Promise<void> {
    const p = flow
      .catch((error) =>
        this.ctx.log.warn({ signalId, err: error }, 'following a signal failed: reconciliation resumes it'),
      )
      .finally(() => {
        if (this.following.get(signalId) === p) this.following.delete(signalId);
      });
    this.following.set(signalId, p);
    return p;
  }

  private async completeOnce(
    entry: SignalEntry,
    intent: IntentRow,
    sent?: ReadonlyMap<string, OrderRow>,
  ): Promise<void> {
    const { ctx } = this;
    const legs = ((intent.params as { legs?: Leg[] }).legs ?? []) as Leg[];
    const symbol = entry.symbol;
    // Plain legs that filled, applied together: a reversal's close and open are one fill sync (one
    // exchange read, one transaction), not one each. Applied before anything else is judged or sent.
    const filled: { leg: Leg; done: OrderRow }[] = [];
    const applyFilled = async () => {
      if (filled.length === 0) return;
      const batch = filled.splice(0);
      await ctx.withSymbol(symbol, async () => {
        await this.ledger.syncFills(symbol, { orders: batch.map((f) => f.done) });
        for (const f of batch) ctx.point('after_fill', { clientOid: f.leg.clientOid, symbol });
        for (const f of batch) if (f.leg.kind === 'open') await this.afterEntry(entry, f.leg);
      });
    };
    const ended = await this.followLegs(entry, intent, legs, sent, filled, applyFilled);
    await applyFilled();
    if (ended !== 'done') return;
    await setIntentStatus(ctx.db, intent.id, 'done');
    if (legs.every((l) => l.kind === 'close')) {
      await ctx.withSymbol(symbol, () => this.protection.ensure(symbol));
      // A reduction (target mode's smaller target, a strategy's partial exit) leaves a position open:
      // its reason says so (it said "position closed" with lots still held).
      const reduced = (intent.params as { label?: string }).label === 'reduce';
      const lots = legs.reduce((n, l) => n + l.lots, 0);
      await this.to(
        entry,
        'closed',
        reduced
          ? `position reduced by this signal (${lots} lot${lots === 1 ? '' : 's'})`
          : 'position closed by this signal',
        {},
        ['ordered', 'filled'],
      );
    }
  }

  /**
   * Each leg to its end, in order: resolved (looked up when only its intent is known), sent if the
   * exchange never saw it, followed until done. Filled plain legs are queued on `filled` for one fill
   * sync. 'failed' when the signal ended short (a leg refused, unfilled or blocked), 'pending' when a
   * leg's outcome is still open or unknown (reconciliation resumes the signal).
   */
  private async followLegs(
    entry: SignalEntry,
    intent: IntentRow,
    legs: Leg[],
    sent: ReadonlyMap<string, OrderRow> | undefined,
    filled: { leg: Leg; done: OrderRow }[],
    applyFilled: () => Promise<void>,
  ): Promise<'done' | 'failed' | 'pending'> {
    const { ctx } = this;
    const symbol = entry.symbol;
    // Before a failed signal's status is written: what its earlier legs filled is applied and its
    // unsent legs are closed (its final status means its books are settled).
    const settle = async () => {
      await applyFilled();
      await this.abandonUnsent(entry, legs);
    };
    // A leg refused or unfilled: settled, then the intent and the signal `failed` with the reason.
    const fail = async (intentReason: string | null, why: string): Promise<'failed'> => {
      await settle();
      await setIntentStatus(ctx.db, intent.id, 'failed', intentReason);
      await this.to(entry, 'failed', why, {}, ['ordered', 'filled']);
      return 'failed';
    };
    for (const leg of legs) {
      // A leg this process has just sent: its answered row; any other (resumed, not sent yet): the database's.
      let row: OrderRow | null =
        sent?.get(leg.clientOid) ?? (await getOrderByClientOid(ctx.db, leg.clientOid));
      // An intent row may have reached the exchange before a crash: look it up before judging it.
      if (row?.status === 'intent') {
        const found = await this.executor.lookup(row);
        if (found !== 'absent') row = found;
      }
      if (!row || row.status === 'intent') {
        // What earlier legs filled is applied before this one is judged and sent.
        await applyFilled();
        const blocked = leg.kind === 'open' ? await this.recheck(entry, leg, row) : null;
        // Refused: its row is given up only once the exchange cannot have it (a request the run before a
        // crash sent may still land: then it is followed as sent, never sent again).
        const given =
          blocked && row
            ? await this.executor.abandonUnlessSent(row, `${blocked.code}: ${blocked.message}`)
            : null;
        if (given && 'sent' in given) row = given.sent;
        else if (blocked) {
          await settle();
          await setIntentStatus(ctx.db, intent.id, 'risk_blocked', blocked.code);
          await this.block(entry, blocked);
          return 'failed';
        } else {
          row = await this.executor.submit(this.specOf(entry, intent, leg));
          if (row.status === 'rejected') return fail(row.reason, `order_rejected: ${row.reason ?? ''}`);
        }
      }
      if (leg.exec) {
        // A routed entry: the router follows its children (slices, re-prices) and protects as fills arrive.
        await applyFilled();
        const routed = await this.router.run(entry.signalId, symbol, leg, row);
        if (routed.filledLots === 0) {
          const last = routed.children[routed.children.length - 1];
          const why =
            last?.status === 'rejected'
              ? `order_rejected: ${last.reason ?? ''}`
              : `order_unfilled: the ${leg.exec.style} entry ended without a fill${routed.shortfallReason ? ` (${routed.shortfallReason})` : ''}`;
          return fail(why.slice(0, 500), why);
        }
        continue;
      }
      const done = await this.executor.awaitDone(row);
      if (done.status !== 'filled' && done.status !== 'canceled' && done.status !== 'rejected') {
        // Still open or unknown: reconciliation resumes this signal; nothing is sent again meanwhile.
        await advanceSignal(
          ctx.db,
          entry.signalId,
          { status: 'ordered', reason: `awaiting ${leg.kind} order ${done.clientOid} (${done.status})` },
          ['ordered'],
        );
        return 'pending';
      }
      if (done.status === 'rejected') return fail(done.reason, `order_rejected: ${done.reason ?? ''}`);
      if (done.filledSize === 0)
        return fail(
          `${leg.kind} order ended unfilled`,
          `order_unfilled: the ${leg.kind} order ended without a fill`,
        );
      filled.push({ leg, done });
    }
    return 'done';
  }

  /**
   * A signal that ended short: its legs still `intent` are looked up (never assumed unsent) and, once
   * the exchange cannot have them, closed as not sent, so no unsent leg stays a live order in the books
   * or in the account view after a restart. One that lands meanwhile keeps its row, brought up to date
   * (reconciliation applies its fills and protection guards the position).
   */
  private async abandonUnsent(entry: SignalEntry, legs: Leg[]): Promise<void> {
    for (const leg of legs) {
      const row = await getOrderByClientOid(this.ctx.db, leg.clientOid);
      if (row?.status !== 'intent') continue;
      await this.executor.abandonUnlessSent(row, `signal ${entry.signalId} ended before this leg was sent`);
    }
  }

  /** An open leg not yet on the wire, checked again as of now (a stale signal is not executed late). */
  private async recheck(
    entry: SignalEntry,
    leg: Leg,
    row: OrderRow | null,
  ): Promise<{ code: string; message: string } | null> {
    const { ctx } = this;
    const symbol = entry.symbol;
    const staleAfterMs = (await this.staleWindowSeconds(entry.source)) * 1000;
    const age = ctx.clock.now() - (entry.alertTime ?? entry.receivedAt);
    if (age > staleAfterMs)
      return {
        code: 'stale_at_engine',
        message: `the entry was not sent and the alert is now ${Math.round(age / 1000)} s old (window ${staleAfterMs / 1000} s)`,
      };
    // This leg's own intent row is already counted in the expected position: take it out.
    const lots = row?.size ?? leg.exec?.slices[0]?.lots ?? leg.lots;
    return this.checkOpen(symbol, leg, lots, ctx.state.expectedQty(symbol, { except: row?.clientOid }));
  }

  /**
   * The router's risk check of one child of a routed entry (not the alert's staleness: the algorithm
   * outlives the alert). `own`: the child's unsent intent row a crash left, judged again: left out of the
   * expected position, and not sent at all once it is older than its source's staleness window (the
   * algorithm was interrupted longer than an alert may wait: a chase's taker fallback or a TWAP slice is
   * not sent hours late at its old limit).
   */
  async checkChild(symbol: string, leg: RoutedLeg, lots: number, own?: OrderRow): Promise<ChildBlock | null> {
    const { ctx } = this;
    const signal = own?.signalId ? await getSignal(ctx.db, own.signalId) : null;
    if (own && signal) {
      const staleAfterMs = (await this.staleWindowSeconds(signal.source)) * 1000;
      const age = ctx.clock.now() - own.createdAt.getTime();
      if (age > staleAfterMs)
        return {
          code: 'stale_at_engine',
          message: `this child of the routed entry was written ${Math.round(age / 1000)} s ago and never sent (window ${staleAfterMs / 1000} s): not sent late`,
        };
    }
    return this.checkOpen(
      symbol,
      leg as Leg,
      lots,
      this.ctx.state.expectedQty(symbol, { except: own?.clientOid }),
    );
  }

  /** The pre-trade checks of `lots` of an opening leg as of now, against the expected position `qty`. */
  private checkOpen(symbol: string, leg: Leg, lots: number, qty: number): Promise<RiskBlock | null> {
    return this.risk.marketOrderBlock({
      symbol,
      origin: 'signal',
      side: leg.side,
      lots,
      leverage: leg.leverage,
      reduceOnly: false,
      marginMode: leg.marginMode,
      qtyOverride: { [symbol]: qty },
      stopOf: (touch, contract) =>
        touch && leg.stopDistance
          ? stopPriceFor(
              leg.side === 'buy' ? 'long' : 'short',
              touch,
              toMoney(leg.stopDistance),
              contract.tickSize,
            )
          : null,
    });
  }

  /** Fills of a routed entry's children: applied, then the position protected from its average entry. */
  filled(signalId: string, symbol: string, leg: RoutedLeg, children: readonly OrderRow[]): Promise<void> {
    return this.ctx.withSymbol(symbol, async () => {
      await this.ledger.syncFills(symbol, { orders: filledChildren(children) });
      this.ctx.point('after_fill', { clientOid: leg.clientOid, symbol });
      await this.afterEntry({ signalId, symbol }, leg as Leg);
    });
  }

  /** After an entry fill: the stop (and take-profits) from the average entry; then protect. */
  private async afterEntry(entry: SignalRef, leg: Leg): Promise<void> {
    const { ctx } = this;
    const symbol = entry.symbol;
    const pos = await ctx.positions.get(symbol);
    const contract = ctx.contracts.get(symbol);
    let plan: PositionRow | null = null;
    if (pos && pos.qty !== 0 && pos.avgEntryPrice && contract && leg.stopDistance) {
      const distance = toMoney(leg.stopDistance);
      const stop = stopPriceFor(
        pos.qty > 0 ? 'long' : 'short',
        toMoney(pos.avgEntryPrice),
        distance,
        contract.tickSize,
      );
      const updated = {
        ...pos,
        stopPrice: stop.toFixed(),
        stopDistance: distance.toFixed(),
        leverage: String(leg.leverage),
        marginMode: leg.marginMode,
      };
      const takeProfits = this.protection.planTakeProfits(updated, leg.takeProfits ?? [], distance);
      plan = { ...updated, takeProfits };
    }
    // The signal's `filled` and the position's stop plan: independent writes, sent together.
    const filledWrite = this.to(entry, 'filled', `entry filled (${leg.side} ${leg.lots})`, {}, ['ordered']);
    await together([filledWrite, plan ? ctx.positions.save(plan) : null]);
    const nowFilled = await filledWrite;
    // Protection marks every signal whose entry filled into the position once its stop is confirmed (one
    // already past `ordered`, say closed by a later fill of the same sync, is not waiting for it).
    if (nowFilled) this.protection.entryFilled(symbol, entry.signalId, leg.side);
    await this.protection.ensure(symbol);
  }

  /** The source's strategy for a contract: stored settings parsed with the one schema; missing or invalid blocks. */
  private async strategyFor(
    source: string,
    symbol: string,
  ): Promise<EffectiveStrategy | { code: string; message: string }> {
    // Read from the database only the first time a source is seen; `refreshCaches` keeps it current.
    const hit = this.strategies.get(source) ?? (await this.loadStrategy(source));
    if (!hit.value)
      return { code: 'strategy_missing', message: `no strategy configured for source ${source}` };
    if (!hit.value.success)
      return {
        code: 'strategy_invalid',
        message: `the stored strategy of ${source} does not parse: ${hit.value.error.issues[0]?.message ?? ''}`,
      };
    return effectiveStrategy(hit.value.data, symbol);
  }

  private async loadStrategy(source: string) {
    const stored = await getSetting(this.ctx.db, strategyKey(source));
    const hit = {
      at: this.ctx.clock.now(),
      value: stored === undefined ? null : strategyConfigSchema.safeParse(stored),
    };
    this.strategies.set(source, hit);
    return hit;
  }

  private sources: { at: number; windows: Map<string, number> } | null = null;

  /** The source's staleness window (seconds; 60 when unknown), read once, then kept by `refreshCaches`. */
  private async staleWindowSeconds(source: string): Promise<number> {
    if (!this.sources) await this.loadSources();
    return this.sources!.windows.get(source) ?? 60;
  }

  private async loadSources(): Promise<void> {
    const rows = await listWebhookSources(this.ctx.db);
    this.sources = {
      at: this.ctx.clock.now(),
      windows: new Map(rows.map((r) => [r.name, r.staleAfterSeconds])),
    };
  }

  /**
   * Before the first signal (the engine calls it once reconciled): every source's staleness window and
   * strategy read, the scoring context built, and the decision pool's connections opened with the
   * decision's statement prepared and past PostgreSQL's first custom plans on them, by executions that
   * change nothing (a signal id no row has). A new connection and its first parse cost the first
   * decision ~25 ms here, more against a remote database; the pool keeps them open (its `min`).
   */
  async warm(connections = 2): Promise<void> {
    const { ctx } = this;
    await this.loadSources();
    for (const source of this.sources!.windows.keys()) await this.loadStrategy(source);
    // the contracts held, and those signals named in the last week, if still listed
    const recent = await recentSignalSymbols(ctx.db, new Date(ctx.clock.now() - WARM_SIGNALS_SINCE_MS));
    const held = [...ctx.state.expectedPositions()].filter(([, qty]) => qty !== 0).map(([s]) => s);
    const warmed = [...new Set([...held, ...recent])].filter((s) => ctx.contracts.get(s) !== undefined);
    // The levels in the background: an exchange slow to answer them (four tries of the client's timeout)
    // must not hold back the start — the watchdog, the commands and closes wait for it. An entry that
    // comes meanwhile shares the read in flight (or blocks as data_missing if it fails).
    void this.risk.levels.warm(warmed);
    await this.scorer.warm(warmed);
    const noop = () =>
      commitDecision(ctx.decisionDb, {
        lease: ctx.lease,
        accountId: ctx.accountId,
        signalId: crypto.randomUUID(),
        symbol: '',
        from: ['received'],
        status: 'scored',
        reason: 'warm-up',
      });
    await Promise.all(
      Array.from({ length: connections }, async () => {
        for (let i = 0; i < 6; i++) await noop();
      }),
    );
  }

  /**
   * Re-read the strategies of the sources seen and the sources' staleness windows, and build the next
   * minute's scoring context (the engine calls this every second): the decision path reads none of them
   * from the database, and a changed strategy is in force within about a second.
   */
  async refreshCaches(): Promise<void> {
    this.risk.levels.refreshDue();
    for (const source of [...this.strategies.keys()]) await this.loadStrategy(source);
    if (this.sources) await this.loadSources();
    await this.scorer.warm();
  }
}
