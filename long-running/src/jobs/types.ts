/**
 * Scheduled and delayed work that must survive restarts: router slices (TWAP, iceberg, chase steps),
 * periodic reconciliation, funding-ledger sync, the daily report. One interface, two adapters that pass
 * one contract suite (`contract.ts`), as the bus's adapters do:
 *
 * - BullMQ on Redis (`REDIS_URL`): queues with delayed and repeatable jobs, stalled-job redelivery;
 * - the embedded default: the same semantics in-process, persisted in the database (`jobs` table), so a
 *   restart of `enigma start` finds its delayed slices and runs them.
 *
 * Delivery is at least once: a job whose worker died mid-run is run again. Handlers are idempotent
 * (router slices derive their clientOid from the intent and the slice index, so a second run finds the
 * order instead of sending it again).
 */

export const JOB_STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobOptions {
  /**
   * The job's identity within its queue. Adding a job whose id exists in any state (waiting, delayed,
   * active, completed, failed) adds nothing: `{ added: false }`. Completed and failed jobs are kept at
   * least 24 h, so a late duplicate add within that time is still refused.
   */
  jobId: string;
  /** not run before this time (epoch ms); absent: as soon as possible */
  runAt?: number;
  /** runs before the job is left `failed` (the dead-letter state); default 5 */
  attempts?: number;
  /** first retry delay; each retry doubles it (with the adapter's jitter); default 1000 ms */
  backoffMs?: number;
}

export interface RepeatOptions {
  /** the schedule's identity in its queue: registering it again replaces, never duplicates, it */
  key: string;
  /** one run per period; the period's start is part of each run's job id, so a period runs once */
  everyMs: number;
}

/** One run of a job, as its handler sees it. */
export interface JobRun<T = unknown> {
  queue: string;
  name: string;
  id: string;
  data: T;
  /** 1 on the first run; counts redeliveries after a crash and retries after a failure */
  attempt: number;
  /** aborted when the adapter closes (shutdown): the handler should stop at its next safe point */
  signal: AbortSignal;
}

export type JobHandler<T = unknown> = (run: JobRun<T>) => Promise<void>;

export interface JobInfo {
  queue: string;
  name: string;
  id: string;
  data: unknown;
  state: JobState;
  /** runs so far */
  attempts: number;
  /** when it runs next (delayed, waiting after a backoff), epoch ms */
  runAt: number | null;
  /** the last failure's message */
  error: string | null;
  updatedAt: number;
}

export interface QueueCounts {
  queue: string;
  counts: Record<JobState, number>;
}

export interface Jobs {
  /** which adapter: `bullmq` or `database` */
  readonly kind: 'bullmq' | 'database';
  add<T>(queue: string, name: string, data: T, opts: JobOptions): Promise<{ added: boolean }>;
  /** a repeatable job (`name` run every `everyMs` with `data`) */
  every<T>(queue: string, name: string, data: T, opts: RepeatOptions): Promise<void>;
  /** stop a repeatable schedule (runs already added stay) */
  unschedule(queue: string, key: string): Promise<boolean>;
  /**
   * Run the queue's jobs with `handler` (`concurrency` at once, default 1). A handler that throws fails
   * that run: it is retried with backoff until its attempts are used up, then left `failed`.
   */
  process(queue: string, handler: JobHandler, opts?: { concurrency?: number }): Promise<void>;
  list(queue: string, states?: readonly JobState[], limit?: number): Promise<JobInfo[]>;
  get(queue: string, jobId: string): Promise<JobInfo | null>;
  queues(): Promise<QueueCounts[]>;
  /** a failed job run again (attempts reset); false when there is no such failed job */
  retry(queue: string, jobId: string): Promise<boolean>;
  /** a waiting or delayed job removed; false when it is not waiting or delayed */
  cancel(queue: string, jobId: string): Promise<boolean>;
  /** stop processing (running handlers are signalled and awaited) and release connections */
  close(): Promise<void>;
}
