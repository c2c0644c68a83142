import {
  type Bar,
  bucketStart,
  CandleBuilder,
  ROLLUP_TIMEFRAMES,
  rollupBars,
  type Timeframe,
  type TradeTick,
  timeframeMs,
} from '@enigma/core/marketdata/index';
import type Decimal from 'decimal.js';

const MINUTE = 60_000;
/** One day of 1m bars: enough to roll up the largest default timeframe (1d). */
const DEFAULT_KEEP = 1_440;

/** A 1m range [from, to) (ms, bar open times) that must be fetched over REST. */
export interface GapRange {
  from: number;
  to: number;
}

/** An exchange candle (the `limitCandle` channel) whose OHLC differ from the bar built from trades. */
export interface CandleDisagreement {
  symbol: string;
  openTime: number;
  own: { open: string; high: string; low: string; close: string };
  exchange: { open: string; high: string; low: string; close: string };
}

/** The OHLC of an exchange-pushed 1m candle (its volume is documented as unreliable, so it is not compared). */
export interface ExchangeCandle {
  openTime: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
}

export interface SymbolCandlesOptions {
  rollups?: readonly Timeframe[];
  /** How many 1m bars to keep for roll-ups (>= the largest roll-up in minutes). */
  keep?: number;
}

/**
 * The candle state of one symbol: 1m bars built from trades, roll-ups, the gap bookkeeping that
 * decides which minutes must come from REST, and the comparison with the exchange's own candles.
 *
 * Why gaps: after a (re)connect the trades of the current minute are incomplete, so the builder starts
 * at the next minute (`resumeAt`) and every minute from the last contiguous bar up to there (or up to
 * the builder's first bar, if that minute had no trade) is the REST backfill's job. Bars returned by
 * `onTrade`, `advance` and `addBackfilled` are new and final: persist and publish them.
 *
 * Time is market time (exchange timestamps), passed in, so accelerated replays work the same.
 */
export class SymbolCandles {
  private builder: CandleBuilder;
  private builderStarted = false;
  private builderFirstOpen: number | undefined;
  private resumeAt: number;
  private lastContiguous: number;
  private readonly bars = new Map<number, Bar>();
  private readonly emitted = new Map<Timeframe, Set<number>>();
  private inFlight: GapRange | undefined;
  private readonly rollups: readonly Timeframe[];
  private readonly keep: number;
  private readonly exchangeForming = new Map<number, ExchangeCandle>();
  private readonly exchangeFinal = new Map<number, ExchangeCandle>();
  private readonly comparedOpens = new Set<number>();
  /** Trades dropped because their minute was already covered (or will be) by REST. */
  skippedTrades = 0;
  compared = 0;
  disagreements = 0;

  /**
   * @param lastStoredOpen open time of the newest 1m bar already stored, if any
   * @param now market time (ms)
   * @param lookbackMs with nothing stored, how far back to backfill
   */
  constructor(
    readonly symbol: string,
    lastStoredOpen: number | undefined,
    now: number,
    lookbackMs: number,
    options: SymbolCandlesOptions = {},
  ) {
    this.rollups = options.rollups ?? ROLLUP_TIMEFRAMES;
    this.keep = options.keep ?? DEFAULT_KEEP;
    for (const tf of this.rollups) this.emitted.set(tf, new Set());
    this.lastContiguous = lastStoredOpen ?? bucketStart(now - lookbackMs, '1m') - MINUTE;
    this.builder = new CandleBuilder(symbol, '1m');
    this.resumeAt = bucketStart(now, '1m') + MINUTE;
  }

  /**
   * Seed the roll-up buffer with stored 1m bars up to the last contiguous one (e.g. the last day from the
   * database at start), so a higher bar spanning a restart is still completed. Nothing is emitted.
   */
  preload(stored: readonly Bar[]): void {
    for (const bar of stored) {
      if (bar.timeframe === '1m' && bar.openTime <= this.lastContiguous && !this.bars.has(bar.openTime))
        this.bars.set(bar.openTime, bar);
    }
    this.trim();
  }

  /** Forget the forming bar and the current minute's trades (a reconnect lost some); REST covers them. */
  suspend(now: number): void {
    this.builder = new CandleBuilder(this.symbol, '1m');
    this.builderStarted = false;
    this.builderFirstOpen = undefined;
    this.resumeAt = Math.max(this.resumeAt, bucketStart(now, '1m') + MINUTE);
  }

  onTrade(trade: TradeTick): Bar[] {
    if (trade.ts < this.resumeAt) {
      this.skippedTrades++;
      return [];
    }
    if (!this.builderStarted) {
      this.builderStarted = true;
      this.builderFirstOpen = bucketStart(trade.ts, '1m');
    }
    return this.accept(this.builder.onTrade(trade));
  }

  /** Close bars whose minute has passed at market time `now` (quiet minutes become flat bars). */
  advance(now: number): Bar[] {
    if (now < this.resumeAt) return [];
    return this.accept(this.builder.closeUntil(now));
  }

  /**
   * The range to fetch over REST now, if any: complete minutes only, one request batch at a time.
   * Call `addBackfilled` with the result, or `backfillFailed` to retry later.
   */
  dueBackfill(now: number): GapRange | undefined {
    if (this.inFlight) return undefined;
    const restLimit = this.builderFirstOpen ?? this.resumeAt;
    const from = this.lastContiguous + MINUTE;
    const to = Math.min(restLimit, bucketStart(now, '1m'));
    if (to <= from) return undefined;
    this.inFlight = { from, to };
    return this.inFlight;
  }

  backfillFailed(): void {
    this.inFlight = undefined;
  }

  /**
   * Merge REST bars for the in-flight range. Minutes the exchange returned nothing for become flat
   * bars at the previous close (as the builder does for quiet minutes), so the series has no holes.
   */
  addBackfilled(range: GapRange, restBars: readonly Bar[]): Bar[] {
    this.inFlight = undefined;
    const byOpen = new Map(
      restBars.filter((b) => b.openTime >= range.from && b.openTime < range.to).map((b) => [b.openTime, b]),
    );
    const fresh: Bar[] = [];
    let prevClose = this.bars.get(range.from - MINUTE)?.close;
    for (let t = range.from; t < range.to; t += MINUTE) {
      const existing = this.bars.get(t);
      const bar = existing ?? byOpen.get(t) ?? (prevClose ? flatBar(this.symbol, t, prevClose) : undefined);
      if (!bar) continue;
      prevClose = bar.close;
      if (!existing) fresh.push(bar);
    }
    if (!this.builderStarted && range.to === this.resumeAt && prevClose) {
      this.builder.seed({ openTime: range.to - MINUTE, close: prevClose });
    }
    return this.accept(fresh);
  }

  /**
   * Record an exchange candle push. Pushes for a minute repeat while it forms; the previous minute's
   * last push is final once a newer minute arrives, and is compared with the own bar.
   */
  onExchangeCandle(candle: ExchangeCandle): CandleDisagreement[] {
    const newest = Math.max(-1, ...this.exchangeForming.keys());
    this.exchangeForming.set(candle.openTime, candle);
    const out: CandleDisagreement[] = [];
    if (candle.openTime <= newest) return out;
    for (const [openTime, c] of this.exchangeForming) {
      if (openTime >= candle.openTime) continue;
      this.exchangeForming.delete(openTime);
      this.exchangeFinal.set(openTime, c);
      const d = this.compare(openTime);
      if (d) out.push(d);
    }
    trimOldest(this.exchangeFinal, 16);
    return out;
  }

  /** The newest bar known (closed), if any. */
  latest(): Bar | undefined {
    return this.bars.get(this.lastContiguous) ?? undefined;
  }

  /** Open time of the last bar after which nothing is missing. */
  contiguousUntil(): number {
    return this.lastContiguous;
  }

  private compare(openTime: number): CandleDisagreement | undefined {
    const own = this.bars.get(openTime);
    const ex = this.exchangeFinal.get(openTime);
    if (!own || !ex || own.trades === 0 || this.comparedOpens.has(openTime)) return undefined;
    this.comparedOpens.add(openTime);
    trimOldestSet(this.comparedOpens, 64);
    this.compared++;
    if (own.open.eq(ex.open) && own.high.eq(ex.high) && own.low.eq(ex.low) && own.close.eq(ex.close))
      return undefined;
    this.disagreements++;
    return {
      symbol: this.symbol,
      openTime,
      own: ohlc(own),
      exchange: ohlc(ex),
    };
  }

  private accept(closed: readonly Bar[]): Bar[] {
    if (closed.length === 0) return [];
    const out: Bar[] = [];
    for (const bar of closed) {
      if (this.bars.has(bar.openTime)) continue;
      this.bars.set(bar.openTime, bar);
      out.push(bar);
    }
    const before = this.lastContiguous;
    while (this.bars.has(this.lastContiguous + MINUTE)) this.lastContiguous += MINUTE;
    for (const bar of out) this.compare(bar.openTime);
    out.push(...this.completedRollups(before));
    this.trim();
    return out;
  }

  /** Roll-up bars completed by the contiguous series advancing past `before`. */
  private completedRollups(before: number): Bar[] {
    const out: Bar[] = [];
    if (this.lastContiguous === before) return out;
    for (const tf of this.rollups) {
      const ms = timeframeMs(tf);
      const done = this.emitted.get(tf)!;
      const buckets = new Set<number>();
      for (let t = before + MINUTE; t <= this.lastContiguous; t += MINUTE) buckets.add(bucketStart(t, tf));
      for (const open of [...buckets].sort((a, b) => a - b)) {
        if (done.has(open) || open + ms - MINUTE > this.lastContiguous) continue;
        const group: Bar[] = [];
        for (let t = open; t < open + ms; t += MINUTE) {
          const b = this.bars.get(t);
          if (b) group.push(b);
        }
        // A bucket that started before our buffer (e.g. first day after start) is never complete here.
        const [rolled] = rollupBars(group, tf);
        if (!rolled) continue;
        done.add(open);
        trimOldestSet(done, 8);
        out.push(rolled);
      }
    }
    return out;
  }

  private trim(): void {
    if (this.bars.size <= this.keep) return;
    const opens = [...this.bars.keys()].sort((a, b) => a - b);
    for (const t of opens.slice(0, opens.length - this.keep)) this.bars.delete(t);
  }
}

function flatBar(symbol: string, openTime: number, price: Decimal): Bar {
  const zero = price.mul(0);
  return {
    symbol,
    timeframe: '1m',
    openTime,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: zero,
    turnover: zero,
    trades: 0,
  };
}

function ohlc(b: { open: Decimal; high: Decimal; low: Decimal; close: Decimal }) {
  return {
    open: b.open.toString(),
    high: b.high.toString(),
    low: b.low.toString(),
    close: b.close.toString(),
  };
}

function trimOldest<V>(map: Map<number, V>, max: number): void {
  if (map.size <= max) return;
  const keys = [...map.keys()].sort((a, b) => a - b);
  for (const k of keys.slice(0, keys.length - max)) map.delete(k);
}

function trimOldestSet(set: Set<number>, max: number): void {
  if (set.size <= max) return;
  const keys = [...set].sort((a, b) => a - b);
  for (const k of keys.slice(0, keys.length - max)) set.delete(k);
}
