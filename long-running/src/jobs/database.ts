/**
 * The embedded job adapter: the `Jobs` interface in-process, persisted in the database (`jobs` and
 * `job_schedules`, `@enigma/db/repositories/jobs`), so `enigma start` finds its delayed slices after a
 * restart. Each processed queue has one loop that claims due jobs with a lease (`FOR UPDATE SKIP
 * LOCKED`), renews the lease while a handler runs, and sleeps until the next due time, at most
 * `pollMs`; an `add` in the same process wakes the loop at once. A job whose lease runs out (its
 * process died) is claimed again by whoever polls next: at-least-once, as BullMQ's stalled jobs.
 */
import { randomUUID } from 'node:crypto';
import type { EnigmaDb } from '@enigma/db';
import {
  cancelWaitingJob,
  claimJobs,
  completeJob,
  countJobs,
  deleteFinishedJobs,
  deleteJobSchedule,
  enqueueDueSchedules,
  failJobRun,
  getJob,
  insertJob,
  listJobs,
  nextJobDueAt,
  releaseJob,
  renewJobLease,
  retryFailedJob,
  type StoredJob,
  upsertJobSchedule,
} from '@enigma/db/repositories/jobs';
import type { Registry } from 'prom-client';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { jobMetrics } from './metrics.ts';
import type { JobHandler, JobInfo, JobOptions, JobState, Jobs, QueueCounts, RepeatOptions } from './types.ts';
import { JOB_STATES } from './types.ts';
import {
  assertConcurrency,
  assertJobId,
  assertName,
  assertQueue,
  assertRepeat,
  BACKOFF_JITTER,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  errorMessage,
  JobsError,
  jobOptions,
  KEEP_FINISHED_MS,
} from './validate.ts';

export interface DatabaseJobsOptions {
  db: EnigmaDb;
  log?: Logger;
  /** longest sleep between two looks at a queue (other processes' adds, expired leases); default 500 ms */
  pollMs?: number;
  /** how long a claimed job is held without renewal; renewed every third of it; default 30 s */
  leaseMs?: number;
  /** completed and failed jobs are deleted this long after they finished; default (and minimum use) 24 h */
  keepFinishedMs?: number;
  /** identifies this process's claims (logs, locked_by); default a random id */
  worker?: string;
  /** where the job metrics go; default prom-client's global registry */
  registry?: Registry;
}

/** A sleep that a wake-up (or the close) ends early; a wake-up while awake skips the next sleep. */
class Waker {
  woken = false;
  private resolve: (() => void) | null = null;
  constructor(private readonly signal: AbortSignal) {}
  wake(): void {
    this.woken = true;
    this.resolve?.();
  }
  sleep(ms: number): Promise<void> {
    if (this.woken || this.signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        this.resolve = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener('abort', done);
      this.resolve = done;
    });
  }
}

interface Loop {
  queue: string;
  wake: () => void;
  done: Promise<void>;
}

const toInfo = (j: StoredJob): JobInfo => ({
  queue: j.queue,
  name: j.name,
  id: j.jobId,
  data: j.data,
  state: j.state,
  attempts: j.attempts,
  runAt: j.runAt,
  error: j.error,
  updatedAt: j.updatedAt,
});

export function createDatabaseJobs(options: DatabaseJobsOptions): Jobs {
  const { db } = options;
  const log = options.log ?? createLogger({ name: 'jobs', pretty: false });
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const keepFinishedMs = options.keepFinishedMs ?? KEEP_FINISHED_MS;
  const worker = options.worker ?? `db-${randomUUID()}`;
  const metrics = jobMetrics(options.registry);
  const stop = new AbortController();
  const loops = new Map<string, Loop>();
  let lastSweep = 0;

  const open = () => {
    if (stop.signal.aborted) throw new JobsError('CLOSED', 'jobs adapter is closed');
  };
  const wake = (queue: string) => loops.get(queue)?.wake();

  async function runOne(
    queue: string,
    handler: JobHandler,
    job: { jobId: string; name: string; data: unknown; attempts: number; maxAttempts: number },
  ): Promise<void> {
    if (job.attempts > job.maxAttempts) {
      // taken over from a dead worker once too often: the dead-letter state, without another run
      metrics.runs.inc({ queue, outcome: 'failed' });
      await failJobRun(
        db,
        queue,
        job.jobId,
        worker,
        'job stalled (its worker was lost) and its attempts are used up',
      );
      return;
    }
    const renew = setInterval(
      () => {
        renewJobLease(db, queue, job.jobId, worker, leaseMs).then(
          (held) => {
            if (!held) log.warn({ queue, jobId: job.jobId }, 'job lease lost while running');
          },
          (err: unknown) => log.warn({ err, queue, jobId: job.jobId }, 'job lease renewal failed'),
        );
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    const timer = metrics.handlerSeconds.startTimer({ queue });
    try {
      await handler({
        queue,
        name: job.name,
        id: job.jobId,
        data: job.data,
        attempt: job.attempts,
        signal: stop.signal,
      });
      timer();
      clearInterval(renew);
      metrics.runs.inc({ queue, outcome: 'completed' });
      if (!(await completeJob(db, queue, job.jobId, worker))) {
        log.warn(
          { queue, jobId: job.jobId },
          'job finished after its lease was taken over or it was cancelled',
        );
      }
    } catch (error) {
      timer();
      clearInterval(renew);
      const message = errorMessage(error);
      if (stop.signal.aborted) {
        // stopped by the shutdown: run it again on the next start, not counted as a failure
        metrics.runs.inc({ queue, outcome: 'released' });
        await releaseJob(db, queue, job.jobId, worker);
        log.info({ queue, jobId: job.jobId, error: message }, 'job stopped by shutdown; released');
        return;
      }
      const jitter = 1 - BACKOFF_JITTER * Math.random();
      const outcome = await failJobRun(db, queue, job.jobId, worker, message, jitter);
      if (outcome) metrics.runs.inc({ queue, outcome });
      log[outcome === 'failed' ? 'error' : 'warn'](
        { queue, jobId: job.jobId, name: job.name, attempt: job.attempts, error: message, outcome },
        outcome === 'failed' ? 'job failed; attempts used up' : 'job run failed; retrying with backoff',
      );
    }
  }

  /** the queue's loop: claim what is due (up to `concurrency` running), then sleep until due or woken */
  async function loop(queue: string, handler: JobHandler, concurrency: number, waker: Waker): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!stop.signal.aborted) {
      waker.woken = false;
      try {
        if (Date.now() - lastSweep > 60_000) {
          lastSweep = Date.now();
          await deleteFinishedJobs(db, keepFinishedMs);
        }
        await enqueueDueSchedules(db, queue, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS);
        const free = concurrency - running.size;
        const claimed = free > 0 ? await claimJobs(db, queue, worker, free, leaseMs) : [];
        for (const job of claimed) {
          const p: Promise<void> = runOne(queue, handler, job)
            .catch((err: unknown) => log.error({ err, queue, jobId: job.jobId }, 'job bookkeeping failed'))
            .finally(() => {
              running.delete(p);
              waker.wake();
            });
          running.add(p);
        }
        if (claimed.length > 0 && claimed.length === free) continue;
        const next = running.size < concurrency ? await nextJobDueAt(db, queue) : null;
        const sleep = next === null ? pollMs : Math.max(0, Math.min(pollMs, next - Date.now() + 5));
        await waker.sleep(sleep);
      } catch (err) {
        if (stop.signal.aborted) break;
        log.warn({ err, queue }, 'job queue poll failed; retrying');
        await waker.sleep(pollMs);
      }
    }
    await Promise.allSettled([...running]);
  }

  return {
    kind: 'database',

    async add(queue, name, data, opts: JobOptions) {
      open();
      assertQueue(queue);
      assertName(name);
      const o = jobOptions(opts);
      const added = await insertJob(db, {
        queue,
        jobId: o.jobId,
        name,
        data,
        runAt: o.runAt,
        maxAttempts: o.attempts,
        backoffMs: o.backoffMs,
      });
      if (added) wake(queue);
      return { added };
    },

    async every(queue, name, data, opts: RepeatOptions) {
      open();
      assertQueue(queue);
      assertName(name);
      assertRepeat(opts);
      await upsertJobSchedule(db, { queue, key: opts.key, name, data, everyMs: opts.everyMs });
      wake(queue);
    },

    async unschedule(queue, key) {
      open();
      assertQueue(queue);
      return deleteJobSchedule(db, queue, key);
    },

    async process(queue, handler, opts = {}) {
      open();
      assertQueue(queue);
      const concurrency = assertConcurrency(opts.concurrency);
      if (loops.has(queue))
        throw new JobsError('INVALID_ARGUMENT', `queue "${queue}" is already processed here`);
      const waker = new Waker(stop.signal);
      loops.set(queue, { queue, wake: () => waker.wake(), done: loop(queue, handler, concurrency, waker) });
    },

    async list(queue, states: readonly JobState[] = JOB_STATES, limit = 100) {
      assertQueue(queue);
      return (await listJobs(db, queue, states, limit)).map(toInfo);
    },

    async get(queue, jobId) {
      assertQueue(queue);
      assertJobId(jobId);
      const job = await getJob(db, queue, jobId);
      return job ? toInfo(job) : null;
    },

    async queues(): Promise<QueueCounts[]> {
      return countJobs(db);
    },

    async retry(queue, jobId) {
      open();
      assertQueue(queue);
      assertJobId(jobId);
      const ok = await retryFailedJob(db, queue, jobId);
      if (ok) wake(queue);
      return ok;
    },

    async cancel(queue, jobId) {
      open();
      assertQueue(queue);
      assertJobId(jobId);
      return cancelWaitingJob(db, queue, jobId);
    },

    async close() {
      if (stop.signal.aborted) return;
      stop.abort();
      await Promise.all([...loops.values()].map((l) => l.done));
    },
  };
}
