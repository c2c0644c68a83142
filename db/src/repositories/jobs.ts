/**
 * The embedded job queue's storage (`schema/jobs.ts`), used by `long-running/src/jobs/database.ts`.
 * Every time comparison uses the database's clock (`now()`), so several processes agree on what is due.
 * Claims take rows `FOR UPDATE SKIP LOCKED` (PostgreSQL and PGlite), so two workers never run one job
 * at the same time unless its lease ran out (the holder is presumed dead: at-least-once).
 */
import { sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';

/** The states the adapter reports; `delayed` is a `waiting` row whose `run_at` is in the future. */
export type StoredJobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

export interface NewJob {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  /** epoch ms; null or absent: now */
  runAt?: number | null;
  maxAttempts: number;
  backoffMs: number;
}

export interface StoredJob {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  state: StoredJobState;
  attempts: number;
  maxAttempts: number;
  runAt: number | null;
  error: string | null;
  updatedAt: number;
}

/** A job a worker now holds: run it, then `completeJob` or `failJobRun` with the same worker token. */
export interface ClaimedJob {
  queue: string;
  jobId: string;
  name: string;
  data: unknown;
  /** this run's number (1 on the first) */
  attempts: number;
  maxAttempts: number;
}

interface Row {
  queue: string;
  job_id: string;
  name: string;
  data: unknown;
  state: StoredJobState;
  attempts: number | string;
  max_attempts: number | string;
  run_at_ms: number | string | null;
  error: string | null;
  updated_at_ms: number | string;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** the reported state of a row, `delayed` derived from `run_at` */
const shownState = sql.raw(`case when state = 'waiting' and run_at > now() then 'delayed' else state end`);
const selectList = sql`queue, job_id, name, data, ${shownState} as state, attempts, max_attempts,
  case when state in ('waiting') then extract(epoch from run_at) * 1000 end::float8 as run_at_ms,
  error, (extract(epoch from updated_at) * 1000)::float8 as updated_at_ms`;

function toJob(r: Row): StoredJob {
  return {
    queue: r.queue,
    jobId: r.job_id,
    name: r.name,
    data: json(r.data) ?? null,
    state: r.state,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    runAt: r.run_at_ms === null ? null : Math.round(Number(r.run_at_ms)),
    error: r.error,
    updatedAt: Math.round(Number(r.updated_at_ms)),
  };
}

const at = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? sql`now()` : sql`greatest(now(), to_timestamp(${ms / 1000}::float8))`;

/** Add a job; false (nothing changed) when its id exists in the queue, whatever its state. */
export async function insertJob(db: EnigmaDb, job: NewJob): Promise<boolean> {
  const rows = rowsOf<{ job_id: string }>(
    await db.execute(sql`insert into jobs (queue, job_id, name, data, max_attempts, backoff_ms, run_at)
      values (${job.queue}, ${job.jobId}, ${job.name}, ${JSON.stringify(job.data ?? null)}::jsonb,
        ${job.maxAttempts}, ${job.backoffMs}, ${at(job.runAt)})
      on conflict (queue, job_id) do nothing returning job_id`),
  );
  return rows.length === 1;
}

/**
 * Take up to `limit` due jobs of `queue` for `worker`, holding each for `leaseMs`: waiting jobs whose
 * time has come, and active jobs whose holder's lease ran out (a dead worker's). Each claim counts a run.
 */
export async function claimJobs(
  db: EnigmaDb,
  queue: string,
  worker: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedJob[]> {
  if (limit <= 0) return [];
  const rows = rowsOf<Row>(
    await db.execute(sql`update jobs j
      set state = 'active', attempts = j.attempts + 1, locked_by = ${worker},
        locked_until = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
      from (select queue, job_id from jobs
            where queue = ${queue}
              and ((state = 'waiting' and run_at <= now()) or (state = 'active' and locked_until <= now()))
            order by run_at, created_at, job_id
            limit ${limit} for update skip locked) due
      where j.queue = due.queue and j.job_id = due.job_id
      returning j.queue, j.job_id, j.name, j.data, j.state, j.attempts, j.max_attempts, j.run_at,
        null::float8 as run_at_ms, j.error, 0::float8 as updated_at_ms`),
  );
  return rows.map((r) => ({
    queue: r.queue,
    jobId: r.job_id,
    name: r.name,
    data: json(r.data) ?? null,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
  }));
}

/** Extend the lease of a job `worker` still holds; false when it lost it (taken over, cancelled). */
export async function renewJobLease(
  db: EnigmaDb,
  queue: string,
  jobId: string,
  worker: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`update jobs set locked_until = now() + make_interval(secs => ${leaseMs / 1000})
      where queue = ${queue} and job_id = ${jobId} and state = 'active' and locked_by = ${worker}
      returning job_id`),
  );
  return rows.length === 1;
}

/** The run succeeded; false (nothing changed) when `worker` no longer holds the job. */
export async function completeJob(
  db: EnigmaDb,
  queue: string,
  jobId: string,
  worker: string,
): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`update jobs set state = 'completed', locked_by = null, locked_until = null,
        finished_at = now(), updated_at = now()
      where queue = ${queue} and job_id = ${jobId} and state = 'active' and locked_by = ${worker}
      returning job_id`),
  );
  return rows.length === 1;
}

/**
 * The run failed with `error`: the job waits `backoff_ms × 2^(runs−1) × jitter` and runs again, or is
 * left `failed` once its runs are used up. Null when `worker` no longer holds the job.
 */
export async function failJobRun(
  db: EnigmaDb,
  queue: string,
  jobId: string,
  worker: string,
  error: string,
  jitter = 1,
): Promise<'retrying' | 'failed' | null> {
  const rows = rowsOf<{ state: string }>(
    await db.execute(sql`update jobs set
        state = case when attempts >= max_attempts then 'failed' else 'waiting' end,
        run_at = case when attempts >= max_attempts then run_at
          else now() + make_interval(secs => backoff_ms * power(2, attempts - 1) * ${jitter}::float8 / 1000) end,
        finished_at = case when attempts >= max_attempts then now() end,
        error = ${error.slice(0, 2000)}, locked_by = null, locked_until = null, updated_at = now()
      where queue = ${queue} and job_id = ${jobId} and state = 'active' and locked_by = ${worker}
      returning state`),
  );
  const state = rows[0]?.state;
  return state === undefined ? null : state === 'failed' ? 'failed' : 'retrying';
}

export async function getJob(db: EnigmaDb, queue: string, jobId: string): Promise<StoredJob | null> {
  const rows = rowsOf<Row>(
    await db.execute(sql`select ${selectList} from jobs where queue = ${queue} and job_id = ${jobId}`),
  );
  return rows[0] ? toJob(rows[0]) : null;
}

/** Jobs of a queue in the given (reported) states, oldest first. */
export async function listJobs(
  db: EnigmaDb,
  queue: string,
  states: readonly StoredJobState[],
  limit = 100,
): Promise<StoredJob[]> {
  if (states.length === 0) return [];
  const rows = rowsOf<Row>(
    await db.execute(sql`select * from (select ${selectList}, created_at from jobs where queue = ${queue}) j
      where state in (${sql.join(
        states.map((s) => sql`${s}`),
        sql`, `,
      )})
      order by created_at, job_id limit ${limit}`),
  );
  return rows.map(toJob);
}

/** Jobs per queue and reported state, for every queue that has a job or a schedule. */
export async function countJobs(
  db: EnigmaDb,
): Promise<{ queue: string; counts: Record<StoredJobState, number> }[]> {
  const rows = rowsOf<{ queue: string; state: StoredJobState | null; n: number | string }>(
    await db.execute(sql`select queue, ${shownState} as state, count(*)::int as n from jobs group by 1, 2
      union all select distinct queue, null, 0 from job_schedules
      order by 1`),
  );
  const out = new Map<string, Record<StoredJobState, number>>();
  for (const r of rows) {
    let counts = out.get(r.queue);
    if (!counts) {
      counts = { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
      out.set(r.queue, counts);
    }
    if (r.state) counts[r.state] += Number(r.n);
  }
  return [...out].map(([queue, counts]) => ({ queue, counts }));
}

/** A failed job made due again with its runs reset; false when it is not failed. */
export async function retryFailedJob(db: EnigmaDb, queue: string, jobId: string): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`update jobs set state = 'waiting', attempts = 0, run_at = now(), finished_at = null,
        updated_at = now()
      where queue = ${queue} and job_id = ${jobId} and state = 'failed' returning job_id`),
  );
  return rows.length === 1;
}

/** A waiting or delayed job removed; false when it is not waiting (running, finished or absent). */
export async function cancelWaitingJob(db: EnigmaDb, queue: string, jobId: string): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(
      sql`delete from jobs where queue = ${queue} and job_id = ${jobId} and state = 'waiting' returning job_id`,
    ),
  );
  return rows.length === 1;
}

/** Completed and failed jobs finished more than `olderThanMs` ago deleted; how many. */
export async function deleteFinishedJobs(db: EnigmaDb, olderThanMs: number): Promise<number> {
  const rows = rowsOf(
    await db.execute(sql`delete from jobs where state in ('completed', 'failed')
      and finished_at < now() - make_interval(secs => ${olderThanMs / 1000}) returning job_id`),
  );
  return rows.length;
}

/** Register (or replace) a repeatable schedule; its first run is due at once. */
export async function upsertJobSchedule(
  db: EnigmaDb,
  s: { queue: string; key: string; name: string; data: unknown; everyMs: number },
): Promise<void> {
  await db.execute(sql`insert into job_schedules (queue, key, name, data, every_ms, next_run_at)
    values (${s.queue}, ${s.key}, ${s.name}, ${JSON.stringify(s.data ?? null)}::jsonb, ${s.everyMs}, now())
    on conflict (queue, key) do update set name = excluded.name, data = excluded.data,
      every_ms = excluded.every_ms,
      next_run_at = case when job_schedules.every_ms = excluded.every_ms then job_schedules.next_run_at
        else now() end,
      updated_at = now()`);
}

export async function deleteJobSchedule(db: EnigmaDb, queue: string, key: string): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`delete from job_schedules where queue = ${queue} and key = ${key} returning key`),
  );
  return rows.length === 1;
}

/**
 * Add the current period's job of every due schedule of `queue` (id `<key>:<period start ms>`, the
 * period being `every_ms` aligned to the epoch) and move each schedule to its next period, in one
 * statement: two processes never add a period twice, and a period missed while nothing ran is skipped
 * (only the current one runs). The ids of the jobs added.
 */
export async function enqueueDueSchedules(
  db: EnigmaDb,
  queue: string,
  maxAttempts: number,
  backoffMs: number,
): Promise<string[]> {
  const rows = rowsOf<{ job_id: string }>(
    await db.execute(sql`with due as (
        update job_schedules s set
          next_run_at = to_timestamp((p.start + s.every_ms) / 1000.0), updated_at = now()
        from (select queue, key,
                (floor(extract(epoch from now()) * 1000 / every_ms) * every_ms)::bigint as start
              from job_schedules where queue = ${queue} and next_run_at <= now()
              for update skip locked) p
        where s.queue = p.queue and s.key = p.key
        returning s.queue, s.key, s.name, s.data, p.start)
      insert into jobs (queue, job_id, name, data, max_attempts, backoff_ms, run_at)
      select queue, key || ':' || start::text, name, data, ${maxAttempts}, ${backoffMs}, now() from due
      on conflict (queue, job_id) do nothing
      returning job_id`),
  );
  return rows.map((r) => r.job_id);
}

/** When the queue's next job or schedule is due (epoch ms), for the poller's sleep; null: nothing. */
export async function nextJobDueAt(db: EnigmaDb, queue: string): Promise<number | null> {
  const [r] = rowsOf<{ at: number | string | null }>(
    await db.execute(sql`select (extract(epoch from least(
        (select min(run_at) from jobs where queue = ${queue} and state = 'waiting'),
        (select min(locked_until) from jobs where queue = ${queue} and state = 'active'),
        (select min(next_run_at) from job_schedules where queue = ${queue}))) * 1000)::float8 as at`),
  );
  return r?.at === null || r?.at === undefined ? null : Number(r.at);
}

/**
 * The holder gives a job back without a verdict (its process is shutting down): due again at once, this
 * run not counted. False when `worker` no longer holds it.
 */
export async function releaseJob(
  db: EnigmaDb,
  queue: string,
  jobId: string,
  worker: string,
): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`update jobs set state = 'waiting', attempts = greatest(attempts - 1, 0), run_at = now(),
        locked_by = null, locked_until = null, updated_at = now()
      where queue = ${queue} and job_id = ${jobId} and state = 'active' and locked_by = ${worker}
      returning job_id`),
  );
  return rows.length === 1;
}
