import { hostname } from 'node:os';
import { exponentialBackoff } from '@enigma/core/backoff';
import { type Bus, BusError, type StreamEntry, typedStream } from '@enigma/core/bus/index';
import { DEFAULT_STRATEGY, strategyKey } from '@enigma/core/engine/strategy';
import { type RiskLimits, resolveRiskLimits } from '@enigma/core/risk/limits';
import {
  KILL_SWITCH_KEY,
  RISK_LIMITS_KEY,
  TRADABLE_CONTRACTS_KEY,
  type TradableContracts,
} from '@enigma/core/settings/keys';
import {
  type CommandEnvelopeEntry,
  commandEnvelopeSchema,
  type EventTopic,
  type SignalEntry,
  signalEntrySchema,
} from '@enigma/core/streams/catalog';
import {
  acquireLease,
  type EnigmaDb,
  engineLeaseName,
  ensureAccount,
  fillLotsByOrder,
  getIntentBySignal,
  getSetting,
  insertRiskEvent,
  listPositions,
  liveOrders,
  putSetting,
  releaseLease,
  signalsInProgress,
} from '@enigma/db';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { KucoinWs } from '../exchange/kucoin/ws.ts';
import { subscribe } from '../exchange/kucoin/ws-topics.ts';
import { startScheduledJobs } from '../jobs/scheduled.ts';
import type { Jobs } from '../jobs/types.ts';
import type { DisabledModel, SignalModel } from '../ml/signal-model.ts';
import { Router } from '../router/router.ts';
import { Breakers } from './breakers.ts';
import { CommandHandler } from './commands.ts';
import {
  DEFAULT_TUNING,
  type EngineClock,
  type EngineContext,
  type EngineTuning,
  systemClock,
} from './context.ts';
import { Executor } from './executor.ts';
import { Ledger } from './ledger.ts';
import { AtrSource, ExchangeContracts, MarketView } from './market.ts';
import { engineMetrics } from './metrics.ts';
import { PositionBook } from './positions.ts';
import { Protection } from './protection.ts';
import { type ReconcileReport, Reconciler } from './reconcile.ts';
import { RiskInputs } from './risk-inputs.ts';
import { SignalScorer } from './scoring.ts';
import { SignalHandler } from './signals.ts';
import { AccountState } from './state.ts';

export const SIGNALS_STREAM = 'signals:incoming';
export const COMMANDS_STREAM = 'commands';
export const ENGINE_GROUP = 'engine';
/** The engine's job queue and its periodic reconciliation job. */
export const ENGINE_QUEUE = 'engine';
export const RECONCILE_JOB = 'reconcile';

export interface EngineOptions {
  db: EnigmaDb;
  /** connections of the decision path's own (a second pool on the same database); default `db` */
  decisionDb?: EnigmaDb;
  bus: Bus;
  kucoin: KucoinHttpClient;
  logger: Logger;
  mode: 'paper' | 'live';
  /** the exchange account row the engine trades (created on first use) */
  accountName?: string;
  /** this process's name in the lease (default host:pid) */
  holder?: string;
  model: SignalModel | DisabledModel;
  clock?: EngineClock;
  tuning?: Partial<EngineTuning>;
  registry?: Registry;
  /** subscribe to the private WebSocket (orders, stops, positions) to react at once; REST polling always runs */
  privateSocket?: boolean;
  /** a default strategy for these sources when none is stored (the embedded default's TradingView source) */
  defaultStrategyFor?: string[];
  /** test hook at each step of an order's life (crash tests) */
  onPoint?: EngineContext['point'];
  /** bench hook: stream entry read → first order request on the wire, ms */
  onDecision?: (ms: number) => void;
  /** the job queue that carries the router's TWAP slices (BullMQ or the database); absent: slices run in-process */
  jobs?: Jobs;
}

export interface EngineStatus {
  state: 'waiting_for_lease' | 'reconciling' | 'trading' | 'stopped' | 'lease_lost';
  holder: string;
  fence: number | null;
  reconciledAt: number | null;
  lastReconcile: ReconcileReport | null;
  killSwitch: { on: boolean; reason: string | null };
  breaker: 'active' | 'reduce_only' | 'halted';
  inFlight: number;
}

/**
 * The execution and risk engine: reads `signals:incoming` and `commands` as the consumer group
 * `engine`, trades one exchange account under a lease with fencing, reconciles before the first trade
 * after any start, periodically and after every private-socket reconnect, and keeps every position
 * protected. Entries are handled in parallel across contracts and in order within one.
 */
export class Engine {
  readonly ctx: EngineContext;
  readonly executor: Executor;
  readonly ledger: Ledger;
  readonly protection: Protection;
  readonly reconciler: Reconciler;
  readonly signals: SignalHandler;
  readonly router: Router;
  readonly commands: CommandHandler;
  readonly market: MarketView;
  readonly breakers: Breakers;
  private readonly riskInputs: RiskInputs;
  private readonly contracts: ExchangeContracts;
  private readonly holder: string;
  private readonly stop = new AbortController();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inHand = new Set<string>();
  private loops: Promise<void>[] = [];
  private ws: KucoinWs | null = null;
  private limitsCache: { at: number; value: RiskLimits | null } | null = null;
  private kill: { on: boolean; reason: string | null } = { on: false, reason: null };
  private status: EngineStatus['state'] = 'waiting_for_lease';
  private reconciledAt: number | null = null;
  private lastReconcile: ReconcileReport | null = null;
  private staleSince: number | null = null;
  private reconcileRequested = false;

  constructor(private readonly opts: EngineOptions) {
    const clock = opts.clock ?? systemClock;
    const log = opts.logger.child({ component: 'engine' });
    this.holder = opts.holder ?? `${hostname()}:${process.pid}`;
    this.contracts = new ExchangeContracts(opts.kucoin);
    const tuning = { ...DEFAULT_TUNING, ...(opts.tuning ?? {}) };
    let breakers: Breakers;
    this.ctx = {
      db: opts.db,
      decisionDb: opts.decisionDb ?? opts.db,
      bus: opts.bus,
      kucoin: opts.kucoin,
      clock,
      log,
      metrics: engineMetrics(opts.registry),
      tuning,
      mode: opts.mode,
      accountId: '',
      lease: { name: '', fence: -1 },
      contracts: this.contracts,
      state: new AccountState(),
      positions: new PositionBook(
        () => this.ctx.db,
        () => this.ctx.accountId,
      ),
      withSymbol: (symbol, fn) => this.withSymbol(symbol, fn),
      publish: (topic, event) => this.publish(topic, event),
      limits: () => this.limitsCache?.value ?? null,
      killSwitch: () => this.kill,
      breaker: () => breakers.state(),
      exchangeOutcome: (ok) => breakers.recordOutcome(ok),
      point: opts.onPoint ?? (() => {}),
      ...(opts.onDecision ? { onDecision: opts.onDecision } : {}),
    };
    breakers = new Breakers(this.ctx);
    this.breakers = breakers;
    this.market = new MarketView(opts.kucoin, clock, log);
    const atr = new AtrSource(opts.db, clock);
    this.executor = new Executor(this.ctx);
    this.ledger = new Ledger(this.ctx, (id) => this.executor.keptAnswer(id));
    this.protection = new Protection(this.ctx, this.executor, this.market, atr);
    this.reconciler = new Reconciler(this.ctx, this.executor, this.ledger, this.protection);
    this.riskInputs = new RiskInputs(this.ctx, this.market, this.ctx.state);
    this.router = new Router(this.ctx, this.executor, this.market, opts.jobs ?? null);
    this.signals = new SignalHandler(
      this.ctx,
      this.executor,
      this.ledger,
      this.protection,
      atr,
      new SignalScorer(opts.db, opts.model, clock),
      this.riskInputs,
      this.router,
    );
    this.commands = new CommandHandler(
      this.ctx,
      this.executor,
      this.ledger,
      this.protection,
      this.riskInputs,
      (on, reason, flatten) => this.setKillSwitch(on, reason, flatten),
      this.router,
    );
  }

  /** Start: account, contracts, lease (waits for it), reconciliation, then the consumers and timers. */
  async start(): Promise<void> {
    const { ctx, opts } = this;
    if (opts.mode === 'live' && !opts.kucoin) throw new Error('live mode needs KuCoin credentials');
    ctx.accountId = await ensureAccount(
      opts.db,
      opts.accountName ?? 'default',
      opts.mode === 'live' ? 'live' : 'paper',
    );
    ctx.lease.name = engineLeaseName(ctx.accountId);
    await opts.kucoin.syncTime().catch((error) => ctx.log.warn({ err: error }, 'server time sync failed'));
    const symbols = await this.contracts.load();
    ctx.log.info({ symbols }, 'engine: contracts loaded');
    await putSetting(
      opts.db,
      TRADABLE_CONTRACTS_KEY,
      { symbols, at: ctx.clock.now() } satisfies TradableContracts,
      'engine',
    );
    for (const source of opts.defaultStrategyFor ?? []) {
      if ((await getSetting(opts.db, strategyKey(source))) === undefined)
        await putSetting(opts.db, strategyKey(source), DEFAULT_STRATEGY, 'engine');
    }
    await this.refreshSettings();
    await this.breakers.load();
    await this.market.listen(opts.bus);
    await this.acquire();
    this.loops.push(this.leaseLoop());
    // The account view from the database; from here on its writers keep it.
    const live = await liveOrders(opts.db, ctx.accountId);
    ctx.state.load(
      await listPositions(opts.db, ctx.accountId, true),
      live,
      await fillLotsByOrder(
        opts.db,
        live.map((o) => o.id),
      ),
    );
    await this.riskInputs.refreshBalance();
    if (opts.privateSocket !== false) await this.startPrivateSocket();
    ctx.log.info('engine: private socket started; reconciling');
    // Fail closed: nothing is traded until the first reconciliation has succeeded.
    this.status = 'reconciling';
    for (let attempt = 0; !this.stop.signal.aborted; attempt++) {
      try {
        // Nothing of this process is in flight yet: every signal left mid-way is resumed now.
        await this.reconcile(0);
        break;
      } catch (error) {
        ctx.log.error({ err: error, attempt }, 'reconciliation failed: not trading until it succeeds');
        await ctx.clock.sleep(exponentialBackoff(attempt, { base: 500, max: 30_000 }), this.stop.signal);
      }
    }
    if (this.stop.signal.aborted) return;
    // Closed trades a restart left waiting for KuCoin's record of their round trip are asked for again.
    await this.ledger
      .resumeAwaitingRecords()
      .catch((error) =>
        ctx.log.warn({ err: error }, 'closed trades awaiting their exchange record not resumed'),
      );
    // The router's delayed slices and the scheduled jobs run only under this process's lease.
    await this.router.start();
    // operator orders whose router algorithm a restart interrupted are followed to their end
    await this.commands.resumeRouted();
    if (opts.jobs) {
      await opts.jobs.every(
        ENGINE_QUEUE,
        RECONCILE_JOB,
        {},
        { key: `${RECONCILE_JOB}-${ctx.accountId}`, everyMs: ctx.tuning.reconcileEveryMs },
      );
      await opts.jobs.process(ENGINE_QUEUE, async (run) => {
        if (run.name !== RECONCILE_JOB) return;
        // A run left for a stopping engine is not lost: the next period runs it again.
        if (this.stop.signal.aborted) return;
        await this.reconcile();
      });
    }
    if (opts.jobs)
      await startScheduledJobs(opts.jobs, {
        db: opts.db,
        kucoin: opts.kucoin,
        accountId: ctx.accountId,
        // the contracts this account has traded (a position row, open or closed)
        symbols: async () => [...new Set((await listPositions(opts.db, ctx.accountId)).map((p) => p.symbol))],
        log: ctx.log,
      });
    // the first signal finds its caches filled and the decision's connections open
    await this.signals
      .warm()
      .catch((error) => ctx.log.warn({ err: error }, 'engine warm-up failed: the first signals pay for it'));
    this.status = 'trading';
    ctx.log.info(
      { mode: opts.mode, account: opts.accountName ?? 'default', fence: ctx.lease.fence, symbols },
      'engine trading',
    );
    this.loops.push(
      this.consumeLoop<SignalEntry>(
        SIGNALS_STREAM,
        signalEntrySchema,
        (e) => e.payload.symbol,
        // In order within a contract (its chain); fills and protection take the contract's lock.
        (e, readAt) => this.signals.handle(e.payload, readAt),
      ),
      this.consumeLoop<CommandEnvelopeEntry>(
        COMMANDS_STREAM,
        commandEnvelopeSchema,
        () => '__commands__',
        (e) => this.commands.handle(e.payload),
      ),
      this.every(this.ctx.tuning.protectEveryMs, () => this.watchdog()),
      // Periodic reconciliation: a repeatable job on the queue when there is one (visible in
      // `enigma jobs`, one run per period), else a timer.
      ...(opts.jobs ? [] : [this.every(this.ctx.tuning.reconcileEveryMs, () => this.reconcile())]),
      this.every(this.ctx.tuning.settingsEveryMs, () => this.refreshSettings()),
      this.every(this.ctx.tuning.settingsEveryMs, () => this.signals.refreshCaches()),
      this.every(1_000, () => this.riskInputs.refreshBalance()),
      // KuCoin's own record of the round trips closed since the last pass, one request per contract.
      this.every(1_000, () => this.ledger.fillExchangeRecords()),
      this.every(600_000, async () => {
        const list = await this.contracts.load();
        await putSetting(
          opts.db,
          TRADABLE_CONTRACTS_KEY,
          { symbols: list, at: ctx.clock.now() } satisfies TradableContracts,
          'engine',
        );
      }),
    );
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.executor.close();
    this.status = 'stopped';
    await this.ws?.close().catch(() => {});
    await this.market.close();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.chains.values()]);
    await this.signals.drain();
    await this.executor.flushAnswers();
    if (this.ctx.lease.fence > 0)
      await releaseLease(this.opts.db, this.ctx.lease.name, this.holder, this.ctx.lease.fence).catch(
        () => {},
      );
  }

  statusReport(): EngineStatus {
    return {
      state: this.status,
      holder: this.holder,
      fence: this.ctx.lease.fence > 0 ? this.ctx.lease.fence : null,
      reconciledAt: this.reconciledAt,
      lastReconcile: this.lastReconcile,
      killSwitch: this.kill,
      breaker: this.breakers.state(),
      inFlight: this.inHand.size,
    };
  }

  /** Run one reconciliation now (also what the periodic timer and a socket reconnect do). */
  async reconcile(stuckAfterMs = 10_000): Promise<ReconcileReport> {
    const report = await this.reconciler.run();
    this.reconciledAt = this.ctx.clock.now();
    this.lastReconcile = report;
    await this.resumeStuckSignals(stuckAfterMs);
    return report;
  }

  // ── lease ──────────────────────────────────────────────────────────────────────────────────────

  private async acquire(): Promise<void> {
    const { ctx } = this;
    let logged = false;
    while (!this.stop.signal.aborted) {
      const lease = await acquireLease(
        ctx.db,
        ctx.lease.name,
        this.holder,
        ctx.tuning.leaseTtlMs,
        new Date(ctx.clock.now()),
      );
      if (lease) {
        ctx.lease.fence = lease.fence;
        ctx.log.info({ holder: this.holder, fence: lease.fence }, 'engine lease acquired');
        return;
      }
      if (!logged)
        ctx.log.warn({ lease: ctx.lease.name }, 'another engine holds the lease: waiting to take over');
      logged = true;
      this.status = 'waiting_for_lease';
      await ctx.clock.sleep(Math.max(200, ctx.tuning.leaseTtlMs / 4), this.stop.signal);
    }
  }

  private async leaseLoop(): Promise<void> {
    const { ctx } = this;
    while (!this.stop.signal.aborted) {
      await ctx.clock.sleep(ctx.tuning.leaseTtlMs / 3, this.stop.signal);
      if (this.stop.signal.aborted) return;
      try {
        const lease = await acquireLease(
          ctx.db,
          ctx.lease.name,
          this.holder,
          ctx.tuning.leaseTtlMs,
          new Date(ctx.clock.now()),
        );
        if (!lease || lease.fence !== ctx.lease.fence) {
          // Another engine took over: stop trading at once (fenced writes would fail anyway).
          this.status = 'lease_lost';
          ctx.log.error({ fence: ctx.lease.fence, now: lease?.fence ?? null }, 'engine lease lost: stopping');
          ctx.lease.fence = -1;
          this.stop.abort();
          return;
        }
      } catch (error) {
        ctx.log.warn({ err: error }, 'lease renewal failed');
      }
    }
  }

  // ── stream consumers ───────────────────────────────────────────────────────────────────────────

  /**
   * Read a stream as the `engine` group and hand each entry to the chain of its key (its contract):
   * parallel across keys, in order within one, acked when handled. A failing entry stays pending and is
   * retried after `reclaimIdleMs`; after 5 deliveries it is dead-lettered with the error.
   */
  private async consumeLoop<T>(
    stream: string,
    schema: Parameters<typeof typedStream>[2],
    keyOf: (e: StreamEntry<T>) => string,
    handle: (e: StreamEntry<T>, readAt: number) => Promise<void>,
  ): Promise<void> {
    const { ctx } = this;
    const typed = typedStream(this.opts.bus, stream, schema, {
      onInvalid: (entry, reason) =>
        ctx.log.warn({ stream, id: entry.id, reason }, 'malformed stream entry dead-lettered'),
    });
    const consumer = this.holder;
    await this.opts.bus.ensureGroup(stream, ENGINE_GROUP, { start: 'beginning' });
    const lastError = new Map<string, string>();
    let nextReclaim = 0;
    const dispatch = (entry: StreamEntry<T>) => {
      if (this.inHand.has(`${stream}|${entry.id}`)) return;
      if (entry.deliveries > 5) {
        void typed.deadLetter(
          ENGINE_GROUP,
          entry as StreamEntry<unknown>,
          `handler failed ${entry.deliveries - 1} times; last error: ${lastError.get(entry.id) ?? 'unknown'}`,
        );
        return;
      }
      // Wall time (not the injected clock): the decision latency is a property of this process.
      const readAt = performance.now();
      const key = `${stream}|${keyOf(entry)}`;
      this.inHand.add(`${stream}|${entry.id}`);
      void this.onChain(key, async () => {
        try {
          await handle(entry, readAt);
          await typed.ack(ENGINE_GROUP, [entry.id]);
          lastError.delete(entry.id);
        } catch (error) {
          lastError.set(entry.id, error instanceof Error ? error.message : String(error));
          ctx.log.warn(
            { stream, id: entry.id, err: error },
            'engine handler failed: the entry will be retried',
          );
        } finally {
          this.inHand.delete(`${stream}|${entry.id}`);
        }
      });
    };
    while (!this.stop.signal.aborted) {
      try {
        if (this.inHand.size >= ctx.tuning.maxInFlight) {
          await ctx.clock.sleep(5);
          continue;
        }
        if (ctx.clock.now() >= nextReclaim) {
          nextReclaim = ctx.clock.now() + Math.min(ctx.tuning.reclaimIdleMs, 5_000);
          for (const e of await typed.reclaim(ENGINE_GROUP, consumer, {
            minIdleMs: ctx.tuning.reclaimIdleMs,
            count: 50,
          }))
            dispatch(e as StreamEntry<T>);
        }
        const entries = await typed.readGroup(ENGINE_GROUP, consumer, { count: 50, blockMs: 200 });
        for (const e of entries) dispatch(e as StreamEntry<T>);
      } catch (error) {
        if (error instanceof BusError && error.code === 'CLOSED') return;
        if (this.stop.signal.aborted) return;
        ctx.log.warn({ stream, err: error }, 'stream read failed: retrying');
        await ctx.clock.sleep(500);
      }
    }
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────────────

  private async every(ms: number, fn: () => Promise<unknown>): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.ctx.clock.sleep(ms, this.stop.signal);
      if (this.stop.signal.aborted) return;
      try {
        await fn();
      } catch (error) {
        this.ctx.log.warn({ err: error }, 'engine periodic task failed');
      }
    }
  }

  /** Protection watchdog: every open position protected (or flattened past the grace), trailing stops moved, breakers evaluated. */
  private async watchdog(): Promise<void> {
    const { ctx } = this;
    if (this.reconcileRequested) {
      this.reconcileRequested = false;
      await this.reconcile();
    }
    const open = await listPositions(ctx.db, ctx.accountId, true);
    let unprotected = 0;
    let stale = false;
    for (const pos of open) {
      const m = this.market.peek(pos.symbol);
      if (!m.markAt || ctx.clock.now() - m.markAt > 60_000) stale = true;
      await this.withSymbol(pos.symbol, async () => {
        // Fills first: a stop that triggered since the last look must close the position before
        // protection decides anything (it would otherwise re-protect a position that is gone).
        if (this.fillWindowDue(pos.symbol)) await this.ledger.syncFills(pos.symbol);
        await this.protection.trail(pos.symbol, await this.trailingOf(pos.signalId));
        const state = await this.protection.ensure(pos.symbol);
        if (state === 'unprotected') unprotected++;
      });
    }
    ctx.metrics.unprotected.set(unprotected);
    this.staleSince = stale ? (this.staleSince ?? ctx.clock.now()) : null;
    const limits = ctx.limits();
    const equity =
      open.length > 0 || !this.breakers.list().some((b) => b.scope === 'drawdown')
        ? (await this.riskInputs.balance()).equity
        : null;
    await this.breakers.evaluate(limits, equity, this.staleSince ? ctx.clock.now() - this.staleSince : 0);
  }

  private async trailingOf(
    signalId: string | null,
  ): Promise<{ activateR: string; distanceR: string } | null> {
    if (!signalId) return null;
    const intent = await getIntentBySignal(this.ctx.db, signalId);
    const t = (intent?.params as { trailing?: { activateR: string; distanceR: string } | null } | undefined)
      ?.trailing;
    return t ?? null;
  }

  /** Signals left mid-way (an order still open at the time, a crash between steps): resumed by reconciliation. */
  private async resumeStuckSignals(stuckAfterMs: number): Promise<void> {
    const { ctx } = this;
    const cutoff = new Date(ctx.clock.now() - stuckAfterMs + 1);
    const stuck = await signalsInProgress(ctx.db, cutoff);
    for (const s of stuck) {
      if (!s.symbol || !s.action) continue;
      const entry = signalEntrySchema.safeParse({
        signalId: s.id,
        source: s.source,
        symbol: s.symbol,
        action: s.action === 'long' ? 'buy' : s.action === 'short' ? 'sell' : s.action,
        interval: s.interval,
        alertTime: s.alertTime?.getTime() ?? null,
        receivedAt: s.receivedAt.getTime(),
        price: s.price,
        size: s.contracts,
        orderId: null,
        indicators: {},
        conditions: {},
        route: 'tradingview',
      });
      if (!entry.success) continue;
      // On its contract's chain, in the order received: ahead of anything read later, without holding
      // up reconciliation. A signal this process already follows is not followed twice (SignalHandler).
      const data = entry.data;
      this.onChain(`${SIGNALS_STREAM}|${s.symbol}`, () =>
        this.signals
          .resume(data)
          .catch((error) => ctx.log.warn({ signalId: s.id, err: error }, 'resuming a signal failed')),
      );
    }
  }

  /** Run `fn` after everything already on the chain `key` (the consumer's per-contract order). */
  private onChain(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn);
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  // ── settings: kill switch and limits ───────────────────────────────────────────────────────────

  private async refreshSettings(): Promise<void> {
    const { ctx } = this;
    try {
      this.limitsCache = {
        at: ctx.clock.now(),
        value: resolveRiskLimits(await getSetting(ctx.db, RISK_LIMITS_KEY)),
      };
    } catch (error) {
      if (this.limitsCache?.value !== null)
        await insertRiskEvent(ctx.db, {
          accountId: ctx.accountId || null,
          code: 'risk_limits_invalid',
          severity: 'critical',
          message: (error as Error).message,
        }).catch(() => {});
      this.limitsCache = { at: ctx.clock.now(), value: null };
    }
    const k = (await getSetting(ctx.db, KILL_SWITCH_KEY)) as { on?: unknown; reason?: unknown } | undefined;
    const on = k?.on === true;
    if (on && !this.kill.on) ctx.log.warn({ reason: k?.reason }, 'kill switch is on');
    this.kill = { on, reason: typeof k?.reason === 'string' ? k.reason : null };
  }

  /** The kill switch's command: its stored state was written by the API with the command; act on it. */
  private async setKillSwitch(on: boolean, reason: string, flatten: boolean): Promise<void> {
    this.kill = { on, reason };
    if (!on) return;
    const result = await this.commands.killSwitchActions(flatten, reason);
    await insertRiskEvent(this.ctx.db, {
      accountId: this.ctx.accountId,
      code: 'kill_switch',
      severity: 'critical',
      message: `kill switch on: ${reason}`,
      data: { ...result, flattened: result.flattened.join(',') },
    });
    this.ctx.publish('risk', { type: 'kill_switch', on, reason, ...result, at: this.ctx.clock.now() });
  }

  /** When each contract's fills were last synced by time window from the watchdog. */
  private readonly windowSyncedAt = new Map<string, number>();

  /**
   * Whether the watchdog syncs a contract's fills by time window on this pass. While the private socket
   * is up, every fill comes with a push and is fetched by its order id at once (`kick`), so the window
   * (a weighted request per open position, paging through the contract's recent fills) only looks for a
   * push that was lost: every `fillWindowEveryMs`. With the socket down, on every pass; a reconnect
   * reconciles with a 60 s window.
   */
  private fillWindowDue(symbol: string): boolean {
    const now = this.ctx.clock.now();
    const socketUp = this.ws?.isConnected === true && this.executor.pushWaitMs > 0;
    if (socketUp && now - (this.windowSyncedAt.get(symbol) ?? 0) < this.ctx.tuning.fillWindowEveryMs)
      return false;
    this.windowSyncedAt.set(symbol, now);
    return true;
  }

  // ── private socket ─────────────────────────────────────────────────────────────────────────────

  private async startPrivateSocket(): Promise<void> {
    const { ctx } = this;
    const ws = new KucoinWs({
      getToken: () => this.opts.kucoin.market.privateToken(),
      privateChannel: true,
      logger: ctx.log.child({ component: 'engine-ws' }),
    });
    this.ws = ws;
    ws.on('reconnected', () => {
      ctx.log.info('private socket reconnected: reconciling');
      this.reconcileRequested = true;
      // a level changed while the socket was down was pushed to no one
      this.riskInputs.levels.readAgainSoon();
    });
    ws.on('handlerError', (error: unknown) => ctx.log.warn({ err: error }, 'private push failed to parse'));
    try {
      await ws.start();
      await subscribe.orders(ws, (o) => {
        this.executor.onOrderPush(o);
        // A fill or a done order: bring that contract's fills and protection up to date now.
        if (o.type === 'match' || o.type === 'filled' || o.type === 'canceled')
          this.kick(o.symbol, { orderId: o.orderId, filledSize: o.filledSize });
      });
      await subscribe.stopOrders(ws, (o) => this.kick((o as { symbol: string }).symbol));
      // A risk-limit level changed behind the engine's back (KuCoin's site, another client) is pushed on
      // the contract's position topic: listened to for each contract whose level is read, from its first read.
      this.riskInputs.levels.listen((symbol) => {
        subscribe
          .riskLimit(ws, symbol, (e) => {
            ctx.log.info(e, 'risk-limit level adjustment pushed');
            this.riskInputs.levels.adjusted(e);
          })
          .catch((error: unknown) =>
            ctx.log.warn(
              { symbol, err: error },
              'risk-limit pushes not subscribed: a change is seen by the periodic read',
            ),
          );
      });
      // A followed order's done report comes with its pushes: wait briefly for them before asking over REST.
      this.executor.pushWaitMs = ctx.tuning.orderPushWaitMs;
    } catch (error) {
      ctx.log.warn({ err: error }, 'private socket unavailable: REST polling only');
    }
  }

  /**
   * Contracts with a push reaction queued and not started yet, with the orders their pushes reported
   * filled (exchange id → filled lots): a burst of pushes costs one reaction.
   */
  private readonly kicked = new Map<string, Map<string, number>>();

  private kick(symbol: string, order?: { orderId: string; filledSize: number }): void {
    if (this.status !== 'trading' || !this.contracts.get(symbol)) return;
    const queued = this.kicked.get(symbol);
    if (queued) {
      if (order && order.filledSize > (queued.get(order.orderId) ?? 0))
        queued.set(order.orderId, order.filledSize);
      return;
    }
    const orders = new Map<string, number>();
    if (order && order.filledSize > 0) orders.set(order.orderId, order.filledSize);
    this.kicked.set(symbol, orders);
    void this.withSymbol(symbol, async () => {
      this.kicked.delete(symbol);
      // Only pushes that reported a fill bring fills (those orders', by id). A push without one (an order
      // opened or canceled unfilled, a stop order's news) has none to bring: protection looks at once.
      // A fill whose push was lost is found by the watchdog's and reconciliation's sync by contract.
      if (orders.size > 0)
        await this.ledger.syncFills(symbol, {
          orders: [...orders].map(([exchangeOrderId, filledSize]) => ({ exchangeOrderId, filledSize })),
        });
      await this.protection.ensure(symbol);
    }).catch((error) => this.ctx.log.warn({ symbol, err: error }, 'reacting to a private push failed'));
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────────

  private withSymbol<T>(symbol: string, fn: () => Promise<T>): Promise<T> {
    // Re-entrant per async call chain is not needed: callers never nest two symbol sections.
    const prev = this.locks.get(symbol) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(symbol, tail);
    void tail.then(() => {
      if (this.locks.get(symbol) === tail) this.locks.delete(symbol);
    });
    return run;
  }

  private publish(topic: EventTopic, event: Record<string, unknown>): void {
    this.opts.bus
      .publish(`events:${topic}`, event)
      .catch((error) => this.ctx.log.debug({ err: error }, 'event publish failed'));
  }
}
