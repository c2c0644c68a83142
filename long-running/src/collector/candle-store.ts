import type { Bar, Timeframe } from '@enigma/core/marketdata/index';
import { Money } from '@enigma/core/money';
import { type EnigmaDb, getCandles, latestCandleTime, upsertCandles } from '@enigma/db';
import pino, { type Logger } from 'pino';

/** Where a stored bar came from: the exchange's REST klines or the collector's own trade aggregation. */
export type BarSource = 'kucoin' | 'kucoin-trades';

/** Candle persistence as the collector sees it. */
export interface CandleStore {
  /** Open time (ms) of the newest stored bar of `timeframe`, if any. */
  latestOpen(symbol: string, timeframe: string): Promise<number | undefined>;
  /** Idempotent upsert. */
  upsert(bars: readonly (Bar & { source?: BarSource })[]): Promise<void>;
  /** Stored bars with from <= open time < to, oldest first. */
  load(symbol: string, timeframe: Timeframe, from: number, to: number): Promise<Bar[]>;
}

/** The CandleStore over the `candles` table (repository functions of @enigma/db). */
export function dbCandleStore(db: EnigmaDb): CandleStore {
  return {
    async latestOpen(symbol, timeframe) {
      const t = await latestCandleTime(db, symbol, timeframe);
      return t ? t.getTime() : undefined;
    },
    async load(symbol, timeframe, from, to) {
      const rows = await getCandles(db, symbol, timeframe, new Date(from), new Date(to));
      return rows.map((r) => ({
        symbol: r.symbol,
        timeframe,
        openTime: r.openTime.getTime(),
        open: new Money(r.open),
        high: new Money(r.high),
        low: new Money(r.low),
        close: new Money(r.close),
        volume: new Money(r.volume),
        turnover: new Money(r.turnover ?? 0),
        trades: r.trades ?? 0,
      }));
    },
    async upsert(bars) {
      if (bars.length === 0) return;
      await upsertCandles(
        db,
        bars.map((b) => ({
          symbol: b.symbol,
          timeframe: b.timeframe,
          openTime: new Date(b.openTime),
          open: b.open.toString(),
          high: b.high.toString(),
          low: b.low.toString(),
          close: b.close.toString(),
          volume: b.volume.toString(),
          // REST klines carry neither: store NULL rather than a made-up zero
          turnover: b.source === 'kucoin' ? null : b.turnover.toString(),
          trades: b.source === 'kucoin' ? null : b.trades,
          source: b.source ?? 'kucoin-trades',
        })),
      );
    },
  };
}

export interface BatchedWriterOptions {
  /** Flush when this many bars are queued (default 500). */
  maxBatch?: number;
  /** Flush at least this often while bars are queued (default 1000 ms). */
  flushEveryMs?: number;
  logger?: Logger;
  /** Called after each successful write with the bars written. */
  onWritten?: (bars: readonly (Bar & { source?: BarSource })[]) => void;
}

/**
 * Queues bars and writes them in batches, one write at a time, so a burst (a backfill, a roll-up
 * boundary) becomes a few multi-row upserts. A failed write keeps its bars queued and is retried on the
 * next flush: bars are never dropped, and upserts make a retry harmless.
 */
export class BatchedCandleWriter {
  private queue: (Bar & { source?: BarSource })[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBatch: number;
  private readonly logger: Logger;
  failures = 0;

  constructor(
    private readonly store: CandleStore,
    private readonly options: BatchedWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.logger = options.logger ?? pino({ level: 'silent' });
    const every = options.flushEveryMs ?? 1_000;
    this.timer = setInterval(() => void this.flush().catch(() => {}), every);
    this.timer.unref();
  }

  /** Queue bars; a full batch starts a write at once. */
  add(bars: readonly (Bar & { source?: BarSource })[]): void {
    if (bars.length === 0) return;
    this.queue.push(...bars);
    if (this.queue.length >= this.maxBatch) void this.flush().catch(() => {});
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Write everything queued (waiting for a write in progress first). Rejects if the write fails. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => {});
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = (async () => {
      try {
        await this.store.upsert(batch);
        this.options.onWritten?.(batch);
      } catch (error) {
        this.failures++;
        this.queue = batch.concat(this.queue);
        this.logger.warn({ err: error, bars: batch.length }, 'candle write failed; will retry');
        throw error;
      } finally {
        this.writing = undefined;
      }
    })();
    await this.writing;
  }

  /** Stop the timer and write what is left. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
