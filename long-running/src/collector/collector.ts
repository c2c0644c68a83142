import { exponentialBackoff } from '@enigma/core/backoff';
import type { BusPublisher } from '@enigma/core/bus/index';
import { contractSpec } from '@enigma/core/contract/specs';
import type { Bar } from '@enigma/core/marketdata/index';
import type Decimal from 'decimal.js';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { OrderBook } from '../exchange/book.ts';
import { Level2Sync } from '../exchange/kucoin/level2.ts';
import type { OrderBookSnapshot } from '../exchange/types.ts';
import { type BarSource, BatchedCandleWriter, type CandleStore } from './candle-store.ts';
import { DivergenceMonitor } from './divergence.ts';
import { bookPayload, CANDLES_STREAM, candlePayload, type HealthEvent, MARKET_EVENTS } from './events.ts';
import type { FeedConnection, FeedFactory } from './feed.ts';
import { privateTopics, publicTopics } from './feed.ts';
import { fetchBars, type MarketDataApi } from './klines.ts';
import { type Feed, MarketState, summarizeBook } from './market-state.ts';
import { type CollectorMetrics, collectorMetrics } from './metrics.ts';
import { routePrivateMessage } from './private-router.ts';
import { type MessageSink, routeMessage } from './router.ts';
import { SymbolCandles } from './symbol-candles.ts';

/**
 * Where mark-price samples and funding rates are persisted. The collector calls it and ignores any
 * failure (logged); `startCollectorService` plugs in `BatchedSampleWriter` (sample-store.ts), which
 * writes to `mark_price_samples` and `funding_rates` in batches.
 */
export interface MarketSampleSink {
  markSample(sample: {
    symbol: string;
    markPrice: Decimal;
    indexPrice: Decimal;
    time: number;
  }): Promise<void> | void;
  fundingRate(rate: {
    symbol: string;
    rate: Decimal;
    granularityMs: number;
    time: number;
  }): Promise<void> | void;
}

/** REST calls the collector needs: the level-2 snapshot, klines and the server clock. */
export interface CollectorRest extends Pick<MarketDataApi, 'klines'> {
  orderBook(symbol: string): Promise<OrderBookSnapshot>;
  serverTime(): Promise<number>;
}

export interface CollectorOptions {
  symbols: readonly string[];
  rest: CollectorRest;
  feed: FeedFactory;
  /** Private channels of the configured account (orders, stop orders, positions, wallet), if any. */
  privateFeed?: FeedFactory;
  store: CandleStore;
  /** Persistence of mark samples (at most one per `markSampleMs`) and every funding-rate push. */
  samples?: MarketSampleSink;
  /** Minimum market-time interval between stored mark samples per symbol (default 60 s). */
  markSampleMs?: number;
  registry: Registry;
  bus?: BusPublisher;
  logger?: Logger;
  /** Stale window for every feed (default 10 s) and per-feed overrides. */
  staleAfterMs?: number;
  staleAfterMsByFeed?: Partial<Record<Feed, number>>;
  /** Feeds that must be fresh for a symbol to be healthy (default level2 + instrument). */
  requiredFeeds?: readonly Feed[];
  /** With nothing stored, how far back the first backfill reaches (default 24 h). */
  lookbackMs?: number;
  /** Book levels summed into depth and imbalance (default 10). */
  bookLevels?: number;
  /** Levels of each side the book event carries for the engine's router (default 25). */
  bookDepthLevels?: number;
  /** Minimum interval between book-top publications per symbol (default 250 ms). */
  bookPublishMs?: number;
  /**
   * A quiet minute is closed only once market time is this far past its end (default 2 s), so a trade
   * delivered after a later book or mark message is not dropped as late.
   */
  closeGraceMs?: number;
  /** Housekeeping interval: closing bars, backfills, freshness (default 1000 ms). */
  tickMs?: number;
  /** Divergence alert threshold vs the reference feed, bps (default 50). */
  divergenceBps?: number;
  /** Wall clock (ms). */
  now?: () => number;
}

interface SymbolContext {
  symbol: string;
  sync: Level2Sync;
  candles: SymbolCandles;
  marketTime: number;
  /** After a reconnect: the next timestamped message restarts the candle builder. */
  resumePending: boolean;
  bookDirty: boolean;
  lastBookPublish: number;
  backfilling: boolean;
  lastMarkSample: number;
  /** After failed backfills: wall time before which none is attempted (exponential backoff). */
  backfillRetryAt: number;
  backfillFailures: number;
  staleFeeds: Set<Feed>;
  /** Messages and latest lag per feed since the last tick. */
  counts: Map<Feed, { messages: number; lagMs: number }>;
}

/**
 * The market-data collector: per symbol it keeps a sequenced L2 book, the latest mark/index/funding,
 * 1m candles built from trades with roll-ups, REST backfill of every gap (at start and after each
 * reconnect), a comparison with the exchange's own candles, persistence and bus publication, and
 * per-feed freshness that the engine reads through `isFresh`.
 *
 * @example
 * const c = new Collector({ symbols: ['XBTUSDTM'], rest, feed, store, registry, bus });
 * await c.start();
 * if (!c.isFresh('XBTUSDTM')) refuseToTrade();
 */
export class Collector {
  readonly state: MarketState;
  readonly metrics: CollectorMetrics;
  private readonly contexts = new Map<string, SymbolContext>();
  private readonly writer: BatchedCandleWriter;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly divergence: DivergenceMonitor;
  private connection: FeedConnection | undefined;
  private privateConnection: FeedConnection | undefined;
  private timer: NodeJS.Timeout | undefined;
  private connected = false;
  private messageTimes: number[] = [];
  private messagesInWindow = 0;
  reconnects = 0;

  constructor(private readonly opts: CollectorOptions) {
    this.log = opts.logger ?? pino({ name: 'collector', level: 'silent' });
    this.now = opts.now ?? Date.now;
    this.metrics = collectorMetrics(opts.registry);
    this.state = new MarketState(opts.symbols, {
      staleAfterMs: opts.staleAfterMs ?? 10_000,
      staleAfterMsByFeed: opts.staleAfterMsByFeed ?? {},
      now: this.now,
    });
    this.divergence = new DivergenceMonitor(opts.divergenceBps ?? 50);
    this.writer = new BatchedCandleWriter(opts.store, {
      logger: this.log,
      onWritten: (bars) => {
        for (const b of bars)
          this.metrics.candlesStored.inc({
            symbol: b.symbol,
            timeframe: b.timeframe,
            source: b.source ?? 'kucoin-trades',
          });
      },
    });
  }

  /** Load where each symbol's stored series ends, connect, subscribe, start the housekeeping timer. */
  async start(): Promise<void> {
    const serverNow = await this.opts.rest.serverTime();
    for (const symbol of this.opts.symbols) {
      const lastStored = await this.opts.store.latestOpen(symbol, '1m');
      const ctx = this.makeContext(symbol, lastStored, serverNow);
      if (lastStored !== undefined)
        ctx.candles.preload(
          await this.opts.store.load(symbol, '1m', lastStored - 86_400_000 + 60_000, lastStored + 60_000),
        );
      this.contexts.set(symbol, ctx);
    }
    this.connection = this.opts.feed({
      onMessage: (topic, subject, data) => this.onMessage(topic, subject, data),
      onDisconnected: (reason) => this.onDisconnected(reason),
      onReconnected: () => this.onReconnected(),
    });
    await this.connection.start(this.opts.symbols.flatMap(publicTopics));
    this.connected = true;
    this.health({ kind: 'connected', at: this.now() });
    if (this.opts.privateFeed) {
      this.privateConnection = this.opts.privateFeed({
        onMessage: (topic, subject, data) => this.onPrivateMessage(topic, subject, data),
        onDisconnected: (reason) =>
          this.health({ kind: 'disconnected', channel: 'private', reason, at: this.now() }),
        onReconnected: () => this.health({ kind: 'reconnected', channel: 'private', at: this.now() }),
      });
      await this.privateConnection.start(privateTopics(this.opts.symbols));
    }
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 1_000);
    this.timer.unref();
    this.tick();
  }

  /** Stop the feed and the timer, and write every queued candle. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const ctx of this.contexts.values()) this.exportCounts(ctx);
    await this.connection?.close();
    await this.privateConnection?.close();
    await this.writer.close();
  }

  /** Whether `symbol`'s `feed` (default: every feed the engine trades on) is fresh. */
  isFresh(symbol: string, feed?: Feed): boolean {
    return this.state.isFresh(symbol, feed);
  }

  /** The synced order book of a symbol, or undefined while it is being (re)built. */
  orderBook(symbol: string): OrderBook | undefined {
    const ctx = this.contexts.get(symbol);
    return ctx?.sync.synced ? ctx.sync.book : undefined;
  }

  /** Counters per symbol, for tests and `/healthz`. */
  stats(symbol: string) {
    const ctx = this.contexts.get(symbol);
    if (!ctx) return undefined;
    return {
      bookSynced: ctx.sync.synced,
      bookSequence: ctx.sync.book.sequence,
      resyncs: ctx.sync.resyncs,
      marketTime: ctx.marketTime,
      candlesContiguousUntil: ctx.candles.contiguousUntil(),
      skippedTrades: ctx.candles.skippedTrades,
      comparedCandles: ctx.candles.compared,
      candleDisagreements: ctx.candles.disagreements,
    };
  }

  /** Connection facts for `/healthz`. */
  details(): Record<string, unknown> {
    return {
      connected: this.connected,
      reconnects: this.reconnects,
      pendingCandleWrites: this.writer.pending,
    };
  }

  /** Write queued candles now (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Record a reference-venue mid (e.g. Binance book ticker) for the divergence check. */
  onReferenceMid(symbol: string, mid: Decimal, time: number): void {
    this.state.setReferenceMid(symbol, mid, time);
    this.state.touch(symbol, 'reference');
  }

  private makeContext(symbol: string, lastStored: number | undefined, serverNow: number): SymbolContext {
    const decimals = priceDecimalsOf(symbol);
    const ctx: SymbolContext = {
      symbol,
      marketTime: serverNow,
      resumePending: false,
      bookDirty: false,
      lastBookPublish: 0,
      backfilling: false,
      lastMarkSample: Number.NEGATIVE_INFINITY,
      backfillRetryAt: 0,
      backfillFailures: 0,
      staleFeeds: new Set(),
      counts: new Map(),
      candles: new SymbolCandles(symbol, lastStored, serverNow, this.opts.lookbackMs ?? 86_400_000),
      sync: new Level2Sync({
        symbol,
        priceDecimals: decimals,
        fetchSnapshot: () => this.opts.rest.orderBook(symbol),
        onBook: () => this.onBookChanged(ctx),
        onResync: (reason) => {
          if (reason.startsWith('gap')) {
            this.metrics.sequenceGaps.inc({ symbol });
            this.health({ kind: 'sequence-gap', symbol, reason, at: this.now() });
          }
          if (!reason.startsWith('snapshot failed')) this.metrics.resyncs.inc({ symbol });
          this.state.clearBook(symbol);
          this.log.info({ symbol, reason }, 'order book resync');
        },
      }),
    };
    return ctx;
  }

  private readonly sink: MessageSink<SymbolContext> = {
    touch: (symbol, feed, eventTime) => {
      const ctx = this.contexts.get(symbol);
      if (!ctx) return undefined;
      const now = this.now();
      this.state.touchAt(symbol, feed, now);
      // counted here, exported on the next tick: labelled prom-client calls per message cost more than the book
      let counts = ctx.counts.get(feed);
      if (!counts) {
        counts = { messages: 0, lagMs: 0 };
        ctx.counts.set(feed, counts);
      }
      counts.messages++;
      this.messagesInWindow++;
      if (eventTime !== undefined) {
        if (eventTime > ctx.marketTime) ctx.marketTime = eventTime;
        counts.lagMs = now - eventTime;
        if (ctx.resumePending) {
          ctx.resumePending = false;
          ctx.candles.suspend(eventTime);
        }
      }
      return ctx;
    },
    level2: (ctx, delta) => ctx.sync.onDelta(delta),
    trade: (ctx, trade) => {
      if (ctx.resumePending) return;
      this.handleBars(ctx.candles.onTrade({ ts: trade.time, price: trade.price, size: trade.size }));
    },
    exchangeCandle: (ctx, candle) => {
      for (const d of ctx.candles.onExchangeCandle(candle)) {
        this.metrics.candleDisagreements.inc({ symbol: ctx.symbol });
        this.health({ kind: 'candle-disagreement', ...d, at: this.now() });
      }
    },
    ticker: (ctx, t) => {
      this.publish(MARKET_EVENTS.tick, {
        symbol: ctx.symbol,
        bestBid: t.bestBid.toString(),
        bestBidSize: t.bestBidSize,
        bestAsk: t.bestAsk.toString(),
        bestAskSize: t.bestAskSize,
        time: t.time,
      });
    },
    mark: (ctx, m) => {
      this.state.updateInstrument(ctx.symbol, {
        markPrice: m.markPrice,
        indexPrice: m.indexPrice,
        markTime: m.time,
      });
      if (this.opts.samples && m.time - ctx.lastMarkSample >= (this.opts.markSampleMs ?? 60_000)) {
        ctx.lastMarkSample = m.time;
        this.persistSample(() => this.opts.samples?.markSample({ symbol: ctx.symbol, ...m }));
      }
      this.publish(MARKET_EVENTS.mark, {
        symbol: ctx.symbol,
        markPrice: m.markPrice.toString(),
        indexPrice: m.indexPrice.toString(),
        time: m.time,
      });
    },
    funding: (ctx, f) => {
      this.state.updateInstrument(ctx.symbol, { fundingRate: f.rate, fundingTime: f.time });
      this.persistSample(() => this.opts.samples?.fundingRate({ symbol: ctx.symbol, ...f }));
      this.publish(MARKET_EVENTS.funding, {
        symbol: ctx.symbol,
        rate: f.rate.toString(),
        granularityMs: f.granularityMs,
        time: f.time,
      });
    },
    parseError: (feed, error) => {
      this.metrics.parseErrors.inc({ feed });
      this.log.warn({ feed, err: error }, 'rejected a market-data message');
    },
  };

  private onMessage(topic: string, subject: string, data: unknown): void {
    routeMessage(this.sink, topic, subject, data);
  }

  private persistSample(write: () => Promise<void> | void | undefined): void {
    Promise.resolve()
      .then(write)
      .catch((error) => this.log.warn({ err: error }, 'market sample write failed'));
  }

  private onPrivateMessage(topic: string, subject: string, data: unknown): void {
    try {
      const event = routePrivateMessage(topic, subject, data);
      if (event) this.publish(event.channel, event.payload);
    } catch (error) {
      this.metrics.parseErrors.inc({ feed: 'private' });
      this.log.warn({ topic, subject, err: error }, 'rejected a private message');
    }
  }

  private onBookChanged(ctx: SymbolContext): void {
    ctx.bookDirty = true;
    const now = this.now();
    if (now - ctx.lastBookPublish >= (this.opts.bookPublishMs ?? 250)) this.publishBook(ctx, now);
  }

  private publishBook(ctx: SymbolContext, now: number): void {
    if (!ctx.bookDirty || !ctx.sync.synced) return;
    ctx.bookDirty = false;
    ctx.lastBookPublish = now;
    const levels = this.opts.bookLevels ?? 10;
    const { bids, asks } = ctx.sync.book.depth(Math.max(levels, this.opts.bookDepthLevels ?? 25));
    const top = summarizeBook(ctx.symbol, ctx.sync.book.sequence, bids, asks, levels, ctx.marketTime);
    this.state.setBook(top);
    this.publish(MARKET_EVENTS.book, bookPayload(top, { bids, asks }));
  }

  private onDisconnected(reason: string): void {
    if (!this.connected) return;
    this.connected = false;
    this.log.warn({ reason }, 'market-data connection lost');
    for (const ctx of this.contexts.values()) {
      ctx.sync.resync('disconnected');
      ctx.resumePending = true;
    }
    this.health({ kind: 'disconnected', reason, at: this.now() });
  }

  private onReconnected(): void {
    this.connected = true;
    this.reconnects++;
    this.metrics.reconnects.inc();
    for (const ctx of this.contexts.values()) {
      // deltas and trades were missed while the link was down (or silent)
      ctx.sync.resync('reconnected');
      ctx.resumePending = true;
    }
    this.health({ kind: 'reconnected', at: this.now() });
  }

  private handleBars(bars: readonly Bar[], restSource = false): void {
    if (bars.length === 0) return;
    const tagged = bars.map((b) => ({
      ...b,
      source: (restSource && b.timeframe === '1m' ? 'kucoin' : 'kucoin-trades') as BarSource,
    }));
    this.writer.add(tagged);
    for (const b of tagged) {
      const payload = candlePayload(b);
      this.publish(MARKET_EVENTS.candle, payload);
      void this.opts.bus?.append(CANDLES_STREAM, payload, { maxLen: 100_000 }).catch((error) => {
        this.log.warn({ err: error }, 'candle stream append failed');
      });
    }
  }

  private tick(): void {
    const now = this.now();
    for (const ctx of this.contexts.values()) {
      this.exportCounts(ctx);
      if (!ctx.resumePending)
        this.handleBars(ctx.candles.advance(ctx.marketTime - (this.opts.closeGraceMs ?? 2_000)));
      if (ctx.bookDirty && now - ctx.lastBookPublish >= (this.opts.bookPublishMs ?? 250))
        this.publishBook(ctx, now);
      if (this.connected && !ctx.resumePending) void this.backfill(ctx);
      this.checkFreshness(ctx);
      this.checkDivergence(ctx, now);
    }
    this.metrics.staleSymbols.set(this.state.staleSymbols(this.requiredFeeds()).length);
    this.messageTimes.push(this.messagesInWindow);
    this.messagesInWindow = 0;
    if (this.messageTimes.length > 10) this.messageTimes.shift();
    const seconds = (this.messageTimes.length * (this.opts.tickMs ?? 1_000)) / 1_000;
    this.metrics.messagesPerSecond.set(this.messageTimes.reduce((a, b) => a + b, 0) / seconds);
  }

  private exportCounts(ctx: SymbolContext): void {
    for (const [feed, c] of ctx.counts) {
      if (c.messages === 0) continue;
      this.metrics.messages.inc({ symbol: ctx.symbol, feed }, c.messages);
      this.metrics.lagMs.set({ symbol: ctx.symbol, feed }, c.lagMs);
      c.messages = 0;
    }
  }

  private requiredFeeds(): readonly Feed[] {
    return this.opts.requiredFeeds ?? ['level2', 'instrument'];
  }

  private async backfill(ctx: SymbolContext): Promise<void> {
    if (ctx.backfilling || this.now() < ctx.backfillRetryAt) return;
    // the same grace: the exchange may still be adding the last trades of a minute that just ended
    const range = ctx.candles.dueBackfill(ctx.marketTime - (this.opts.closeGraceMs ?? 2_000));
    if (!range) return;
    ctx.backfilling = true;
    try {
      const bars = await fetchBars(this.opts.rest, ctx.symbol, '1m', range.from, range.to);
      const added = ctx.candles.addBackfilled(range, bars);
      this.handleBars(added, true);
      ctx.backfillFailures = 0;
      this.health({
        kind: 'backfilled',
        symbol: ctx.symbol,
        from: range.from,
        to: range.to,
        bars: bars.length,
        at: this.now(),
      });
    } catch (error) {
      ctx.candles.backfillFailed();
      ctx.backfillFailures++;
      ctx.backfillRetryAt = this.now() + exponentialBackoff(ctx.backfillFailures, { base: 500, max: 30_000 });
      this.metrics.backfillErrors.inc({ symbol: ctx.symbol });
      this.log.warn({ symbol: ctx.symbol, err: error, range }, 'candle backfill failed; will retry');
      this.health({
        kind: 'backfill-failed',
        symbol: ctx.symbol,
        from: range.from,
        to: range.to,
        at: this.now(),
      });
    } finally {
      ctx.backfilling = false;
    }
  }

  private checkFreshness(ctx: SymbolContext): void {
    for (const h of this.state.health()) {
      if (h.symbol !== ctx.symbol) continue;
      this.metrics.feedFresh.set({ symbol: h.symbol, feed: h.feed }, h.fresh ? 1 : 0);
      if (!this.requiredFeeds().includes(h.feed)) continue;
      const wasStale = ctx.staleFeeds.has(h.feed);
      if (!h.fresh && !wasStale && h.ageMs !== null) {
        ctx.staleFeeds.add(h.feed);
        this.health({ kind: 'stale', symbol: h.symbol, feed: h.feed, ageMs: h.ageMs, at: this.now() });
      } else if (h.fresh && wasStale) {
        ctx.staleFeeds.delete(h.feed);
        this.health({ kind: 'fresh', symbol: h.symbol, feed: h.feed, at: this.now() });
      }
    }
  }

  private checkDivergence(ctx: SymbolContext, now: number): void {
    const ref = this.state.referenceMid(ctx.symbol);
    const mid = this.state.book(ctx.symbol)?.mid;
    if (
      !ref ||
      !mid ||
      !this.state.isFresh(ctx.symbol, 'reference') ||
      !this.state.isFresh(ctx.symbol, 'level2')
    )
      return;
    const { bps, event } = this.divergence.update(ctx.symbol, mid, ref.mid, now);
    this.metrics.referenceDivergenceBps.set({ symbol: ctx.symbol }, bps);
    if (event) {
      if (event.state === 'diverged') this.metrics.divergenceAlerts.inc({ symbol: ctx.symbol });
      this.log.warn(event, 'KuCoin price vs reference venue');
      this.publish(MARKET_EVENTS.divergence, { ...event });
    }
  }

  private health(event: HealthEvent): void {
    this.publish(MARKET_EVENTS.health, event);
  }

  private publish(channel: string, payload: Record<string, unknown>): void {
    void this.opts.bus?.publish(channel, payload).catch((error) => {
      this.log.debug({ err: error, channel }, 'bus publish failed');
    });
  }
}

/** Decimal places of the contract's tick (0.1 → 1); unknown contracts get a generous 8. */
function priceDecimalsOf(symbol: string): number {
  try {
    return contractSpec(symbol).tickSize.decimalPlaces();
  } catch {
    return 8;
  }
}
