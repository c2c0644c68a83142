import type { JobOptions, RepeatOptions } from './types.ts';

export type JobsErrorCode = 'INVALID_ARGUMENT' | 'CLOSED';

/** A refused call (bad argument, closed adapter); nothing was changed. */
export class JobsError extends Error {
  constructor(
    readonly code: JobsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JobsError';
  }
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1000;
/** completed and failed jobs are kept at least this long (a late duplicate add is still refused) */
export const KEEP_FINISHED_MS = 24 * 3600_000;
/** retry delays are `backoff × 2^(run−1)` scaled by a random factor in [1 − JITTER, 1] */
export const BACKOFF_JITTER = 0.2;

/** Queue names: BullMQ forbids ':' in them (its key separator); both adapters refuse it alike. */
export function assertQueue(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || queue.length === 0 || queue.length > 100 || queue.includes(':')) {
    throw new JobsError(
      'INVALID_ARGUMENT',
      'queue must be a non-empty string without ":" (at most 100 chars)',
    );
  }
}

function assertText(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 500) {
    throw new JobsError('INVALID_ARGUMENT', `${field} must be a non-empty string (at most 500 chars)`);
  }
}

export function assertName(name: unknown): asserts name is string {
  assertText('name', name);
}

export function assertJobId(jobId: unknown): asserts jobId is string {
  assertText('jobId', jobId);
}

function assertInt(field: string, value: unknown, min: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) {
    throw new JobsError('INVALID_ARGUMENT', `${field} must be an integer >= ${min}`);
  }
}

/** The job's options with their defaults, or JobsError('INVALID_ARGUMENT') naming the field. */
export function jobOptions(opts: JobOptions): Required<Omit<JobOptions, 'runAt'>> & { runAt: number | null } {
  if (typeof opts !== 'object' || opts === null)
    throw new JobsError('INVALID_ARGUMENT', 'opts must be an object');
  assertJobId(opts.jobId);
  if (opts.runAt !== undefined && !Number.isFinite(opts.runAt)) {
    throw new JobsError('INVALID_ARGUMENT', 'runAt must be a finite epoch ms');
  }
  assertInt('attempts', opts.attempts, 1);
  assertInt('backoffMs', opts.backoffMs, 0);
  return {
    jobId: opts.jobId,
    runAt: opts.runAt ?? null,
    attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
    backoffMs: opts.backoffMs ?? DEFAULT_BACKOFF_MS,
  };
}

export function assertRepeat(opts: RepeatOptions): void {
  if (typeof opts !== 'object' || opts === null)
    throw new JobsError('INVALID_ARGUMENT', 'opts must be an object');
  assertText('key', opts.key);
  assertInt('everyMs', opts.everyMs, 1);
  if (opts.everyMs === undefined) throw new JobsError('INVALID_ARGUMENT', 'everyMs must be an integer >= 1');
}

export function assertConcurrency(concurrency: unknown): number {
  assertInt('concurrency', concurrency, 1);
  return (concurrency as number | undefined) ?? 1;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
