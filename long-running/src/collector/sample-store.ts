import {
  type EnigmaDb,
  type FundingRateKind,
  type FundingRateRow,
  type MarkSampleRow,
  toFundingRateRow,
  toMarkSampleRow,
  upsertFundingRates,
  upsertMarkSamples,
} from '@enigma/db';
import pino, { type Logger } from 'pino';
import type { MarketSampleSink } from './collector.ts';
import type { CollectorMetrics } from './metrics.ts';

/** Persistence of mark samples and funding rates as the writer sees it (both upserts are idempotent). */
export interface SampleStore {
  upsertMarks(rows: readonly MarkSampleRow[]): Promise<void>;
  upsertFunding(rows: readonly FundingRateRow[]): Promise<void>;
}

/** The SampleStore over `mark_price_samples` and `funding_rates` (repository functions of @enigma/db). */
export function dbSampleStore(db: EnigmaDb): SampleStore {
  return {
    async upsertMarks(rows) {
      await upsertMarkSamples(db, rows);
    },
    async upsertFunding(rows) {
      await upsertFundingRates(db, rows);
    },
  };
}

/**
 * KuCoin's `funding.rate` push carries granularity 60000 for the predicted rate and the funding interval
 * (e.g. 28800000) for the current cycle's actual rate; neither is a settlement, so both stay apart from
 * the settled history.
 */
export function fundingKindOfPush(granularityMs: number): FundingRateKind {
  return granularityMs === 60_000 ? 'predicted' : 'current';
}

export interface SampleWriterOptions {
  /** Flush when this many rows of one kind are queued (default 500). */
  maxBatch?: number;
  /** Flush at least this often while rows are queued (default 5000 ms). */
  flushEveryMs?: number;
  /**
   * Rows kept per kind while the database is failing (default 10,000, about a week of minute samples for
   * one symbol); beyond it the oldest are dropped and counted, so an outage cannot exhaust memory.
   */
  maxQueue?: number;
  logger?: Logger;
  metrics?: Pick<CollectorMetrics, 'samplesStored' | 'sampleWriteFailures' | 'samplesDropped'>;
}

type Kind = 'mark' | 'funding';

/**
 * The collector's `MarketSampleSink` on a database: samples are validated on arrival (a bad one is
 * logged, counted and dropped), queued, and written in batches, one write at a time. A failed write is
 * logged and counted and its rows stay queued for the next flush; nothing here ever throws into the
 * collector.
 *
 * @example
 * const samples = new BatchedSampleWriter(dbSampleStore(db), { logger, metrics: collectorMetrics(registry) });
 * new Collector({ ...opts, samples });
 * await samples.close(); // on shutdown, after the collector stopped
 */
export class BatchedSampleWriter implements MarketSampleSink {
  private marks: MarkSampleRow[] = [];
  private funding: FundingRateRow[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly log: Logger;
  /** Failed batch writes so far (also the `sample_write_failures_total` metric). */
  failures = 0;

  constructor(
    private readonly store: SampleStore,
    private readonly options: SampleWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxQueue = Math.max(options.maxQueue ?? 10_000, this.maxBatch);
    this.log = options.logger ?? pino({ level: 'silent' });
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 5_000);
    this.timer.unref();
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.marks.length + this.funding.length;
  }

  markSample(s: Parameters<MarketSampleSink['markSample']>[0]): void {
    const row = this.validated('mark', s.symbol, () =>
      toMarkSampleRow({
        symbol: s.symbol,
        ts: new Date(s.time),
        markPrice: s.markPrice,
        indexPrice: s.indexPrice,
      }),
    );
    if (row) this.enqueue('mark', row);
  }

  fundingRate(f: Parameters<MarketSampleSink['fundingRate']>[0]): void {
    const row = this.validated('funding', f.symbol, () =>
      toFundingRateRow({
        symbol: f.symbol,
        kind: fundingKindOfPush(f.granularityMs),
        fundingTime: new Date(f.time),
        rate: f.rate,
        granularityMs: f.granularityMs,
      }),
    );
    if (row) this.enqueue('funding', row);
  }

  /** Write everything queued (after a write in progress). Never rejects: failures are logged and counted. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending === 0) return;
    const marks = this.marks;
    const funding = this.funding;
    this.marks = [];
    this.funding = [];
    this.writing = (async () => {
      if (marks.length > 0 && !(await this.write('mark', marks, () => this.store.upsertMarks(marks))))
        this.marks = this.bounded('mark', marks.concat(this.marks));
      if (
        funding.length > 0 &&
        !(await this.write('funding', funding, () => this.store.upsertFunding(funding)))
      )
        this.funding = this.bounded('funding', funding.concat(this.funding));
    })().finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  /** Stop the timer and make a last attempt to write what is queued. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private validated<R>(kind: Kind, symbol: string, make: () => R): R | undefined {
    try {
      return make();
    } catch (error) {
      this.options.metrics?.samplesDropped.inc({ kind, reason: 'invalid' });
      this.log.warn({ err: error, kind, symbol }, 'rejected a market sample');
      return undefined;
    }
  }

  private enqueue(kind: 'mark', row: MarkSampleRow): void;
  private enqueue(kind: 'funding', row: FundingRateRow): void;
  private enqueue(kind: Kind, row: MarkSampleRow | FundingRateRow): void {
    if (kind === 'mark') {
      this.marks.push(row as MarkSampleRow);
      this.marks = this.bounded(kind, this.marks);
    } else {
      this.funding.push(row as FundingRateRow);
      this.funding = this.bounded(kind, this.funding);
    }
    if ((kind === 'mark' ? this.marks : this.funding).length >= this.maxBatch) void this.flush();
  }

  private bounded<R>(kind: Kind, rows: R[]): R[] {
    const excess = rows.length - this.maxQueue;
    if (excess <= 0) return rows;
    this.options.metrics?.samplesDropped.inc({ kind, reason: 'queue_full' }, excess);
    return rows.slice(excess);
  }

  private async write(kind: Kind, rows: readonly unknown[], run: () => Promise<void>): Promise<boolean> {
    try {
      await run();
      this.options.metrics?.samplesStored.inc({ kind }, rows.length);
      return true;
    } catch (error) {
      this.failures++;
      this.options.metrics?.sampleWriteFailures.inc({ kind });
      this.log.warn({ err: error, kind, rows: rows.length }, 'market sample write failed; will retry');
      return false;
    }
  }
}
