import {
  applyFill,
  fundingFee,
  initialMargin,
  liquidationPrice,
  notionalValue,
  tradingFee,
  unrealisedPnl,
} from '@enigma/core/contract/math';
import { CONTRACTS, type ContractSpec, contractSpec, riskTierFor } from '@enigma/core/contract/specs';
import { alignToTick, Money, toMoney } from '@enigma/core/money';
import Decimal from 'decimal.js';
import { type BookShape, DEFAULT_BOOK_SHAPE } from './book.ts';
import type { Clock } from './clock.ts';
import { badParam, SimError } from './errors.ts';
import type { MarketSource } from './market/source.ts';
import { SymbolMarket } from './market-state.ts';
import { lotsFor, type OrderInput, parseOrderInput, ZERO } from './order-input.ts';
import { hashString } from './rng.ts';
import type {
  ClosedPosition,
  FundingRecord,
  LedgerEntry,
  MarginMode,
  Side,
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
}

interface SymbolSettings {
  marginMode: MarginMode;
  crossLeverage: Decimal;
  riskLimitLevel: number;
}

const DEFAULT_FUNDING_RATE = 0.0001;
/** KuCoin settles 8-hour funding at 04:00, 12:00 and 20:00 UTC: 4 h past the 8 h grid. */
const FUNDING_OFFSET = 4 * 3600_000;
const ns = (ms: number) => ms * 1_000_000;

/**
 * The simulated exchange: one account (USDT), one-way positions, a synthetic book per contract driven by a
 * market source, KuCoin's order types, margin, liquidation and funding. Everything runs on the injected
 * clock; `step()` advances the market to `clock.now()`.
 */
export class SimEngine {
  readonly markets = new Map<string, SymbolMarket>();
  readonly orders = new Map<string, SimOrder>();
  readonly fills: SimFill[] = [];
  readonly positions = new Map<string, SimPosition>();
  readonly closedPositions: ClosedPosition[] = [];
  readonly fundingRecords: FundingRecord[] = [];
  readonly ledger: LedgerEntry[] = [];
  readonly settings = new Map<string, SymbolSettings>();
  wallet: Decimal;
  readonly clock: Clock;
  readonly source: MarketSource;
  readonly seed: number;
  private readonly nextFunding = new Map<string, number>();
  private readonly listeners = new Set<(e: SimEvent) => void>();
  private idCounter = 0;
  private readonly idBase: bigint;
  private tapeCarry = new Map<string, number>();
  private lastInstrumentPush = 0;
  private lastSnapshotPush = 0;
  private lastPositionPush = 0;
  private walletDirty = false;
  private walletVersion = 1;
  private readonly fixedFundingRate: number | undefined;
  /** Topic filter set by the WS server so unwatched payloads are not built. */
  isWatched: (topic: string) => boolean = () => true;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.source = opts.source;
    this.seed = opts.seed ?? 1;
    this.fixedFundingRate = opts.fundingRate;
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
      this.nextFunding.set(symbol, nextFundingTime(now, spec.fundingRateGranularity));
    }
    if (opts.initialBalance) this.addLedger('Deposit', new Money(opts.initialBalance), 'initial balance');
    this.warmup(opts.warmupMinutes ?? 300);
  }

  /** Subscribe to every public and private event. Returns an unsubscribe function. */
  onEvent(listener: (e: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SimEvent): void {
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
    m.mark = alignToTick(new Money(price), m.spec.indexPriceTickSize);
    // A small fixed basis keeps index and mark distinct, as on the venue.
    m.index = alignToTick(new Money(price * 0.99997), m.spec.indexPriceTickSize);
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
    for (const [symbol, m] of this.markets) {
      const s = this.source.sample(symbol, now);
      if (!s) continue;
      const prevMid = m.mid;
      this.applyPrice(m, s.price, now);
      this.crossThrough(m, now);
      this.runTape(m, s.volume, s.price >= prevMid ? 'buy' : 'sell', now);
      m.addToBar(Math.floor(now / 60_000) * 60_000, m.last.toNumber(), 0);
      this.publishBook(m, now);
    }
    this.triggerStops(now);
    this.checkLiquidations(now);
    this.settleFunding(now);
    this.publishPeriodic(now);
    this.flushWallet();
  }

  /** Synthetic volume prints as public trades; it fills the user's top-of-book orders first. */
  private runTape(m: SymbolMarket, volume: number, side: Side, now: number): void {
    const carry = (this.tapeCarry.get(m.spec.symbol) ?? 0) + volume / m.spec.multiplier.toNumber();
    let lots = Math.floor(carry);
    this.tapeCarry.set(m.spec.symbol, carry - lots);
    if (lots <= 0) return;
    const top = side === 'sell' ? m.bestBid() : m.bestAsk();
    if (!top) return;
    const resting = this.restingOrders(m.spec.symbol, side === 'sell' ? 'buy' : 'sell').filter((o) =>
      side === 'sell' ? o.price!.gte(m.tickToPrice(top.tick)) : o.price!.lte(m.tickToPrice(top.tick)),
    );
    for (const o of resting) {
      if (lots <= 0) break;
      const take = Math.min(lots, o.size - o.filledSize - o.canceledSize);
      this.fillOrder(o, take, o.price!, 'maker', now);
      lots -= take;
    }
    if (lots > 0) this.publicTrade(m, m.tickToPrice(top.tick), Math.min(lots, top.size), side, now, '', '');
  }

  /** The market moved through a resting user order: it fills as maker at its own price. */
  private crossThrough(m: SymbolMarket, now: number): void {
    for (const side of ['buy', 'sell'] as const) {
      for (const o of this.restingOrders(m.spec.symbol, side)) {
        const opp = side === 'buy' ? m.asks : m.bids;
        let remaining = o.size - o.filledSize - o.canceledSize;
        const limitTick = m.priceToTick(o.price!);
        for (const level of [...opp]) {
          if (remaining <= 0) break;
          if (side === 'buy' ? level.tick > limitTick : level.tick < limitTick) break;
          const lots = Math.min(level.size, remaining);
          m.consume(side === 'buy' ? 'ask' : 'bid', level.tick, lots, now);
          this.fillOrder(o, lots, o.price!, 'maker', now);
          remaining -= lots;
          if (o.status === 'done') break;
        }
      }
    }
  }

  private restingOrders(symbol: string, side: Side): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.orders.values())
      if (o.isActive && o.symbol === symbol && o.side === side && o.price) out.push(o);
    return out.sort((a, b) =>
      side === 'buy'
        ? b.price!.cmp(a.price!) || a.createdAt - b.createdAt
        : a.price!.cmp(b.price!) || a.createdAt - b.createdAt,
    );
  }

  private publicTrade(
    m: SymbolMarket,
    price: Decimal,
    size: number,
    side: Side,
    now: number,
    takerOrderId: string,
    makerOrderId: string,
  ): void {
    m.tradeSequence += 1;
    const tradeId = String(m.tradeSequence);
    m.recordTrade({
      sequence: m.tradeSequence,
      tradeId,
      makerOrderId: makerOrderId || this.nextId(),
      takerOrderId: takerOrderId || this.nextId(),
      ts: now,
      size,
      price,
      side,
    });
    const t = m.trades[m.trades.length - 1]!;
    const sym = m.spec.symbol;
    if (this.isWatched(`/contractMarket/execution:${sym}`))
      this.emit({
        channel: 'public',
        topic: `/contractMarket/execution:${sym}`,
        subject: 'match',
        sn: t.sequence,
        data: {
          symbol: sym,
          sequence: t.sequence,
          side,
          size,
          price: price.toString(),
          takerOrderId: t.takerOrderId,
          makerOrderId: t.makerOrderId,
          tradeId,
          ts: ns(now),
        },
      });
    if (this.isWatched(`/contractMarket/ticker:${sym}`)) {
      const top = this.topOfBook(m);
      this.emit({
        channel: 'public',
        topic: `/contractMarket/ticker:${sym}`,
        subject: 'ticker',
        sn: t.sequence,
        data: {
          symbol: sym,
          sequence: t.sequence,
          side,
          size,
          price: price.toString(),
          bestBidSize: top.bidSize,
          bestBidPrice: top.bidPrice,
          bestAskPrice: top.askPrice,
          tradeId,
          bestAskSize: top.askSize,
          ts: ns(now),
        },
      });
    }
  }

  /** The displayed book: synthetic levels plus the user's visible resting orders, best first. */
  depth(
    m: SymbolMarket,
    limit = Number.POSITIVE_INFINITY,
  ): { bids: [Decimal, number][]; asks: [Decimal, number][] } {
    const merge = (side: 'bid' | 'ask'): [Decimal, number][] => {
      const map = new Map<number, number>();
      for (const l of side === 'bid' ? m.bids : m.asks) map.set(l.tick, l.size);
      for (const o of this.restingOrders(m.spec.symbol, side === 'bid' ? 'buy' : 'sell')) {
        if (o.hidden) continue;
        const left = o.size - o.filledSize - o.canceledSize;
        const shown = o.iceberg ? Math.min(o.visibleSize ?? left, left) : left;
        const t = Math.round(m.priceToTick(o.price!));
        map.set(t, (map.get(t) ?? 0) + shown);
      }
      const ticks = [...map.keys()].sort((a, b) => (side === 'bid' ? b - a : a - b));
      return ticks.slice(0, limit).map((t) => [m.tickToPrice(t), map.get(t)!]);
    };
    return { bids: merge('bid'), asks: merge('ask') };
  }

  topOfBook(m: SymbolMarket): { bidPrice: string; bidSize: number; askPrice: string; askSize: number } {
    const d = this.depth(m, 1);
    return {
      bidPrice: d.bids[0]?.[0].toString() ?? '0',
      bidSize: d.bids[0]?.[1] ?? 0,
      askPrice: d.asks[0]?.[0].toString() ?? '0',
      askSize: d.asks[0]?.[1] ?? 0,
    };
  }

  /** Diff the displayed book against the last published one; each changed level is one level2 delta. */
  publishBook(m: SymbolMarket, now: number): void {
    const d = this.depth(m);
    const next = new Map<string, number>();
    for (const [p, s] of d.bids) next.set(`buy|${p.toString()}`, s);
    for (const [p, s] of d.asks) next.set(`sell|${p.toString()}`, s);
    // Removals first: every intermediate book a client builds is then a subset of the final one, so
    // never crossed.
    const changes: string[] = [];
    for (const k of m.displayed.keys()) if (!next.has(k)) changes.push(`${k}|0`);
    for (const [k, s] of next) if (m.displayed.get(k) !== s) changes.push(`${k}|${s}`);
    m.displayed = next;
    if (changes.length === 0) return;
    const sym = m.spec.symbol;
    const watched = this.isWatched(`/contractMarket/level2:${sym}`);
    for (const c of changes) {
      m.sequence += 1;
      if (!watched) continue;
      const [side, price, size] = c.split('|');
      this.emit({
        channel: 'public',
        topic: `/contractMarket/level2:${sym}`,
        subject: 'level2',
        sn: m.sequence,
        data: { sequence: m.sequence, change: `${price},${side},${size}`, timestamp: now },
      });
    }
    if (this.isWatched(`/contractMarket/tickerV2:${sym}`)) {
      const top = this.topOfBook(m);
      this.emit({
        channel: 'public',
        topic: `/contractMarket/tickerV2:${sym}`,
        subject: 'tickerV2',
        sn: m.sequence,
        data: {
          symbol: sym,
          sequence: m.sequence,
          bestBidSize: top.bidSize,
          bestBidPrice: top.bidPrice,
          bestAskPrice: top.askPrice,
          bestAskSize: top.askSize,
          ts: ns(now),
        },
      });
    }
    for (const n of [5, 50]) {
      const topic = `/contractMarket/level2Depth${n}:${sym}`;
      if (!this.isWatched(topic)) continue;
      const dd = this.depth(m, n);
      this.emit({
        channel: 'public',
        topic,
        subject: 'level2',
        sn: now,
        data: {
          bids: dd.bids.map(([p, s]) => [p.toString(), s]),
          sequence: m.sequence,
          timestamp: now,
          ts: now,
          asks: dd.asks.map(([p, s]) => [p.toString(), s]),
        },
      });
    }
  }

  private publishPeriodic(now: number): void {
    if (now - this.lastInstrumentPush >= 1000) {
      this.lastInstrumentPush = now;
      for (const [sym, m] of this.markets) {
        const topic = `/contract/instrument:${sym}`;
        if (!this.isWatched(topic)) continue;
        this.emit({
          channel: 'public',
          topic,
          subject: 'mark.index.price',
          data: {
            markPrice: m.mark.toNumber(),
            indexPrice: m.index.toNumber(),
            granularity: 1000,
            timestamp: now,
          },
        });
        if (Math.floor(now / 60_000) !== Math.floor((now - 1000) / 60_000))
          this.emit({
            channel: 'public',
            topic,
            subject: 'funding.rate',
            data: { granularity: 60000, fundingRate: m.fundingRate.toNumber(), timestamp: now },
          });
      }
      this.publishCandles(now);
    }
    if (now - this.lastSnapshotPush >= 5000) {
      this.lastSnapshotPush = now;
      for (const [sym, m] of this.markets) {
        const topic = `/contractMarket/snapshot:${sym}`;
        if (!this.isWatched(topic)) continue;
        const st = m.stats24h(now);
        const last = m.last.toNumber();
        this.emit({
          channel: 'public',
          topic,
          subject: 'snapshot.24h',
          data: {
            highPrice: st.high,
            lastPrice: last,
            lowPrice: st.low,
            price24HoursBefore: st.open,
            priceChg: last - st.open,
            priceChgPct: st.open ? Number(((last - st.open) / st.open).toFixed(4)) : 0,
            symbol: sym,
            ts: ns(now),
            turnover: st.turnover,
            volume: st.volume * m.spec.multiplier.toNumber(),
          },
        });
      }
    }
    if (now - this.lastPositionPush >= 5000) {
      this.lastPositionPush = now;
      for (const p of this.positions.values()) if (p.qty !== 0) this.emitPosition(p, 'markPriceChange');
    }
  }

  private publishCandles(now: number): void {
    for (const [sym, m] of this.markets) {
      for (const [type, minutes] of Object.entries(CANDLE_TYPES)) {
        const topic = `/contractMarket/limitCandle:${sym}_${type}`;
        if (!this.isWatched(topic)) continue;
        const width = minutes * 60_000;
        const start = Math.floor(now / width) * width;
        const bar = m.bars(minutes, start, now)[0];
        if (!bar) continue;
        this.emit({
          channel: 'public',
          topic,
          subject: 'candle.stick',
          data: {
            symbol: sym,
            candles: [
              String(bar.time / 1000),
              String(bar.open),
              String(bar.close),
              String(bar.high),
              String(bar.low),
              String(bar.volume),
              String(bar.turnover),
            ],
            time: now,
          },
        });
      }
    }
  }

  // ---------------------------------------------------------------- account

  position(symbol: string): SimPosition {
    let p = this.positions.get(symbol);
    if (!p) {
      const st = this.settingsOf(symbol);
      p = {
        id: this.nextId(),
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

  /** Per-symbol margin frozen by active orders: only the part that would open or grow a position. */
  orderMargin(symbol?: string): Decimal {
    let total = ZERO;
    for (const [sym, m] of this.markets) {
      if (symbol && sym !== symbol) continue;
      const pos = this.positions.get(sym)?.qty ?? 0;
      for (const side of ['buy', 'sell'] as const) {
        const orders = [...this.orders.values()].filter(
          (o) => o.isActive && o.symbol === sym && o.side === side && !o.reduceOnly && !o.closeOrder,
        );
        let reducible = (side === 'buy' && pos < 0) || (side === 'sell' && pos > 0) ? Math.abs(pos) : 0;
        for (const o of orders) {
          let left = o.size - o.filledSize - o.canceledSize;
          const used = Math.min(left, reducible);
          reducible -= used;
          left -= used;
          if (left <= 0) continue;
          const price = o.price ?? m.mark;
          const notional = notionalValue(m.spec, left, price);
          total = total.plus(initialMargin(notional, o.leverage)).plus(notional.mul(m.spec.takerFeeRate));
        }
      }
    }
    return total;
  }

  /** Margin, PnL and balance figures of the account (USDT). */
  accountSummary() {
    let isoPosMargin = ZERO;
    let crossPosMargin = ZERO;
    let crossUnPnl = ZERO;
    let isoUnPnl = ZERO;
    for (const p of this.positions.values()) {
      if (p.qty === 0) continue;
      const m = this.market(p.symbol);
      const upnl = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
      if (p.marginMode === 'CROSS') {
        crossPosMargin = crossPosMargin.plus(initialMargin(notionalValue(m.spec, p.qty, m.mark), p.leverage));
        crossUnPnl = crossUnPnl.plus(upnl);
      } else {
        isoPosMargin = isoPosMargin.plus(p.isolatedMargin);
        isoUnPnl = isoUnPnl.plus(upnl);
      }
    }
    let crossOrderMargin = ZERO;
    let isoOrderMargin = ZERO;
    for (const sym of this.markets.keys()) {
      const om = this.orderMargin(sym);
      if (this.settingsOf(sym).marginMode === 'CROSS') crossOrderMargin = crossOrderMargin.plus(om);
      else isoOrderMargin = isoOrderMargin.plus(om);
    }
    const orderMargin = crossOrderMargin.plus(isoOrderMargin);
    const positionMargin = isoPosMargin.plus(crossPosMargin);
    const unrealised = crossUnPnl.plus(isoUnPnl);
    const available = this.wallet.plus(crossUnPnl).minus(positionMargin).minus(orderMargin);
    const equity = this.wallet.plus(unrealised);
    return {
      wallet: this.wallet,
      equity,
      unrealised,
      crossUnPnl,
      isoUnPnl,
      isoPosMargin,
      crossPosMargin,
      positionMargin,
      orderMargin,
      crossOrderMargin,
      isoOrderMargin,
      available: Decimal.max(available, ZERO),
      totalCrossMargin: this.wallet.minus(isoPosMargin).minus(isoOrderMargin).plus(crossUnPnl),
    };
  }

  /** Credit the account (the paper account of `enigma start`, tests). */
  deposit(amount: number | string): void {
    const d = toMoney(amount);
    if (d.lte(0)) throw badParam('amount must be positive');
    this.wallet = this.wallet.plus(d);
    this.addLedger('Deposit', d, 'simulator deposit');
    this.walletDirty = true;
    this.flushWallet();
  }

  private addLedger(type: LedgerEntry['type'], amount: Decimal, remark: string): void {
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

  flushWallet(): void {
    if (!this.walletDirty) return;
    this.walletDirty = false;
    this.walletVersion += 1;
    const a = this.accountSummary();
    const now = this.clock.now();
    const topic = '/contractAccount/wallet';
    this.emit({
      channel: 'private',
      topic,
      subject: 'walletBalance.change',
      data: {
        crossPosMargin: a.crossPosMargin.toString(),
        isolatedOrderMargin: a.isoOrderMargin.toString(),
        holdBalance: '0',
        equity: a.equity.toString(),
        version: String(this.walletVersion),
        availableBalance: a.available.toString(),
        isolatedPosMargin: a.isoPosMargin.toString(),
        walletBalance: a.wallet.toString(),
        isolatedFundingFeeMargin: '0',
        crossUnPnl: a.crossUnPnl.toString(),
        totalCrossMargin: a.totalCrossMargin.toString(),
        currency: 'USDT',
        isolatedUnPnl: a.isoUnPnl.toString(),
        crossOrderMargin: a.crossOrderMargin.toString(),
        timestamp: String(now),
      },
    });
    this.emit({
      channel: 'private',
      topic,
      subject: 'availableBalance.change',
      data: {
        availableBalance: a.available.toString(),
        holdBalance: '0',
        currency: 'USDT',
        timestamp: String(now),
      },
    });
    this.emit({
      channel: 'private',
      topic,
      subject: 'orderMargin.change',
      data: { orderMargin: a.orderMargin.toString(), currency: 'USDT', timestamp: String(now) },
    });
  }

  markWalletDirty(): void {
    this.walletDirty = true;
  }

  // ---------------------------------------------------------------- orders

  /** Place an order (POST /orders). `test` validates it and changes nothing. */
  placeOrder(body: unknown, opts: { test?: boolean } = {}): { orderId: string; clientOid: string } {
    const input = parseOrderInput(body, 'order');
    const order = this.prepareOrder(input);
    if (opts.test) return { orderId: order.id, clientOid: order.clientOid };
    this.admit(order);
    this.flushWallet();
    return { orderId: order.id, clientOid: order.clientOid };
  }

  /** POST /st-orders: the order plus reduce-only take-profit / stop-loss stop orders. */
  placeTpSlOrder(body: unknown): { orderId: string; clientOid: string } {
    const input = parseOrderInput(body, 'st');
    if (!input.triggerStopUpPrice && !input.triggerStopDownPrice)
      throw badParam('triggerStopUpPrice or triggerStopDownPrice is required');
    const order = this.prepareOrder(input);
    this.admit(order);
    const closeSide: Side = order.side === 'buy' ? 'sell' : 'buy';
    for (const [stop, price] of [
      ['up', input.triggerStopUpPrice],
      ['down', input.triggerStopDownPrice],
    ] as const) {
      if (!price) continue;
      const child = this.newOrder(input, {
        side: closeSide,
        type: 'market',
        price: null,
        size: order.size,
        stop,
        stopPrice: price,
        stopPriceType: input.stopPriceType,
        reduceOnly: true,
        clientOid: `${order.clientOid}-${stop === 'up' ? 'tp' : 'sl'}`.slice(0, 40),
      });
      child.parentId = order.id;
      this.admit(child);
    }
    this.flushWallet();
    return { orderId: order.id, clientOid: order.clientOid };
  }

  private newOrder(input: OrderInput, over: Partial<SimOrder>): SimOrder {
    const now = this.clock.now();
    const st = this.settingsOf(input.symbol);
    return {
      id: this.nextId(),
      clientOid: input.clientOid,
      symbol: input.symbol,
      side: input.side ?? 'buy',
      type: input.type,
      price: input.price,
      size: input.size ?? 0,
      filledSize: 0,
      filledValue: ZERO,
      canceledSize: 0,
      fee: ZERO,
      status: 'open',
      isActive: false,
      cancelExist: false,
      stop: input.stop,
      stopPrice: input.stopPrice,
      stopPriceType: input.stop ? input.stopPriceType : '',
      stopTriggered: false,
      timeInForce: input.timeInForce,
      postOnly: input.postOnly,
      hidden: input.hidden,
      iceberg: input.iceberg,
      visibleSize: input.visibleSize,
      reduceOnly: input.reduceOnly || input.closeOrder,
      closeOrder: input.closeOrder,
      forceHold: input.forceHold,
      leverage:
        st.marginMode === 'CROSS'
          ? st.crossLeverage
          : (input.leverage ?? this.position(input.symbol).leverage),
      marginMode: st.marginMode,
      remark: input.remark,
      stp: input.stp,
      createdAt: now,
      updatedAt: now,
      endAt: null,
      ...over,
    };
  }

  private prepareOrder(input: OrderInput): SimOrder {
    const m = this.market(input.symbol);
    const st = this.settingsOf(input.symbol);
    for (const o of this.orders.values())
      if (o.clientOid === input.clientOid && o.status === 'open')
        throw new SimError('300018', 'The clientOid is duplicated');
    if (input.marginMode && input.marginMode !== st.marginMode)
      throw badParam(`The order's margin mode does not match the current margin mode (${st.marginMode})`);
    const pos = this.positions.get(input.symbol);
    let side = input.side;
    let size = input.size;
    if (input.closeOrder) {
      if (!input.stop && (!pos || pos.qty === 0)) throw new SimError('300009', 'No open positions to close.');
      side = pos && pos.qty < 0 ? 'buy' : 'sell';
      size = pos ? Math.abs(pos.qty) : 0;
    } else {
      const ref = input.price ?? m.mark;
      size = lotsFor(input, m.spec.multiplier, ref);
      if (size < m.spec.lotSize) throw badParam('The order size is below the minimum lot size');
    }
    if (input.reduceOnly && !input.stop) {
      const reducible = pos && ((side === 'buy' && pos.qty < 0) || (side === 'sell' && pos.qty > 0));
      if (!reducible) throw new SimError('300009', 'No open positions to close.');
    }
    if (input.iceberg && input.visibleSize !== null && input.visibleSize * 20 < (size ?? 0))
      throw badParam('visibleSize must be at least 1/20 of the size');
    if (st.marginMode === 'ISOLATED' && !input.reduceOnly && !input.closeOrder) {
      if (!input.leverage) throw badParam('leverage is required');
      const tier = m.spec.riskLimits[st.riskLimitLevel - 1]!;
      if (input.leverage.gt(tier.maxLeverage))
        throw new SimError('300016', `The leverage cannot be greater than ${tier.maxLeverage}.`);
    }
    return this.newOrder(input, { side: side ?? 'buy', size: size ?? 0 });
  }

  /** Admit an order: stops wait for their trigger, the rest go to matching. */
  private admit(order: SimOrder): void {
    this.orders.set(order.id, order);
    if (order.stop && !order.stopTriggered) {
      this.emitStopOrder(order, 'open');
      return;
    }
    this.activate(order, true);
  }

  /** Margin check, taker matching, then resting / cancelling the remainder. */
  private activate(order: SimOrder, fromRequest: boolean): void {
    const m = this.market(order.symbol);
    const now = this.clock.now();
    const pos = this.position(order.symbol);
    if (order.closeOrder) {
      order.side = pos.qty < 0 ? 'buy' : 'sell';
      order.size = Math.abs(pos.qty);
    }
    if (order.reduceOnly) {
      const reducible =
        (order.side === 'buy' && pos.qty < 0) || (order.side === 'sell' && pos.qty > 0)
          ? Math.abs(pos.qty)
          : 0;
      if (reducible === 0) {
        if (fromRequest) this.orders.delete(order.id);
        if (fromRequest) throw new SimError('300009', 'No open positions to close.');
        this.finish(order, 'canceled', now);
        return;
      }
      if (order.size > reducible) order.canceledSize = order.size - reducible;
    } else {
      const cost = this.openingCost(order, m);
      const a = this.accountSummary();
      if (cost.gt(a.available)) {
        const msg = `Balance insufficient. The order would cost ${cost.toFixed(10)}.`;
        if (fromRequest) {
          this.orders.delete(order.id);
          throw new SimError('300003', msg);
        }
        this.finish(order, 'canceled', now);
        return;
      }
    }
    const limitTick = order.price ? m.priceToTick(order.price) : null;
    const crosses =
      limitTick === null ||
      (order.side === 'buy'
        ? (m.bestAsk()?.tick ?? Infinity) <= limitTick
        : (m.bestBid()?.tick ?? -Infinity) >= limitTick);
    if (order.postOnly && crosses) {
      this.emitOrder(order, 'open', now);
      this.finish(order, 'canceled', now);
      return;
    }
    order.isActive = true;
    if (!crosses) this.emitOrder(order, 'open', now);
    if (crosses) this.take(order, m, limitTick, now);
    if (order.status === 'done') {
      this.publishBook(m, now);
      return;
    }
    if (order.type === 'market' || order.timeInForce === 'IOC') {
      this.finish(order, 'canceled', now);
    } else if (crosses) this.emitOrder(order, 'open', now);
    this.walletDirty = true;
    this.publishBook(m, now);
  }

  /** Margin + estimated taker fee for the part of the order that would open or grow a position. */
  private openingCost(order: SimOrder, m: SymbolMarket): Decimal {
    const pos = this.positions.get(order.symbol)?.qty ?? 0;
    const reducible =
      (order.side === 'buy' && pos < 0) || (order.side === 'sell' && pos > 0) ? Math.abs(pos) : 0;
    const opening = Math.max(0, order.size - reducible);
    if (opening === 0) return ZERO;
    const top = order.side === 'buy' ? m.bestAsk() : m.bestBid();
    const ref = order.price ?? (top ? m.tickToPrice(top.tick) : m.mark);
    const notional = notionalValue(m.spec, opening, ref);
    return initialMargin(notional, order.leverage).plus(notional.mul(m.spec.takerFeeRate));
  }

  /** Walk the synthetic opposite side up to the limit (the user's own orders are never matched). */
  private take(order: SimOrder, m: SymbolMarket, limitTick: number | null, now: number): void {
    const levels = order.side === 'buy' ? m.asks : m.bids;
    for (const level of [...levels]) {
      const left = order.size - order.filledSize - order.canceledSize;
      if (left <= 0 || order.status === 'done') break;
      if (limitTick !== null && (order.side === 'buy' ? level.tick > limitTick : level.tick < limitTick))
        break;
      const lots = Math.min(level.size, left);
      const price = m.tickToPrice(level.tick);
      m.consume(order.side === 'buy' ? 'ask' : 'bid', level.tick, lots, now);
      this.fillOrder(order, lots, price, 'taker', now);
    }
  }

  /** Book one fill of a user order: position, fees, wallet, fill record, public trade and WS events. */
  fillOrder(
    order: SimOrder,
    lots: number,
    price: Decimal,
    liquidity: 'maker' | 'taker',
    now: number,
    tradeType: 'trade' | 'liquid' = 'trade',
  ): void {
    const m = this.market(order.symbol);
    const pos = this.position(order.symbol);
    if (order.reduceOnly) {
      const reducible =
        (order.side === 'buy' && pos.qty < 0) || (order.side === 'sell' && pos.qty > 0)
          ? Math.abs(pos.qty)
          : 0;
      lots = Math.min(lots, reducible);
      if (lots <= 0) {
        this.finish(order, 'canceled', now);
        return;
      }
    }
    const signed = order.side === 'buy' ? lots : -lots;
    const before = pos.qty;
    if (before === 0) {
      pos.marginMode = this.settingsOf(order.symbol).marginMode;
      pos.leverage = order.leverage;
      pos.realisedGrossPnl = ZERO;
      pos.realisedPnl = ZERO;
      pos.currentComm = ZERO;
      pos.posFunding = ZERO;
      pos.isolatedMargin = ZERO;
      pos.openingTimestamp = now;
      pos.openPrice = price;
    }
    const out = applyFill(m.spec, pos.qty, pos.entryPrice, signed, price);
    const fee = tradingFee(
      m.spec,
      lots,
      price,
      liquidity === 'maker' && tradeType === 'trade' ? 'maker' : 'taker',
    );
    const feeRate = liquidity === 'maker' ? m.spec.makerFeeRate : m.spec.takerFeeRate;
    const closeFee = fee.mul(out.closedLots).div(lots);
    const openFee = fee.minus(closeFee);
    if (out.closedLots > 0 && before !== 0)
      pos.isolatedMargin = pos.isolatedMargin.minus(
        pos.isolatedMargin.mul(out.closedLots).div(Math.abs(before)),
      );
    if (out.openedLots > 0) {
      if (out.closedLots > 0) {
        pos.isolatedMargin = ZERO;
        pos.openingTimestamp = now;
        pos.openPrice = price;
        pos.leverage = order.leverage;
      }
      pos.isolatedMargin = pos.isolatedMargin.plus(
        initialMargin(notionalValue(m.spec, out.openedLots, price), pos.leverage),
      );
    }
    pos.qty = out.qty;
    pos.entryPrice = out.entryPrice;
    pos.realisedGrossPnl = pos.realisedGrossPnl.plus(out.realisedGross);
    pos.realisedPnl = pos.realisedPnl.plus(out.realisedGross).minus(fee);
    pos.currentComm = pos.currentComm.plus(fee);
    this.wallet = this.wallet.plus(out.realisedGross).minus(fee);
    if (!out.realisedGross.isZero())
      this.addLedger('RealisedPNL', out.realisedGross.minus(fee), order.symbol);
    order.filledSize += lots;
    order.filledValue = order.filledValue.plus(notionalValue(m.spec, lots, price));
    order.fee = order.fee.plus(fee);
    order.updatedAt = now;
    const tradeId = this.nextId();
    this.fills.push({
      tradeId,
      orderId: order.id,
      symbol: order.symbol,
      side: order.side,
      liquidity,
      price,
      size: lots,
      value: notionalValue(m.spec, lots, price),
      fee,
      feeRate,
      openFeePay: openFee,
      closeFeePay: closeFee,
      stop: order.stop,
      marginMode: pos.marginMode,
      orderType: order.type,
      displayType: order.stop ? `${order.type}_stop` : order.type,
      tradeType,
      time: now,
    });
    this.publicTrade(
      m,
      price,
      lots,
      liquidity === 'taker' ? order.side : order.side === 'buy' ? 'sell' : 'buy',
      now,
      liquidity === 'taker' ? order.id : '',
      liquidity === 'maker' ? order.id : '',
    );
    this.emitOrder(order, 'match', now, { price, lots, tradeId, liquidity });
    if (before !== 0 && (pos.qty === 0 || Math.sign(pos.qty) !== Math.sign(before)))
      this.recordClose(pos, before, price, now, tradeType === 'liquid');
    this.emitPosition(pos, tradeType === 'liquid' ? 'liquidation' : 'positionChange');
    this.walletDirty = true;
    if (order.filledSize + order.canceledSize >= order.size) this.finish(order, 'filled', now);
  }

  private recordClose(pos: SimPosition, before: number, price: Decimal, now: number, liquid: boolean): void {
    const long = before > 0;
    this.closedPositions.push({
      closeId: this.nextId(),
      symbol: pos.symbol,
      leverage: pos.leverage,
      type: liquid ? (long ? 'LIQUID_LONG' : 'LIQUID_SHORT') : long ? 'CLOSE_LONG' : 'CLOSE_SHORT',
      side: long ? 'LONG' : 'SHORT',
      pnl: pos.realisedPnl,
      realisedGrossCost: pos.realisedGrossPnl.neg(),
      tradeFee: pos.currentComm,
      fundingFee: pos.posFunding,
      openTime: pos.openingTimestamp,
      closeTime: now,
      openPrice: pos.openPrice,
      closePrice: price,
      marginMode: pos.marginMode,
      liquidPrice: liquid ? price : null,
    });
    // TP/SL stops belong to the closed position.
    for (const o of this.orders.values())
      if (o.symbol === pos.symbol && o.stop && !o.stopTriggered && o.status === 'open' && o.reduceOnly)
        this.cancelOrderObject(o, now);
  }

  private finish(order: SimOrder, how: 'filled' | 'canceled', now: number): void {
    if (order.status === 'done') return;
    const left = order.size - order.filledSize - order.canceledSize;
    if (how === 'canceled' && left > 0) order.canceledSize += left;
    if (order.canceledSize > 0) order.cancelExist = true;
    order.status = 'done';
    order.isActive = false;
    order.endAt = now;
    order.updatedAt = now;
    this.walletDirty = true;
    this.emitOrder(order, order.filledSize >= order.size ? 'filled' : how, now);
  }

  private cancelOrderObject(order: SimOrder, now: number): void {
    if (order.status === 'done') return;
    if (order.stop && !order.stopTriggered) {
      order.canceledSize = order.size - order.filledSize;
      order.cancelExist = true;
      order.status = 'done';
      order.endAt = now;
      order.updatedAt = now;
      this.emitStopOrder(order, 'cancel');
      return;
    }
    this.finish(order, 'canceled', now);
  }

  /** DELETE /orders/{id}; works for stop orders too. */
  cancelOrder(id: string): string[] {
    const o = this.orders.get(id);
    if (!o || o.status === 'done') throw new SimError('100004', 'The order cannot be canceled.');
    const now = this.clock.now();
    this.cancelOrderObject(o, now);
    this.publishBook(this.market(o.symbol), now);
    this.flushWallet();
    return [id];
  }

  findByClientOid(clientOid: string, symbol?: string): SimOrder | undefined {
    let found: SimOrder | undefined;
    for (const o of this.orders.values())
      if (o.clientOid === clientOid && (!symbol || o.symbol === symbol)) found = o;
    return found;
  }

  /** Cancel every active (non-stop, or only stop) order, optionally of one symbol. */
  cancelAll(symbol: string | undefined, stops: boolean): string[] {
    if (symbol) this.market(symbol);
    const now = this.clock.now();
    const ids: string[] = [];
    for (const o of this.orders.values()) {
      if (o.status === 'done' || (symbol && o.symbol !== symbol)) continue;
      const isStop = !!o.stop && !o.stopTriggered;
      if (isStop !== stops) continue;
      this.cancelOrderObject(o, now);
      ids.push(o.id);
    }
    for (const m of this.markets.values()) this.publishBook(m, now);
    this.flushWallet();
    return ids;
  }

  private triggerStops(now: number): void {
    for (const o of [...this.orders.values()]) {
      if (!o.stop || o.stopTriggered || o.status === 'done') continue;
      const m = this.market(o.symbol);
      const ref = o.stopPriceType === 'MP' ? m.mark : o.stopPriceType === 'IP' ? m.index : m.last;
      const hit = o.stop === 'up' ? ref.gte(o.stopPrice!) : ref.lte(o.stopPrice!);
      if (!hit) continue;
      o.stopTriggered = true;
      o.updatedAt = now;
      this.emitStopOrder(o, 'triggered');
      try {
        this.activate(o, false);
      } catch {
        this.finish(o, 'canceled', now);
      }
    }
  }

  // ---------------------------------------------------------------- risk

  /** Maintenance rate of a position: its risk tier by notional. */
  maintenanceRate(p: SimPosition): Decimal {
    const m = this.market(p.symbol);
    return riskTierFor(m.spec, notionalValue(m.spec, p.qty, p.entryPrice)).maintainMargin;
  }

  /** Liquidation price: exact for isolated, indicative (this position alone) for cross. */
  liquidationPriceOf(p: SimPosition): Decimal {
    if (p.qty === 0) return ZERO;
    const m = this.market(p.symbol);
    const mmr = this.maintenanceRate(p);
    if (p.marginMode === 'ISOLATED')
      return liquidationPrice(m.spec, p.qty, p.entryPrice, p.isolatedMargin, mmr);
    const a = this.accountSummary();
    const own = unrealisedPnl(m.spec, p.qty, p.entryPrice, m.mark);
    const base = a.totalCrossMargin.minus(a.crossOrderMargin).minus(own);
    const qm = new Money(Math.abs(p.qty)).mul(m.spec.multiplier);
    const px =
      p.qty > 0
        ? p.entryPrice
            .mul(qm)
            .minus(base)
            .div(qm.mul(new Money(1).minus(mmr)))
        : base.plus(p.entryPrice.mul(qm)).div(qm.mul(new Money(1).plus(mmr)));
    return Decimal.max(px, ZERO);
  }

  private checkLiquidations(now: number): void {
    for (const p of [...this.positions.values()]) {
      if (p.qty === 0 || p.marginMode !== 'ISOLATED') continue;
      const m = this.market(p.symbol);
      const lp = this.liquidationPriceOf(p);
      if ((p.qty > 0 && m.mark.lte(lp)) || (p.qty < 0 && m.mark.gte(lp))) {
        const bankrupt = p.entryPrice.plus(
          p.isolatedMargin.div(new Money(Math.abs(p.qty)).mul(m.spec.multiplier)).mul(p.qty > 0 ? -1 : 1),
        );
        this.liquidate(p, alignToTick(Decimal.max(bankrupt, m.spec.tickSize), m.spec.tickSize), now);
      }
    }
    const cross = [...this.positions.values()].filter((p) => p.qty !== 0 && p.marginMode === 'CROSS');
    if (cross.length === 0) return;
    const a = this.accountSummary();
    let mm = ZERO;
    for (const p of cross) {
      const m = this.market(p.symbol);
      mm = mm.plus(notionalValue(m.spec, p.qty, m.mark).mul(this.maintenanceRate(p)));
    }
    if (a.totalCrossMargin.lte(mm)) for (const p of cross) this.liquidate(p, this.market(p.symbol).mark, now);
  }

  /** Close a position by the liquidation engine: orders cancelled, fill at `price` with tradeType liquid. */
  private liquidate(p: SimPosition, price: Decimal, now: number): void {
    for (const o of this.orders.values())
      if (o.symbol === p.symbol && o.status === 'open') this.cancelOrderObject(o, now);
    const order = this.newOrder(
      {
        ...parseOrderInput({
          clientOid: `liq-${this.nextId()}`,
          symbol: p.symbol,
          closeOrder: true,
          type: 'market',
        }),
      },
      { side: p.qty > 0 ? 'sell' : 'buy', size: Math.abs(p.qty), reduceOnly: true, closeOrder: true },
    );
    order.isActive = true;
    this.orders.set(order.id, order);
    const lots = Math.abs(p.qty);
    // The isolated margin is lost at the bankruptcy price; any remainder is the insurance fund's.
    if (p.marginMode === 'ISOLATED') {
      const m = this.market(p.symbol);
      const gross = price.minus(p.entryPrice).mul(p.qty).mul(m.spec.multiplier);
      const fee = tradingFee(m.spec, lots, price, 'taker');
      const shortfall = gross.neg().plus(fee).minus(p.isolatedMargin);
      if (shortfall.gt(0)) this.wallet = this.wallet.plus(shortfall);
    }
    this.fillOrder(order, lots, price, 'taker', now, 'liquid');
  }

  private settleFunding(now: number): void {
    for (const [symbol, m] of this.markets) {
      let next = this.nextFunding.get(symbol)!;
      while (now >= next) {
        const rate = new Money(this.fundingRateFor(symbol, next));
        if (this.isWatched(`/contract/announcement:${symbol}`))
          this.emit({
            channel: 'public',
            topic: `/contract/announcement:${symbol}`,
            subject: 'funding.end',
            data: { symbol, fundingTime: next, fundingRate: rate.toNumber(), timestamp: now },
          });
        const p = this.positions.get(symbol);
        if (p && p.qty !== 0) {
          const fee = fundingFee(m.spec, p.qty, m.mark, rate);
          this.wallet = this.wallet.plus(fee);
          if (p.marginMode === 'ISOLATED') p.isolatedMargin = p.isolatedMargin.plus(fee);
          p.realisedPnl = p.realisedPnl.plus(fee);
          p.posFunding = p.posFunding.plus(fee);
          this.fundingRecords.push({
            id: this.fundingRecords.length + 1_472_387_374_042_586,
            symbol,
            timePoint: next,
            fundingRate: rate,
            markPrice: m.mark,
            positionQty: p.qty,
            positionCost: notionalValue(m.spec, p.qty, m.mark),
            funding: fee,
            marginMode: p.marginMode,
          });
          this.emit({
            channel: 'private',
            topic: `/contract/position:${symbol}`,
            subject: 'position.settlement',
            data: {
              fundingTime: next,
              qty: p.qty,
              markPrice: m.mark.toNumber(),
              fundingRate: rate.toNumber(),
              fundingFee: fee.toNumber(),
              ts: ns(now),
              settleCurrency: 'USDT',
            },
          });
          this.emitPosition(p, 'positionChange');
          this.walletDirty = true;
        }
        next += m.spec.fundingRateGranularity;
      }
      this.nextFunding.set(symbol, next);
    }
  }

  // ---------------------------------------------------------------- settings

  setMarginMode(symbol: string, mode: MarginMode): void {
    const st = this.settingsOf(symbol);
    if (st.marginMode === mode) return;
    const pos = this.positions.get(symbol);
    const busy =
      (pos && pos.qty !== 0) ||
      [...this.orders.values()].some((o) => o.symbol === symbol && o.status === 'open');
    if (busy) throw new SimError('50002', 'exist.order.or.position');
    st.marginMode = mode;
    if (pos) {
      pos.marginMode = mode;
      if (mode === 'CROSS') pos.leverage = st.crossLeverage;
    }
    this.emit({
      channel: 'private',
      topic: '/contract/marginMode',
      subject: 'user.config',
      data: { [symbol]: mode },
    });
  }

  setCrossLeverage(symbol: string, leverage: Decimal): void {
    const m = this.market(symbol);
    if (leverage.lte(0) || leverage.gt(m.spec.maxLeverage))
      throw new SimError('300016', `The leverage cannot be greater than ${m.spec.maxLeverage}.`);
    const st = this.settingsOf(symbol);
    st.crossLeverage = leverage;
    const pos = this.positions.get(symbol);
    if (pos && pos.marginMode === 'CROSS') pos.leverage = leverage;
    this.emit({
      channel: 'private',
      topic: '/contract/crossLeverage',
      subject: 'user.config',
      data: { [symbol]: { leverage: leverage.toString() } },
    });
    this.walletDirty = true;
    this.flushWallet();
  }

  /** Change the isolated risk-limit level; the outcome is pushed as position.adjustRiskLimit. */
  setRiskLimitLevel(symbol: string, level: number): void {
    const m = this.market(symbol);
    const tier = m.spec.riskLimits[level - 1];
    if (!Number.isInteger(level) || !tier) throw new SimError('100005', 'contractRiskLimitNotExist');
    const pos = this.positions.get(symbol);
    const notional = pos ? notionalValue(m.spec, pos.qty, pos.entryPrice) : ZERO;
    const ok = notional.lte(tier.maxRiskLimit);
    if (ok) {
      this.settingsOf(symbol).riskLimitLevel = level;
      const now = this.clock.now();
      for (const o of this.orders.values())
        if (o.symbol === symbol && o.isActive) this.cancelOrderObject(o, now);
      this.publishBook(m, now);
    }
    this.emit({
      channel: 'private',
      topic: `/contract/position:${symbol}`,
      subject: 'position.adjustRiskLimit',
      data: ok
        ? { success: true, riskLimitLevel: level, msg: '' }
        : {
            success: false,
            riskLimitLevel: this.settingsOf(symbol).riskLimitLevel,
            msg: 'risk limit exceeded',
          },
    });
    this.flushWallet();
  }

  /** Add (positive) or withdraw (negative) isolated margin. */
  adjustIsolatedMargin(symbol: string, amount: Decimal): SimPosition {
    const p = this.positions.get(symbol);
    if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED')
      throw new SimError('300009', 'Position does not exist');
    if (amount.gt(0) && amount.gt(this.accountSummary().available))
      throw new SimError('300003', `Balance insufficient. The order would cost ${amount.toFixed(10)}.`);
    if (amount.lt(0) && amount.neg().gt(this.maxWithdrawMargin(symbol)))
      throw new SimError('300000', 'The withdrawal amount exceeds the maximum');
    p.isolatedMargin = p.isolatedMargin.plus(amount);
    this.emitPosition(p, 'marginChange');
    this.walletDirty = true;
    this.flushWallet();
    return p;
  }

  maxWithdrawMargin(symbol: string): Decimal {
    const p = this.positions.get(symbol);
    if (!p || p.qty === 0 || p.marginMode !== 'ISOLATED') return ZERO;
    const m = this.market(p.symbol);
    const init = initialMargin(notionalValue(m.spec, p.qty, p.entryPrice), p.leverage);
    return Decimal.max(p.isolatedMargin.minus(init), ZERO);
  }

  // ---------------------------------------------------------------- private events

  /** Position payload renderer, injected by views.ts to keep one shape for REST and WS. */
  renderPosition: (p: SimPosition) => Record<string, unknown> = (p) => ({
    symbol: p.symbol,
    currentQty: p.qty,
  });
  renderOrderEvent: (o: SimOrder, type: string, now: number, match?: MatchInfo) => Record<string, unknown> = (
    o,
  ) => ({
    orderId: o.id,
  });
  renderStopEvent: (o: SimOrder, type: string, now: number) => Record<string, unknown> = (o) => ({
    orderId: o.id,
  });

  private emitOrder(order: SimOrder, type: string, now: number, match?: MatchInfo): void {
    const data = this.renderOrderEvent(order, type, now, match);
    this.emit({ channel: 'private', topic: '/contractMarket/tradeOrders', subject: 'orderChange', data });
    this.emit({
      channel: 'private',
      topic: `/contractMarket/tradeOrders:${order.symbol}`,
      subject: 'symbolOrderChange',
      data,
    });
  }

  private emitStopOrder(order: SimOrder, type: 'open' | 'triggered' | 'cancel'): void {
    this.emit({
      channel: 'private',
      topic: '/contractMarket/advancedOrders',
      subject: 'stopOrder',
      data: this.renderStopEvent(order, type, this.clock.now()),
    });
  }

  emitPosition(p: SimPosition, changeReason: string): void {
    const data = { ...this.renderPosition(p), changeReason };
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

/** Details of one match for the tradeOrders event. */
export interface MatchInfo {
  price: Decimal;
  lots: number;
  tradeId: string;
  liquidity: 'maker' | 'taker';
}

/** KuCoin's limitCandle types and their widths in minutes. */
export const CANDLE_TYPES: Record<string, number> = {
  '1min': 1,
  '3min': 3,
  '5min': 5,
  '15min': 15,
  '30min': 30,
  '1hour': 60,
  '2hour': 120,
  '4hour': 240,
  '8hour': 480,
  '12hour': 720,
  '1day': 1440,
  '1week': 10080,
};

/** The next settlement strictly after `now` on KuCoin's grid (04:00/12:00/20:00 UTC for 8 h). */
export function nextFundingTime(now: number, granularity: number): number {
  const offset = granularity === 8 * 3600_000 ? FUNDING_OFFSET : 0;
  return Math.floor((now - offset) / granularity) * granularity + offset + granularity;
}

function roundToTick(price: number, spec: ContractSpec): number {
  const tick = spec.tickSize.toNumber();
  return Number((Math.round(price / tick) * tick).toFixed(spec.tickSize.decimalPlaces()));
}
