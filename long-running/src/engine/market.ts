import type { Bus, Unsubscribe } from '@enigma/core/bus/index';
import { atr } from '@enigma/core/indicators/atr';
import { toMoney } from '@enigma/core/money';
import type { MarketSnapshot, TradableContract } from '@enigma/core/risk/checks';
import type { BookSide } from '@enigma/core/router/book';
import { type EnigmaDb, getCandles } from '@enigma/db';
import type Decimal from 'decimal.js';
import type { Logger } from 'pino';
import { bookDepthOf, MARKET_EVENTS } from '../collector/events.ts';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { Contract } from '../exchange/types.ts';
import type { ContractBook, EngineClock } from './context.ts';

const MINUTE = 60_000;

/**
 * The engine's view of the market: mark price and best bid/ask per contract, fed by the collector's
 * bus events and stamped with the time they ARRIVED (so freshness never trusts a remote clock). When a
 * value is missing or older than the caller allows, it is fetched once over REST; when that fails the
 * snapshot keeps what it has and the risk checks block (fail closed).
 */
export class MarketView {
  private readonly marks = new Map<string, { mark: Decimal; at: number }>();
  private readonly books = new Map<string, { bid: Decimal; ask: Decimal; at: number }>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly unsubs: Unsubscribe[] = [];

  constructor(
    private readonly kucoin: KucoinHttpClient,
    private readonly clock: EngineClock,
    private readonly log: Logger,
  ) {}

  async listen(bus: Bus): Promise<void> {
    this.unsubs.push(
      await bus.subscribe(MARKET_EVENTS.mark, (e) => {
        const ev = e as { symbol?: unknown; markPrice?: unknown };
        if (typeof ev.symbol === 'string' && typeof ev.markPrice === 'string')
          this.setMark(ev.symbol, toMoney(ev.markPrice));
      }),
      await bus.subscribe(MARKET_EVENTS.tick, (e) => this.onTop(e)),
      await bus.subscribe(MARKET_EVENTS.book, (e) => {
        this.onTop(e);
        this.onDepth(e);
      }),
    );
  }

  async close(): Promise<void> {
    for (const u of this.unsubs.splice(0)) await u().catch(() => {});
  }

  setMark(symbol: string, mark: Decimal): void {
    if (mark.isFinite() && mark.gt(0)) this.marks.set(symbol, { mark, at: this.clock.now() });
  }

  setTop(symbol: string, bid: Decimal, ask: Decimal): void {
    if (bid.gt(0) && ask.gt(0) && ask.gte(bid)) this.books.set(symbol, { bid, ask, at: this.clock.now() });
  }

  private onTop(e: Record<string, unknown>): void {
    const { symbol, bestBid, bestAsk } = e as { symbol?: unknown; bestBid?: unknown; bestAsk?: unknown };
    if (typeof symbol !== 'string' || typeof bestBid !== 'string' || typeof bestAsk !== 'string') return;
    this.setTop(symbol, toMoney(bestBid), toMoney(bestAsk));
  }

  /** The latest values; refreshed over REST first when missing or older than `maxAgeMs`. */
  async snapshot(symbol: string, maxAgeMs: number): Promise<MarketSnapshot> {
    const now = this.clock.now();
    const m = this.marks.get(symbol);
    const b = this.books.get(symbol);
    if (!m || !b || now - m.at > maxAgeMs || now - b.at > maxAgeMs) await this.refresh(symbol);
    return this.peek(symbol);
  }

  /**
   * The marks of other contracts (the exposure of positions held there), each refreshed over REST when
   * missing or older than `maxAgeMs`. Without it an engine with no collector feeding the view (or one
   * just restarted, before the collector's next mark) knows no mark for a position it did not trade since
   * it started, and every entry on another contract blocks as `data_missing` although the exchange would
   * have told it the mark.
   */
  async marksOf(symbols: readonly string[], maxAgeMs: number): Promise<void> {
    const now = this.clock.now();
    await Promise.all(
      symbols
        .filter((s) => {
          const m = this.marks.get(s);
          return !m || now - m.at > maxAgeMs;
        })
        .map((s) => this.refresh(s)),
    );
  }

  /** The latest values without any refresh. */
  peek(symbol: string): MarketSnapshot {
    const m = this.marks.get(symbol);
    const b = this.books.get(symbol);
    return {
      mark: m?.mark ?? null,
      markAt: m?.at ?? null,
      bestBid: b?.bid ?? null,
      bestAsk: b?.ask ?? null,
      bookAt: b?.at ?? null,
    };
  }

  /** Each contract's latest book levels: from the collector's book events (`bus`) or a REST read. */
  private readonly depths = new Map<string, { book: BookSide; at: number; from: 'bus' | 'rest' }>();

  private onDepth(e: Record<string, unknown>): void {
    if (typeof e.symbol !== 'string') return;
    const book = bookDepthOf(e);
    if (book && book.bids.length > 0 && book.asks.length > 0)
      this.depths.set(e.symbol, { book, at: this.clock.now(), from: 'bus' });
  }

  /**
   * The book's levels (the router's slippage model): the collector's latest when it arrived within
   * `maxAgeMs` and its levels hold `need` (the lots an order would take from that side), otherwise the top
   * 100 levels over REST; null when it cannot be had (the router then fails closed).
   */
  async depth(
    symbol: string,
    maxAgeMs: number,
    need?: { side: 'buy' | 'sell'; lots: number },
  ): Promise<BookSide | null> {
    const now = this.clock.now();
    const hit = this.depths.get(symbol);
    if (hit && now - hit.at <= maxAgeMs && (hit.from === 'rest' || !need || holds(hit.book, need)))
      return hit.book;
    try {
      const b = await this.kucoin.market.orderBook(symbol, 100);
      const book: BookSide = {
        bids: b.bids.map((l) => ({ price: l.price, lots: l.size })),
        asks: b.asks.map((l) => ({ price: l.price, lots: l.size })),
      };
      this.depths.set(symbol, { book, at: this.clock.now(), from: 'rest' });
      if (book.bids[0] && book.asks[0]) this.setTop(symbol, book.bids[0].price, book.asks[0].price);
      return book;
    } catch (error) {
      this.log.warn({ symbol, err: error }, 'order book depth unavailable');
      return null;
    }
  }

  /** One REST refresh per symbol at a time; failures are logged and leave the old values. */
  refresh(symbol: string): Promise<void> {
    const running = this.refreshing.get(symbol);
    if (running) return running;
    const p = (async () => {
      try {
        const [ticker, contract] = await Promise.all([
          this.kucoin.market.ticker(symbol),
          this.kucoin.market.contract(symbol),
        ]);
        this.setTop(symbol, ticker.bestBid, ticker.bestAsk);
        if (contract.markPrice) this.setMark(symbol, contract.markPrice);
      } catch (error) {
        this.log.warn({ symbol, err: error }, 'market refresh failed: data may be stale');
      } finally {
        this.refreshing.delete(symbol);
      }
    })();
    this.refreshing.set(symbol, p);
    return p;
  }
}

/** Wilder ATR of the latest closed 1m-based candles of a timeframe, from the database; cached per minute. */
export class AtrSource {
  private readonly cache = new Map<string, { minute: number; value: number | null }>();
  constructor(
    private readonly db: EnigmaDb,
    private readonly clock: EngineClock,
  ) {}

  async atr(symbol: string, timeframe: string, period: number): Promise<number | null> {
    const frame = TIMEFRAME_MS[timeframe];
    if (!frame) return null;
    const now = this.clock.now();
    const minute = Math.floor(now / MINUTE);
    const key = `${symbol}|${timeframe}|${period}`;
    const hit = this.cache.get(key);
    if (hit && hit.minute === minute) return hit.value;
    const bars = await getCandles(
      this.db,
      symbol,
      timeframe,
      new Date(now - frame * period * 6),
      new Date(now),
    );
    // Only closed bars: the one still forming would understate the range.
    const closed = bars.filter((b) => b.openTime.getTime() + frame <= now);
    let value: number | null = null;
    if (closed.length >= period + 1) {
      const out = atr(
        closed.map((b) => Number(b.high)),
        closed.map((b) => Number(b.low)),
        closed.map((b) => Number(b.close)),
        period,
      );
      const last = out[out.length - 1]!;
      value = Number.isFinite(last) && last > 0 ? last : null;
    }
    this.cache.set(key, { minute, value });
    return value;
  }
}

const TIMEFRAME_MS: Record<string, number> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
};

/** Contracts listed by the exchange, loaded at start and refreshed. */
export class ExchangeContracts implements ContractBook {
  private byId = new Map<string, { tradable: TradableContract; raw: Contract }>();

  constructor(private readonly kucoin: KucoinHttpClient) {}

  async load(): Promise<string[]> {
    const list = await this.kucoin.market.contracts();
    const next = new Map<string, { tradable: TradableContract; raw: Contract }>();
    for (const c of list) {
      if (c.status !== 'Open' || c.isInverse || c.settleCurrency !== 'USDT') continue;
      next.set(c.symbol, {
        raw: c,
        tradable: {
          symbol: c.symbol,
          multiplier: c.multiplier,
          tickSize: c.tickSize,
          lotSize: c.lotSize,
          maxOrderQty: c.maxOrderQty,
          maxLeverage: c.maxLeverage,
          takerFeeRate: c.takerFeeRate,
          maintainMarginRate: c.maintainMargin,
        },
      });
    }
    if (next.size === 0) throw new Error('the exchange lists no open USDT-margined contract');
    this.byId = next;
    return [...next.keys()];
  }

  get(symbol: string): TradableContract | undefined {
    return this.byId.get(symbol)?.tradable;
  }
  raw(symbol: string): Contract | undefined {
    return this.byId.get(symbol)?.raw;
  }
  symbols(): string[] {
    return [...this.byId.keys()];
  }
}

/** Whether a book's side an order takes from (asks for a buy) holds at least its lots. */
function holds(book: BookSide, need: { side: 'buy' | 'sell'; lots: number }): boolean {
  let lots = 0;
  for (const level of need.side === 'buy' ? book.asks : book.bids) {
    lots += level.lots;
    if (lots >= need.lots) return true;
  }
  return false;
}
