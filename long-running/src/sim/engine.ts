import { CONTRACTS, type ContractSpec, contractSpec } from '@enigma/core/contract/specs';
import { alignToTick, Money, toMoney } from '@enigma/core/money';
import type Decimal from 'decimal.js';
import { DEFAULT_BEHAVIOUR, mergeBehaviour, type SimBehaviour } from './behaviour.ts';
import { type BookShape, DEFAULT_BOOK_SHAPE } from './book.ts';
import type { Clock } from './clock.ts';
import { badParam, SimError } from './errors.ts';
import { Faults } from './faults.ts';
import {
  type Depth,
  depth,
  publicTrade,
  publishBook,
  publishPeriodic,
  type TopOfBook,
  topOfBook,
} from './feed.ts';
import {
  type AccountSummary,
  accountSummary,
  adjustIsolatedMargin,
  autoDeleverage,
  checkAutoDeleverage,
  checkLiquidations,
  liquidationPriceOf,
  maintenanceRate,
  maxWithdrawMargin,
  orderMargin,
  settleFunding,
} from './margin.ts';
import type { MarketSource } from './market/source.ts';
import { SymbolMarket } from './market-state.ts';
import {
  cancelAll,
  cancelOrder,
  crossThrough,
  findByClientOid,
  matchPending,
  placeOrder,
  placeTpSlOrder,
  runTape,
  triggerStops,
} from './order-flow.ts';
import { ZERO } from './order-input.ts';
import { hashString, Rng } from './rng.ts';
import { publishWallet, setCrossLeverage, setMarginMode, setRiskLimitLevel } from './settings.ts';
import type {
  ClosedPosition,
  FundingRecord,
  LedgerEntry,
  MarginMode,
  SimFill,
  SimOrder,
  SimPosition,
} from './types.ts';

/** A message for WebSocket subscribers: `topic` is the exact single-symbol topic KuCoin pushes on. */
export interface SimEvent {
  channel: 'public' | 'private';
  topic: string;
  subject: string;
  data: unknown;
  sn?: number;
}

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

interface SymbolSettings {
  marginMode: MarginMode;
  crossLeverage: Decimal;
  riskLimitLevel: number;
}

const DEFAULT_FUNDING_RATE = 0.0001;
const ORDER_RETENTION_MS = 7 * 86_400_000;

/**
 * The simulated exchange: one account (USDT), one-way positions, a synthetic book per contract driven by a
 * market source, KuCoin's order types, margin, liquidation and funding. Everything runs on the injected
 * clock; `step()` advances the market to `clock.now()`.
 */
export class SimEngine {
  readonly markets = new Map<string, SymbolMarket>();
  readonly orders = new Map<string, SimOrder>();
  /** Orders with status open (resting, or untriggered stops): what matching and margin scan each step. */
  readonly openOrders = new Set<SimOrder>();
  readonly fills: SimFill[] = [];
  readonly positions = new Map<string, SimPosition>();
  readonly closedPositions: ClosedPosition[] = [];
  readonly fundingRecords: FundingRecord[] = [];
  readonly ledger: LedgerEntry[] = [];
  readonly settings = new Map<string, SymbolSettings>();
  wallet: Decimal;
  readonly faults: Faults;
  behaviour: SimBehaviour;
  readonly clock: Clock;
  readonly source: MarketSource;
  readonly seed: number;
  // Engine-internal state shared with feed.ts, order-flow.ts, fills.ts and margin.ts.
  readonly nextFunding = new Map<string, number>();
  readonly listeners = new Set<(e: SimEvent) => void>();
  readonly tapeCarry = new Map<string, number>();
  /** Active price wicks per symbol (see `wick`). */
  readonly wicks = new Map<string, PriceWick>();
  private readonly basisRng = new Map<string, Rng>();
  lastInstrumentPush = 0;
  lastSnapshotPush = 0;
  lastPositionPush = 0;
  walletDirty = false;
  walletVersion = 1;
  private lastPrune = 0;
  /** Market time of the previous step (ADL on a gap only compares steps this close). */
  private lastStepAt = Number.NEGATIVE_INFINITY;
  /** Ids issued so far (persisted, so ids stay unique across restarts). */
  idCounter = 0;
  /** Bumped by every private event, i.e. every change of account state: the persister saves when it moved. */
  revision = 0;
  private readonly idBase: bigint;
  private readonly fixedFundingRate: number | undefined;
  /** Topic filter set by the WS server so unwatched payloads are not built. */
  isWatched: (topic: string) => boolean = () => true;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.source = opts.source;
    this.seed = opts.seed ?? 1;
    this.fixedFundingRate = opts.fundingRate;
    this.faults = opts.faults ?? new Faults();
    this.behaviour = mergeBehaviour(DEFAULT_BEHAVIOUR, opts.behaviour);
    this.wallet = new Money(opts.initialBalance ?? 0);
    this.idBase = 240_000_000_000_000_000n + BigInt(this.seed % 1_000_000) * 1_000_000_000n;
    const shape = { ...DEFAULT_BOOK_SHAPE, ...opts.bookShape };
    const symbols = opts.symbols ?? Object.keys(CONTRACTS);
    const now = this.clock.now();
    for (const symbol of symbols) {
      const spec = contractSpec(symbol);
      const seq = 1_700_000_000_000 + (hashString(symbol) % 1_000_000);
      this.markets.set(symbol, new SymbolMarket(spec, this.seed ^ hashString(symbol), shape, seq));
      this.settings.set(symbol, {
        marginMode: 'ISOLATED',
        crossLeverage: new Money(opts.crossLeverage ?? 5),
        riskLimitLevel: 1,
      });
      this.nextFunding.set(symbol, nextFundingTime(now, spec));
      this.basisRng.set(symbol, new Rng(this.seed ^ (hashString(symbol) * 31 + 7)));
    }
    if (opts.initialBalance) this.addLedger('Deposit', new Money(opts.initialBalance), 'initial balance');
    this.warmup(opts.warmupMinutes ?? 300);
  }

  /** Subscribe to every public and private event. Returns an unsubscribe function. */
  onEvent(listener: (e: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
    this.behaviour = mergeBehaviour(this.behaviour, patch);
    return { ...this.behaviour };
  }

  emit(e: SimEvent): void {
    if (e.channel === 'private') this.revision += 1;
    for (const l of this.listeners) l(e);
  }

  nextId(): string {
    this.idCounter += 1;
    return (this.idBase + BigInt(this.idCounter) * 7n).toString();
  }

  market(symbol: string): SymbolMarket {
    const m = this.markets.get(symbol);
    if (!m) throw new SimError('100003', 'Contract parameter invalid');
    return m;
  }

  settingsOf(symbol: string): SymbolSettings {
    this.market(symbol);
    return this.settings.get(symbol)!;
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
    return this.nextFunding.get(symbol) ?? 0;
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
      matchPending(this, m, now);
      crossThrough(this, m, now);
      runTape(this, m, s.volume, s.price >= prevMid ? 'buy' : 'sell', now);
      const wick = this.wicks.get(symbol);
      if (wick?.last) {
        // One print at the wick price: last moves alone (TP stops see it, mark and index do not).
        const side = wick.last.gte(m.last) ? 'buy' : 'sell';
        publicTrade(this, m, wick.last, 1, side, now, '', '');
      }
      m.addToBar(Math.floor(now / 60_000) * 60_000, m.last.toNumber(), 0);
      publishBook(this, m, now);
    }
    triggerStops(this, now);
    checkLiquidations(this, now);
    // A gap is a move within one short step; a clock jump (a paused laptop, a test jumping hours) is not.
    checkAutoDeleverage(this, now - this.lastStepAt <= ADL_GAP_WINDOW_MS ? marks : new Map(), now);
    this.lastStepAt = now;
    for (const [symbol, w] of this.wicks) if (now >= w.until) this.wicks.delete(symbol);
    settleFunding(this, now);
    publishPeriodic(this, now);
    this.flushWallet();
    if (now - this.lastPrune >= 60_000) this.prune(now);
  }

  /** Forget done orders older than KuCoin keeps them queryable (7 days), so long paper runs stay small. */
  private prune(now: number): void {
    this.lastPrune = now;
    const horizon = now - ORDER_RETENTION_MS;
    for (const [id, o] of this.orders)
      if (o.status === 'done' && (o.endAt ?? now) < horizon) this.orders.delete(id);
  }

  // ---------------------------------------------------------------- account

  position(symbol: string): SimPosition {
    let p = this.positions.get(symbol);
    if (!p) {
      const st = this.settingsOf(symbol);
      p = {
        // Derived from the symbol, not the id counter: reading a position must not consume an id.
        id: (this.idBase + BigInt(hashString(symbol) % 1_000_000) * 7n + 3n).toString(),
        symbol,
        qty: 0,
        entryPrice: ZERO,
        marginMode: st.marginMode,
        leverage: st.marginMode === 'CROSS' ? st.crossLeverage : new Money(1),
        isolatedMargin: ZERO,
        realisedGrossPnl: ZERO,
        realisedPnl: ZERO,
        currentComm: ZERO,
        posFunding: ZERO,
        openingTimestamp: 0,
        openPrice: ZERO,
      };
      this.positions.set(symbol, p);
    }
    return p;
  }

  /** Credit the account (the paper account of `enigma start`, tests). */
  deposit(amount: number | string, type: 'Deposit' | 'TransferIn' = 'Deposit'): void {
    const d = positiveAmount(amount);
    this.wallet = this.wallet.plus(d);
    this.addLedger(type, d, type === 'Deposit' ? 'simulator deposit' : 'Transferred in');
    this.walletDirty = true;
    this.flushWallet();
  }

  /** Move funds out of the futures account (POST /api/v3/transfer-out): at most the available balance. */
  withdraw(amount: number | string): void {
    const d = positiveAmount(amount);
    if (d.gt(accountSummary(this).available))
      throw new SimError('300003', `Balance insufficient. The order would cost ${d.toFixed(10)}.`);
    this.wallet = this.wallet.minus(d);
    this.addLedger('TransferOut', d.neg(), 'Transferred out');
    this.walletDirty = true;
    this.flushWallet();
  }

  addLedger(type: LedgerEntry['type'], amount: Decimal, remark: string): void {
    this.ledger.push({
      offset: this.ledger.length + 1,
      time: this.clock.now(),
      type,
      amount,
      fee: ZERO,
      accountEquity: this.wallet,
      remark,
    });
  }

  markWalletDirty(): void {
    this.walletDirty = true;
  }

  // ---------------------------------------------------------------- settings

  /** Push the wallet (new and legacy subjects) if anything changed since the last push. */
  flushWallet(): void {
    publishWallet(this);
  }

  setMarginMode(symbol: string, mode: MarginMode): void {
    setMarginMode(this, symbol, mode);
  }

  setCrossLeverage(symbol: string, leverage: Decimal): void {
    setCrossLeverage(this, symbol, leverage);
  }

  /** Change the isolated risk-limit level; the outcome is pushed as position.adjustRiskLimit. */
  setRiskLimitLevel(symbol: string, level: number): void {
    setRiskLimitLevel(this, symbol, level);
  }

  // ---------------------------------------------------------------- delegates

  /** Place an order (POST /orders). `test` validates it and changes nothing. */
  placeOrder(body: unknown, opts: { test?: boolean } = {}): { orderId: string; clientOid: string } {
    return placeOrder(this, body, opts);
  }

  /** POST /st-orders: the order plus reduce-only take-profit / stop-loss stop orders. */
  placeTpSlOrder(body: unknown): { orderId: string; clientOid: string } {
    return placeTpSlOrder(this, body);
  }

  /** DELETE /orders/{id}; works for stop orders too. */
  cancelOrder(id: string): string[] {
    return cancelOrder(this, id);
  }

  /** Cancel every active order (or every untriggered stop), optionally of one symbol. */
  cancelAll(symbol: string | undefined, stops: boolean): string[] {
    return cancelAll(this, symbol, stops);
  }

  /** The latest order with this clientOid. */
  findByClientOid(clientOid: string, symbol?: string): SimOrder | undefined {
    return findByClientOid(this, clientOid, symbol);
  }

  /** The displayed book: synthetic levels plus the user's visible resting orders, best first. */
  depth(m: SymbolMarket, limit = Number.POSITIVE_INFINITY): Depth {
    return depth(this, m, limit);
  }

  /** Best bid and ask as rendered in tickers. */
  topOfBook(m: SymbolMarket): TopOfBook {
    return topOfBook(this, m);
  }

  /** Publish the book changes since the last call as level2 deltas. */
  publishBook(m: SymbolMarket, now: number): void {
    publishBook(this, m, now);
  }

  /** Margin frozen by active orders (only the part that would open or grow a position). */
  orderMargin(symbol?: string): Decimal {
    return orderMargin(this, symbol);
  }

  /** Margin, PnL and balance figures of the account (USDT). */
  accountSummary(): AccountSummary {
    return accountSummary(this);
  }

  /** Maintenance rate of a position: its risk tier by notional. */
  maintenanceRate(p: SimPosition): Decimal {
    return maintenanceRate(this, p);
  }

  /** Liquidation price: exact for isolated, indicative (this position alone) for cross. */
  liquidationPriceOf(p: SimPosition): Decimal {
    return liquidationPriceOf(this, p);
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
    autoDeleverage(this, p, alignToTick(opts.price ?? m.mark, m.spec.tickSize), this.clock.now(), opts.lots);
    this.flushWallet();
  }

  /** Add (positive) or withdraw (negative) isolated margin. */
  adjustIsolatedMargin(symbol: string, amount: Decimal): SimPosition {
    return adjustIsolatedMargin(this, symbol, amount);
  }

  /** Isolated margin above the initial margin, withdrawable. */
  maxWithdrawMargin(symbol: string): Decimal {
    return maxWithdrawMargin(this, symbol);
  }

  // ---------------------------------------------------------------- private events

  /** Position payload renderer, injected by views.ts to keep one shape for REST and WS. */
  renderPosition: (p: SimPosition) => Record<string, unknown> = (p) => ({
    symbol: p.symbol,
    currentQty: p.qty,
  });
  renderOrderEvent: (
    o: SimOrder,
    type: string,
    now: number,
    match?: MatchInfo,
    oldSize?: number,
  ) => Record<string, unknown> = (o) => ({
    orderId: o.id,
  });
  renderStopEvent: (o: SimOrder, type: string, now: number, error?: string) => Record<string, unknown> = (
    o,
  ) => ({
    orderId: o.id,
  });

  emitPosition(p: SimPosition, changeReason: string): void {
    const full = this.renderPosition(p);
    // Mark-price updates carry KuCoin's reduced field set (KUCOIN.md §4.3, S1), not the whole position.
    const data =
      changeReason === 'markPriceChange'
        ? { ...Object.fromEntries(MARK_UPDATE_FIELDS.map((k) => [k, full[k]])), changeReason }
        : { ...full, changeReason };
    this.emit({
      channel: 'private',
      topic: `/contract/position:${p.symbol}`,
      subject: 'position.change',
      data,
    });
    this.emit({ channel: 'private', topic: '/contract/positionAll', subject: 'position.change', data });
  }

  specOf(symbol: string): ContractSpec {
    return this.market(symbol).spec;
  }
}

/** The fields of a mark-price `position.change` (S1's sample, plus `symbol` for per-symbol routing). */
const MARK_UPDATE_FIELDS = [
  'symbol',
  'markPrice',
  'markValue',
  'maintMargin',
  'realLeverage',
  'unrealisedPnl',
  'unrealisedRoePcnt',
  'unrealisedPnlPcnt',
  'delevPercentage',
  'currentTimestamp',
  'settleCurrency',
] as const;

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

/** Details of one match for the tradeOrders event. */
export interface MatchInfo {
  price: Decimal;
  lots: number;
  tradeId: string;
  liquidity: 'maker' | 'taker';
}

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

function positiveAmount(amount: number | string): Decimal {
  let d: Decimal;
  try {
    d = toMoney(amount);
  } catch {
    throw badParam('amount must be a number');
  }
  if (d.lte(0)) throw badParam('amount must be positive');
  return d;
}
