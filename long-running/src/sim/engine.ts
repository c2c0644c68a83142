import { CONTRACTS, type ContractSpec, contractSpec } from '@enigma/core/contract/specs';
import { alignToTick, Money } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import { SimAccount } from './account.ts';
import { DEFAULT_BEHAVIOUR, mergeBehaviour, type SimBehaviour } from './behaviour.ts';
import { type BookShape, DEFAULT_BOOK_SHAPE } from './book.ts';
import type { Clock } from './clock.ts';
import { badParam, SimError } from './errors.ts';
import { EventBus, IdSource, type SimEvent } from './events.ts';
import { Faults } from './faults.ts';
import {
  type Depth,
  depth,
  publicTrade,
  publishBook,
  publishPeriodic,
  SimFeed,
  type TopOfBook,
  topOfBook,
} from './feed.ts';
import { fillOrder } from './fills.ts';
import {
  type AccountSummary,
  accountSummary,
  adjustIsolatedMargin,
  autoDeleverage,
  checkAutoDeleverage,
  checkLiquidations,
  deposit,
  flushWallet,
  liquidationPriceOf,
  maintenanceRate,
  marginRefusal,
  maxWithdrawMargin,
  orderMargin,
  settleFunding,
  withdraw,
} from './margin.ts';
import type { MarketSource } from './market/source.ts';
import { SymbolMarket } from './market-state.ts';
import {
  cancelAll,
  cancelOrder,
  crossThrough,
  findByClientOid,
  MatchingCore,
  matchPending,
  type OrderEventRenderer,
  runTape,
  type StopEventRenderer,
  triggerStops,
} from './matching.ts';
import { placeOrder, placeTpSlOrder } from './order-flow.ts';
import { hashString, Rng } from './rng.ts';
import { setCrossLeverage, setMarginMode, setRiskLimitLevel } from './settings.ts';
import type { LedgerEntry, MarginMode, SimOrder, SimPosition, SymbolSettings } from './types.ts';

export type { MatchInfo, SimEvent } from './events.ts';

/** Options of the matching and account engine. */
export interface EngineOptions {
  clock: Clock;
  source: MarketSource;
  seed?: number;
  symbols?: string[];
  bookShape?: Partial<BookShape>;
  /** A fixed funding rate; otherwise the source's recorded rate, else 0.0001. */
  fundingRate?: number;
  /** Starting USDT balance of the simulated account. */
  initialBalance?: number;
  /** Minutes of candle history generated before the start. */
  warmupMinutes?: number;
  /** Default cross-margin leverage per symbol. */
  crossLeverage?: number;
  /** Fault switches the engine consumes (order refusals, stop-trigger failures, level-2 faults). */
  faults?: Faults;
  /** Behaviour switches (see behaviour.ts); unset ones take the harsher default. */
  behaviour?: Partial<SimBehaviour>;
}

const DEFAULT_FUNDING_RATE = 0.0001;
/**
 * How long a done order stays findable. KuCoin's unified-account order detail
 * (docs-new/rest/ua/get-order-details) keeps a canceled or filled classic futures order findable by clientOid
 * for 7 days and by orderId for 3 months; the classic endpoints state no window. Both forget it at 7 days
 * here: the harsher reading for a look-up by id.
 */
const ORDER_RETENTION_MS = 7 * 86_400_000;

/**
 * The simulated exchange, as the HTTP and WS servers see it: one account (USDT), one-way positions, a
 * synthetic book per contract driven by a market source, KuCoin's order types, margin, liquidation and
 * funding. Everything runs on the injected clock; `step()` advances the market to `clock.now()`.
 *
 * A facade over parts that import each other in one direction (docs/simulator.md, "Structure"):
 * the matching core (matching.ts: books, orders, triggers) is handed its handlers here; the account
 * (account.ts with margin.ts, fills.ts, settings.ts) owns balances, margin and positions and reads the core;
 * the feed (feed.ts) and the views (views.ts) listen. Only this file knows all of them.
 */
export class SimEngine {
  readonly bus = new EventBus();
  readonly ids: IdSource;
  readonly core: MatchingCore;
  readonly account: SimAccount;
  readonly feed: SimFeed;
  readonly faults: Faults;
  readonly clock: Clock;
  readonly source: MarketSource;
  readonly seed: number;
  /** Active price wicks per symbol (see `wick`). */
  readonly wicks = new Map<string, PriceWick>();
  private readonly basisRng = new Map<string, Rng>();
  private lastPrune = 0;
  /** Market time of the previous step (ADL on a gap only compares steps this close). */
  private lastStepAt = Number.NEGATIVE_INFINITY;
  private readonly fixedFundingRate: number | undefined;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.source = opts.source;
    this.seed = opts.seed ?? 1;
    this.fixedFundingRate = opts.fundingRate;
    this.faults = opts.faults ?? new Faults();
    this.ids = new IdSource(240_000_000_000_000_000n + BigInt(this.seed % 1_000_000) * 1_000_000_000n);
    const shape = { ...DEFAULT_BOOK_SHAPE, ...opts.bookShape };
    const symbols = opts.symbols ?? Object.keys(CONTRACTS);
    const now = this.clock.now();
    const markets = new Map<string, SymbolMarket>();
    for (const symbol of symbols) {
      const spec = contractSpec(symbol);
      const seq = 1_700_000_000_000 + (hashString(symbol) % 1_000_000);
      markets.set(symbol, new SymbolMarket(spec, this.seed ^ hashString(symbol), shape, seq));
      this.basisRng.set(symbol, new Rng(this.seed ^ (hashString(symbol) * 31 + 7)));
    }
    // The core is built with its handlers; they reach the account and the feed built right after it.
    this.core = new MatchingCore({
      markets,
      clock: this.clock,
      faults: this.faults,
      behaviour: mergeBehaviour(DEFAULT_BEHAVIOUR, opts.behaviour),
      bus: this.bus,
      ids: this.ids,
      handlers: {
        fill: (order, lots, price, liquidity, at, tradeType) =>
          fillOrder(this.account, order, lots, price, liquidity, at, tradeType),
        accountRefusal: (order) => marginRefusal(this.account, order),
        positionQty: (symbol) => this.account.position(symbol).qty,
        trade: (m, price, lots, side, at, taker, maker) =>
          publicTrade(this.feed, m, price, lots, side, at, taker, maker),
        bookChanged: (m, at) => publishBook(this.feed, m, at),
        ordersChanged: () => {
          this.account.walletDirty = true;
        },
      },
    });
    this.account = new SimAccount(this.core, {
      initialBalance: opts.initialBalance,
      crossLeverage: opts.crossLeverage,
      fundingRateFor: (symbol, at) => this.fundingRateFor(symbol, at),
      firstFunding: (symbol) => nextFundingTime(now, contractSpec(symbol)),
    });
    this.feed = new SimFeed(this.core, this.account);
    if (opts.initialBalance)
      this.account.addLedger('Deposit', new Money(opts.initialBalance), 'initial balance');
    this.warmup(opts.warmupMinutes ?? 300);
  }

  // ---------------------------------------------------------------- the parts' state, as before

  get markets(): Map<string, SymbolMarket> {
    return this.core.markets;
  }
  get orders(): Map<string, SimOrder> {
    return this.core.orders;
  }
  /** Orders with status open (resting, or untriggered stops): what matching and margin scan each step. */
  get openOrders(): Set<SimOrder> {
    return this.core.openOrders;
  }
  get tapeCarry(): Map<string, number> {
    return this.core.tapeCarry;
  }
  get fills() {
    return this.account.fills;
  }
  get positions(): Map<string, SimPosition> {
    return this.account.positions;
  }
  get closedPositions() {
    return this.account.closedPositions;
  }
  get fundingRecords() {
    return this.account.fundingRecords;
  }
  get ledger() {
    return this.account.ledger;
  }
  get settings(): Map<string, SymbolSettings> {
    return this.account.settings;
  }
  get nextFunding(): Map<string, number> {
    return this.account.nextFunding;
  }
  get wallet(): Decimal {
    return this.account.wallet;
  }
  set wallet(v: Decimal) {
    this.account.wallet = v;
  }
  get walletDirty(): boolean {
    return this.account.walletDirty;
  }
  set walletDirty(v: boolean) {
    this.account.walletDirty = v;
  }
  get walletVersion(): number {
    return this.account.walletVersion;
  }
  set walletVersion(v: number) {
    this.account.walletVersion = v;
  }
  /** Ids issued so far (persisted, so ids stay unique across restarts). */
  get idCounter(): number {
    return this.ids.counter;
  }
  set idCounter(v: number) {
    this.ids.counter = v;
  }
  /** Bumped by every private event, i.e. every change of account state: the persister saves when it moved. */
  get revision(): number {
    return this.bus.revision;
  }
  get listeners() {
    return this.bus.listeners;
  }
  /** Topic filter set by the WS server so unwatched payloads are not built. */
  get isWatched(): (topic: string) => boolean {
    return this.bus.isWatched;
  }
  set isWatched(f: (topic: string) => boolean) {
    this.bus.isWatched = f;
  }
  get behaviour(): SimBehaviour {
    return this.core.behaviour;
  }
  set behaviour(b: SimBehaviour) {
    this.core.behaviour = b;
  }
  get lastInstrumentPush(): number {
    return this.feed.lastInstrumentPush;
  }
  get lastSnapshotPush(): number {
    return this.feed.lastSnapshotPush;
  }
  get lastPositionPush(): number {
    return this.feed.lastPositionPush;
  }

  // ---------------------------------------------------------------- renderers (installed by views.ts)

  /** Position payload renderer, injected by views.ts to keep one shape for REST and WS. */
  get renderPosition(): (p: SimPosition) => Record<string, unknown> {
    return this.account.renderPosition;
  }
  set renderPosition(r: (p: SimPosition) => Record<string, unknown>) {
    this.account.renderPosition = r;
  }
  get renderOrderEvent(): OrderEventRenderer {
    return this.core.renderOrderEvent;
  }
  set renderOrderEvent(r: OrderEventRenderer) {
    this.core.renderOrderEvent = r;
  }
  get renderStopEvent(): StopEventRenderer {
    return this.core.renderStopEvent;
  }
  set renderStopEvent(r: StopEventRenderer) {
    this.core.renderStopEvent = r;
  }

  /** Subscribe to every public and private event. Returns an unsubscribe function. */
  onEvent(listener: (e: SimEvent) => void): () => void {
    return this.bus.on(listener);
  }

  /**
   * Move one price alone from the next step on, for `durationMs` (at least one step): `last` prints one
   * trade at that price (TP stops), `mark` sets the mark (MP stops, liquidation), `index` the index (IP
   * stops). What TP/MP/IP triggers and mark-based liquidation react to can then be told apart.
   */
  wick(symbol: string, prices: { last?: Decimal; mark?: Decimal; index?: Decimal }, durationMs = 0): void {
    this.market(symbol);
    if (!prices.last && !prices.mark && !prices.index) throw badParam('wick needs last, mark or index');
    for (const p of [prices.last, prices.mark, prices.index])
      if (p?.lte(0)) throw badParam('wick prices must be positive');
    this.wicks.set(symbol, { ...prices, until: this.clock.now() + durationMs });
  }

  /** Change behaviour switches at run time; returns the whole set. */
  setBehaviour(patch: Partial<SimBehaviour>): SimBehaviour {
    this.core.behaviour = mergeBehaviour(this.core.behaviour, patch);
    return { ...this.core.behaviour };
  }

  emit(e: SimEvent): void {
    this.bus.emit(e);
  }

  nextId(): string {
    return this.ids.next();
  }

  market(symbol: string): SymbolMarket {
    return this.core.market(symbol);
  }

  settingsOf(symbol: string): SymbolSettings {
    return this.account.settingsOf(symbol);
  }

  // ---------------------------------------------------------------- market

  private warmup(minutes: number): void {
    const now = this.clock.now();
    const start = now - minutes * 60_000;
    for (const [symbol, m] of this.markets) {
      for (let t = start; t < now; t += 5_000) {
        const s = this.source.sample(symbol, t);
        if (!s) continue;
        const lots = Math.floor(s.volume / m.spec.multiplier.toNumber());
        m.addToBar(Math.floor(t / 60_000) * 60_000, roundToTick(s.price, m.spec), lots);
      }
      const s = this.source.sample(symbol, now);
      if (s) this.applyPrice(m, s.price, now);
      m.last = m.mark;
    }
  }

  private applyPrice(m: SymbolMarket, price: number, now: number): void {
    m.rebuild(price, now);
    const vol = this.behaviour.basisVolatility;
    if (vol > 0) {
      // index = traded price less the premium; mark = index + the premium's moving average (FairPrice).
      const rng = this.basisRng.get(m.spec.symbol)!;
      m.basis = m.basis * BASIS_PERSISTENCE + vol * Math.sqrt(1 - BASIS_PERSISTENCE ** 2) * rng.normal();
      m.basisAverage += (m.basis - m.basisAverage) * BASIS_SMOOTHING;
      const index = price / (1 + m.basis);
      m.index = alignToTick(new Money(index), m.spec.indexPriceTickSize);
      m.mark = alignToTick(new Money(index * (1 + m.basisAverage)), m.spec.indexPriceTickSize);
    } else {
      m.mark = alignToTick(new Money(price), m.spec.indexPriceTickSize);
      m.index = alignToTick(new Money(price * 0.99997), m.spec.indexPriceTickSize);
    }
    const wick = this.wicks.get(m.spec.symbol);
    if (wick?.mark) m.mark = wick.mark;
    if (wick?.index) m.index = wick.index;
    const rate = this.fundingRateFor(m.spec.symbol, now);
    m.fundingRate = new Money(rate);
  }

  fundingRateFor(symbol: string, now: number): number {
    const raw = this.fixedFundingRate ?? this.source.fundingRate?.(symbol, now) ?? DEFAULT_FUNDING_RATE;
    const spec = contractSpec(symbol);
    return Math.min(Math.max(raw, spec.fundingRateFloor.toNumber()), spec.fundingRateCap.toNumber());
  }

  nextFundingTime(symbol: string): number {
    return this.account.nextFunding.get(symbol) ?? 0;
  }

  /** Advance the market, resting-order fills, stops, liquidations and funding to `clock.now()`. */
  step(): void {
    const now = this.clock.now();
    const marks = new Map<string, Decimal>();
    for (const [symbol, m] of this.markets) {
      const s = this.source.sample(symbol, now);
      if (!s) continue;
      marks.set(symbol, m.mark);
      const prevMid = m.mid;
      this.applyPrice(m, s.price, now);
      matchPending(this.core, m, now);
      crossThrough(this.core, m, now);
      runTape(this.core, m, s.volume, s.price >= prevMid ? 'buy' : 'sell', now);
      const wick = this.wicks.get(symbol);
      if (wick?.last) {
        // One print at the wick price: last moves alone (TP stops see it, mark and index do not).
        const side = wick.last.gte(m.last) ? 'buy' : 'sell';
        publicTrade(this.feed, m, wick.last, 1, side, now, '', '');
      }
      m.addToBar(Math.floor(now / 60_000) * 60_000, m.last.toNumber(), 0);
      publishBook(this.feed, m, now);
    }
    triggerStops(this.core, now);
    checkLiquidations(this.account, now);
    // A gap is a move within one short step; a clock jump (a paused laptop, a test jumping hours) is not.
    checkAutoDeleverage(this.account, now - this.lastStepAt <= ADL_GAP_WINDOW_MS ? marks : new Map(), now);
    this.lastStepAt = now;
    for (const [symbol, w] of this.wicks) if (now >= w.until) this.wicks.delete(symbol);
    settleFunding(this.account, now);
    publishPeriodic(this.feed, now);
    this.flushWallet();
    if (now - this.lastPrune >= 60_000) this.prune(now);
  }

  /** Forget done orders past `ORDER_RETENTION_MS` (KuCoin's clientOid window), so long paper runs stay small. */
  private prune(now: number): void {
    this.lastPrune = now;
    const horizon = now - ORDER_RETENTION_MS;
    for (const [id, o] of this.orders)
      if (o.status === 'done' && (o.endAt ?? now) < horizon) this.orders.delete(id);
  }

  // ---------------------------------------------------------------- account

  position(symbol: string): SimPosition {
    return this.account.position(symbol);
  }

  /** Credit the account (the paper account of `enigma start`, tests). */
  deposit(amount: number | string, type: 'Deposit' | 'TransferIn' = 'Deposit'): void {
    deposit(this.account, amount, type);
  }

  /** Move funds out of the futures account (POST /api/v3/transfer-out): at most the available balance. */
  withdraw(amount: number | string): void {
    withdraw(this.account, amount);
  }

  addLedger(type: LedgerEntry['type'], amount: Decimal, remark: string): void {
    this.account.addLedger(type, amount, remark);
  }

  markWalletDirty(): void {
    this.account.walletDirty = true;
  }

  /** Push the wallet (new and legacy subjects) if anything changed since the last push. */
  flushWallet(): void {
    flushWallet(this.account);
  }

  // ---------------------------------------------------------------- settings

  setMarginMode(symbol: string, mode: MarginMode): void {
    setMarginMode(this.account, symbol, mode);
  }

  setCrossLeverage(symbol: string, leverage: Decimal): void {
    setCrossLeverage(this.account, symbol, leverage);
  }

  /** Change the isolated risk-limit level; the outcome is pushed as position.adjustRiskLimit. */
  setRiskLimitLevel(symbol: string, level: number): void {
    setRiskLimitLevel(this.account, symbol, level);
  }

  // ---------------------------------------------------------------- orders

  /** Place an order (POST /orders). `test` validates it and changes nothing. */
  placeOrder(body: unknown, opts: { test?: boolean } = {}): { orderId: string; clientOid: string } {
    return placeOrder(this.account, body, opts);
  }

  /** POST /st-orders: the order plus reduce-only take-profit / stop-loss stop orders. */
  placeTpSlOrder(body: unknown): { orderId: string; clientOid: string } {
    return placeTpSlOrder(this.account, body);
  }

  /** DELETE /orders/{id}; works for stop orders too. */
  cancelOrder(id: string): string[] {
    const ids = cancelOrder(this.core, id);
    this.flushWallet();
    return ids;
  }

  /** Cancel every active order (or every untriggered stop), optionally of one symbol. */
  cancelAll(symbol: string | undefined, stops: boolean): string[] {
    const ids = cancelAll(this.core, symbol, stops);
    this.flushWallet();
    return ids;
  }

  /** The latest order with this clientOid. */
  findByClientOid(clientOid: string, symbol?: string): SimOrder | undefined {
    return findByClientOid(this.core, clientOid, symbol);
  }

  // ---------------------------------------------------------------- market data

  /** The displayed book: synthetic levels plus the user's visible resting orders, best first. */
  depth(m: SymbolMarket, limit = Number.POSITIVE_INFINITY): Depth {
    return depth(this.feed, m, limit);
  }

  /** Best bid and ask as rendered in tickers. */
  topOfBook(m: SymbolMarket): TopOfBook {
    return topOfBook(this.feed, m);
  }

  /** Publish the book changes since the last call as level2 deltas. */
  publishBook(m: SymbolMarket, now: number): void {
    publishBook(this.feed, m, now);
  }

  // ---------------------------------------------------------------- margin

  /** Margin frozen by active orders (only the part that would open or grow a position). */
  orderMargin(symbol?: string): Decimal {
    return orderMargin(this.account, symbol);
  }

  /** Margin, PnL and balance figures of the account (USDT). */
  accountSummary(): AccountSummary {
    return accountSummary(this.account);
  }

  /** Maintenance rate of a position: its risk tier by notional. */
  maintenanceRate(p: SimPosition): Decimal {
    return maintenanceRate(this.account, p);
  }

  /** Liquidation price: exact for isolated, indicative (this position alone) for cross. */
  liquidationPriceOf(p: SimPosition): Decimal {
    return liquidationPriceOf(this.account, p);
  }

  /**
   * Auto-deleverage the user's position in `symbol` (all of it unless `lots`) at `price` (default: the mark),
   * as KuCoin does when an opposite liquidation is beyond what the insurance fund covers.
   */
  autoDeleverage(symbol: string, opts: { price?: Decimal; lots?: number } = {}): void {
    const m = this.market(symbol);
    const p = this.positions.get(symbol);
    if (!p || p.qty === 0) throw new SimError('300009', 'No open positions to close.');
    if (opts.lots !== undefined && !(Number.isInteger(opts.lots) && opts.lots > 0))
      throw badParam('lots must be a positive integer');
    autoDeleverage(
      this.account,
      p,
      alignToTick(opts.price ?? m.mark, m.spec.tickSize),
      this.clock.now(),
      opts.lots,
    );
    this.flushWallet();
  }

  /** Add (positive) or withdraw (negative) isolated margin. */
  adjustIsolatedMargin(symbol: string, amount: Decimal): SimPosition {
    return adjustIsolatedMargin(this.account, symbol, amount);
  }

  /** Isolated margin above the initial margin, withdrawable. */
  maxWithdrawMargin(symbol: string): Decimal {
    return maxWithdrawMargin(this.account, symbol);
  }

  emitPosition(p: SimPosition, changeReason: string): void {
    this.account.emitPosition(p, changeReason);
  }

  specOf(symbol: string): ContractSpec {
    return this.market(symbol).spec;
  }
}

/** A price moved alone for a while (`wick`): last (one print), mark or index. */
export interface PriceWick {
  last?: Decimal;
  mark?: Decimal;
  index?: Decimal;
  /** Applies on every step up to this time, and on at least one step. */
  until: number;
}

/** The longest step over which a mark move counts as a gap for `adlOnGap`. */
const ADL_GAP_WINDOW_MS = 60_000;

/** Basis walk: per-step persistence, and the smoothing of the mark's premium (about 1 min at 250 ms). */
const BASIS_PERSISTENCE = 0.995;
const BASIS_SMOOTHING = 0.02;

/** The next settlement strictly after `now` on the contract's grid (XBTUSDTM: 04:00/12:00/20:00 UTC). */
export function nextFundingTime(
  now: number,
  spec: Pick<ContractSpec, 'fundingRateGranularity' | 'fundingTimeOffset'>,
): number {
  const granularity = spec.fundingRateGranularity;
  const offset = spec.fundingTimeOffset % granularity;
  return Math.floor((now - offset) / granularity) * granularity + offset + granularity;
}

function roundToTick(price: number, spec: ContractSpec): number {
  const tick = spec.tickSize.toNumber();
  return Number((Math.round(price / tick) * tick).toFixed(spec.tickSize.decimalPlaces()));
}
