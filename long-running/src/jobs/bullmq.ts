/**
 * The `Jobs` interface on BullMQ (`REDIS_URL`). Keys live under `<REDIS_KEY_PREFIX>jobs:<queue>:…`, so
 * deployments and test runs sharing a Redis never see each other's queues.
 *
 * Deviations from BullMQ's own behaviour, kept so both adapters pass one contract (`contract.ts`):
 * - job ids: BullMQ refuses ':' and integer-looking custom ids, so ids are escaped (`%`→`%25`,
 *   `:`→`%3A`, an integer-looking id gets a `%I` prefix) and unescaped on the way out. Ids of runs
 *   created by a repeat schedule are BullMQ's own (`repeat:<key>:<period ms>`) and shown as they are.
 * - `add` reports `{ added: false }` for an existing id: BullMQ's add silently returns the existing
 *   job, so each add first takes a marker (`SET NX`, kept as long as the job is kept) and checks the job.
 * - a handler that throws after `close()` signalled it puts its job back in `waiting` (not a failure);
 *   the job's run count (`attempts`) still counts that run, where the database adapter does not.
 * - a job whose worker died is redelivered by BullMQ's stalled-job check; after `maxStalledCount`
 *   stalls it is failed (BullMQ counts stalls separately from `attempts`).
 */
import { type Job, Queue, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
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
  JobsError,
  jobOptions,
  KEEP_FINISHED_MS,
} from './validate.ts';

export interface BullMqJobsOptions {
  /** `redis://…` (REDIS_URL) */
  url: string;
  /** REDIS_KEY_PREFIX: queues live under `<prefix>jobs:` */
  prefix?: string;
  log?: Logger;
  /** how long a running job's lock lasts without renewal (BullMQ renews it at half); default 30 s */
  lockDurationMs?: number;
  /** how often workers look for stalled jobs (a dead worker's); default 30 s */
  stalledIntervalMs?: number;
  /** stalls before a job is failed; default 2 */
  maxStalledCount?: number;
  /** completed and failed jobs kept at least this long; default 24 h */
  keepFinishedMs?: number;
  /** where the job metrics go; default prom-client's global registry */
  registry?: Registry;
}

/** BullMQ's id for ours (see the module comment). */
export function encodeJobId(id: string): string {
  if (/^repeat:[^:]*:\d+$/.test(id)) return id;
  const escaped = id.replaceAll('%', '%25').replaceAll(':', '%3A');
  return `${Number.parseInt(escaped, 10)}` === escaped ? `%I${escaped}` : escaped;
}

/** Our id for BullMQ's. */
export function decodeJobId(id: string): string {
  if (id.includes(':')) return id;
  const body = id.startsWith('%I') ? id.slice(2) : id;
  return body.replace(/%3A|%25/g, (m) => (m === '%3A' ? ':' : '%'));
}

const STATE_OF: Record<string, JobState> = {
  waiting: 'waiting',
  prioritized: 'waiting',
  paused: 'waiting',
  'waiting-children': 'waiting',
  delayed: 'delayed',
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

export function createBullMqJobs(options: BullMqJobsOptions): Jobs {
  const log = options.log ?? createLogger({ name: 'jobs', pretty: false });
  const bullPrefix = `${options.prefix ?? ''}jobs`;
  const knownQueuesKey = `${bullPrefix}::queues`;
  const keepMs = options.keepFinishedMs ?? KEEP_FINISHED_MS;
  const keep = { age: Math.ceil(keepMs / 1000) };
  const stop = new AbortController();
  const metrics = jobMetrics(options.registry);
  const conn = new Redis(options.url, { maxRetriesPerRequest: null });
  conn.on('error', (err: Error) => {
    if (!stop.signal.aborted) log.warn({ err }, 'jobs Redis connection error (reconnecting)');
  });
  const queues = new Map<string, Queue>();
  const workers = new Map<string, Worker>();

  const open = () => {
    if (stop.signal.aborted) throw new JobsError('CLOSED', 'jobs adapter is closed');
  };
  const markerKey = (queue: string, id: string) => `${bullPrefix}::added:${queue}:${id}`;

  async function queueOf(name: string): Promise<Queue> {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: conn, prefix: bullPrefix });
      q.on('error', (err: Error) => log.warn({ err, queue: name }, 'jobs queue error'));
      queues.set(name, q);
      await conn.sadd(knownQueuesKey, name);
    }
    return q;
  }

  const jobOpts = (attempts: number, backoffMs: number) => ({
    attempts,
    backoff: { type: 'exponential' as const, delay: backoffMs, jitter: BACKOFF_JITTER },
    removeOnComplete: keep,
    removeOnFail: keep,
  });

  async function runAtOf(queue: string, jobIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (jobIds.length === 0) return out;
    const pipe = conn.pipeline();
    for (const id of jobIds) pipe.zscore(`${bullPrefix}:${queue}:delayed`, id);
    const res = (await pipe.exec()) ?? [];
    jobIds.forEach((id, i) => {
      const score = res[i]?.[1];
      // BullMQ's delayed score: run time (ms) × 4096 + a counter
      if (score !== null && score !== undefined) out.set(id, Math.floor(Number(score) / 4096));
    });
    return out;
  }

  function toInfo(queue: string, job: Job, state: JobState, runAt: number | undefined): JobInfo {
    return {
      queue,
      name: job.name,
      id: decodeJobId(job.id ?? ''),
      data: job.data ?? null,
      state,
      attempts: job.attemptsStarted ?? 0,
      runAt:
        state === 'delayed'
          ? (runAt ?? job.timestamp + job.delay)
          : state === 'waiting'
            ? job.timestamp
            : null,
      error: job.failedReason || null,
      updatedAt: job.finishedOn ?? job.processedOn ?? job.timestamp,
    };
  }

  return {
    kind: 'bullmq',

    async add(queue, name, data, opts: JobOptions) {
      open();
      assertQueue(queue);
      assertName(name);
      const o = jobOptions(opts);
      const id = encodeJobId(o.jobId);
      const q = await queueOf(queue);
      const ttl = (o.runAt === null ? 0 : Math.max(0, o.runAt - Date.now())) + keepMs + 3600_000;
      if ((await conn.set(markerKey(queue, id), '1', 'PX', ttl, 'NX')) !== 'OK') return { added: false };
      if (await q.getJob(id)) return { added: false }; // the marker had expired, the job had not
      // BullMQ runs a delayed job at its creation time + delay: both from one clock reading, so it runs at
      // `runAt` itself, not at `runAt` + the round trips between the reading and the job's creation.
      const now = Date.now();
      const delay = o.runAt === null ? 0 : Math.max(0, Math.round(o.runAt - now));
      await q.add(name, data, { jobId: id, delay, timestamp: now, ...jobOpts(o.attempts, o.backoffMs) });
      return { added: true };
    },

    async every(queue, name, data, opts: RepeatOptions) {
      open();
      assertQueue(queue);
      assertName(name);
      assertRepeat(opts);
      const q = await queueOf(queue);
      await q.upsertJobScheduler(
        encodeJobId(opts.key).replaceAll('%', '_'),
        { every: opts.everyMs },
        { name, data, opts: jobOpts(DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS) },
      );
    },

    async unschedule(queue, key) {
      open();
      assertQueue(queue);
      const q = await queueOf(queue);
      return q.removeJobScheduler(encodeJobId(key).replaceAll('%', '_'));
    },

    async process(queue, handler: JobHandler, opts = {}) {
      open();
      assertQueue(queue);
      const concurrency = assertConcurrency(opts.concurrency);
      if (workers.has(queue))
        throw new JobsError('INVALID_ARGUMENT', `queue "${queue}" is already processed here`);
      await queueOf(queue);
      const worker = new Worker(
        queue,
        async (job: Job, token?: string) => {
          const timer = metrics.handlerSeconds.startTimer({ queue });
          try {
            await handler({
              queue,
              name: job.name,
              id: decodeJobId(job.id ?? ''),
              data: job.data,
              attempt: job.attemptsStarted,
              signal: stop.signal,
            });
            timer();
            metrics.runs.inc({ queue, outcome: 'completed' });
          } catch (error) {
            timer();
            if (stop.signal.aborted && token) {
              // stopped by the shutdown: back to waiting, to run on the next start
              metrics.runs.inc({ queue, outcome: 'released' });
              await job.moveToWait(token);
              throw new WaitingError();
            }
            const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
            metrics.runs.inc({ queue, outcome: last ? 'failed' : 'retrying' });
            throw error;
          }
        },
        {
          connection: conn,
          prefix: bullPrefix,
          concurrency,
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
          maxStalledCount: options.maxStalledCount ?? 2,
        },
      );
      worker.on('error', (err: Error) => {
        if (!stop.signal.aborted) log.warn({ err, queue }, 'jobs worker error');
      });
      worker.on('failed', (job, err) => {
        if (!job || err instanceof WaitingError) return;
        const done = job.attemptsMade >= (job.opts.attempts ?? 1);
        log[done ? 'error' : 'warn'](
          {
            queue,
            jobId: decodeJobId(job.id ?? ''),
            name: job.name,
            attempt: job.attemptsStarted,
            error: err.message,
          },
          done ? 'job failed; attempts used up' : 'job run failed; retrying with backoff',
        );
      });
      workers.set(queue, worker);
    },

    async list(queue, states: readonly JobState[] = JOB_STATES, limit = 100) {
      assertQueue(queue);
      const q = await queueOf(queue);
      const out: JobInfo[] = [];
      for (const state of states) {
        const types = state === 'waiting' ? (['waiting', 'prioritized'] as const) : ([state] as const);
        const found = (await q.getJobs([...types], 0, limit - 1, true)).filter((j): j is Job => Boolean(j));
        const runAts =
          state === 'delayed'
            ? await runAtOf(
                queue,
                found.map((j) => j.id ?? ''),
              )
            : new Map();
        for (const job of found) out.push(toInfo(queue, job, state, runAts.get(job.id ?? '')));
      }
      return out.sort((a, b) => a.updatedAt - b.updatedAt).slice(0, limit);
    },

    async get(queue, jobId) {
      assertQueue(queue);
      assertJobId(jobId);
      const q = await queueOf(queue);
      const id = encodeJobId(jobId);
      const job = await q.getJob(id);
      if (!job) return null;
      const state = STATE_OF[await job.getState()];
      if (!state) return null;
      const runAt = state === 'delayed' ? (await runAtOf(queue, [id])).get(id) : undefined;
      return toInfo(queue, job, state, runAt);
    },

    async queues(): Promise<QueueCounts[]> {
      const names = (await conn.smembers(knownQueuesKey)).sort();
      const out: QueueCounts[] = [];
      for (const name of names) {
        const q = await queueOf(name);
        const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
        out.push({
          queue: name,
          counts: {
            waiting: (c['waiting'] ?? 0) + (c['prioritized'] ?? 0),
            delayed: c['delayed'] ?? 0,
            active: c['active'] ?? 0,
            completed: c['completed'] ?? 0,
            failed: c['failed'] ?? 0,
          },
        });
      }
      return out;
    },

    async retry(queue, jobId) {
      open();
      assertQueue(queue);
      assertJobId(jobId);
      const q = await queueOf(queue);
      const job = await q.getJob(encodeJobId(jobId));
      if (!job || (await job.getState()) !== 'failed') return false;
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return true;
      } catch (err) {
        log.info({ err, queue, jobId }, 'job retry refused');
        return false;
      }
    },

    async cancel(queue, jobId) {
      open();
      assertQueue(queue);
      assertJobId(jobId);
      const q = await queueOf(queue);
      const id = encodeJobId(jobId);
      const job = await q.getJob(id);
      if (!job) return false;
      const state = STATE_OF[await job.getState()];
      if (state !== 'waiting' && state !== 'delayed') return false;
      try {
        await job.remove();
      } catch (err) {
        // locked: a worker took it in between
        log.info({ err, queue, jobId }, 'job cancel refused');
        return false;
      }
      await conn.del(markerKey(queue, id));
      return true;
    },

    async close() {
      if (stop.signal.aborted) return;
      stop.abort();
      await Promise.all([...workers.values()].map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await conn.quit().catch(() => {});
    },
  };
}
