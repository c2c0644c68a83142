/**
 * The "worker killed mid-job" scenario both adapters pass: a child process (stalled-child.ts) takes a
 * job, does its side effect and is SIGKILLed before it finishes; a worker started afterwards (as after
 * a restart) gets the job again, and the idempotent side effect happens once: runs = 2, effects = 1.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate, openDatabase } from '@enigma/db';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { waitFor } from '../../testing/wait-for.ts';
import { createBullMqJobs } from '../bullmq.ts';
import { createDatabaseJobs } from '../database.ts';
import type { JobRun, Jobs } from '../types.ts';

export interface StalledChildConfig {
  kind: 'bullmq' | 'pg' | 'pglite';
  redisUrl: string;
  /** Redis key prefix of the effect counters (and of the BullMQ queues) */
  prefix: string;
  dbUrl?: string;
  dataDir?: string;
  queue: string;
  jobId: string;
}

/** short locks and leases, so the dead worker's job is taken over quickly */
export async function openStalledJobs(
  config: StalledChildConfig,
  log: Logger,
): Promise<{ jobs: Jobs; redis: Redis; close(): Promise<void> }> {
  const redis = new Redis(config.redisUrl);
  if (config.kind === 'bullmq') {
    const jobs = createBullMqJobs({
      url: config.redisUrl,
      prefix: config.prefix,
      log,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
    });
    return {
      jobs,
      redis,
      close: async () => {
        await jobs.close();
        await redis.quit();
      },
    };
  }
  const handle = await openDatabase(
    config.kind === 'pg' ? { kind: 'pg', url: config.dbUrl! } : { kind: 'pglite', dataDir: config.dataDir! },
  );
  await migrate(handle);
  const jobs = createDatabaseJobs({ db: handle.db, log, leaseMs: 1000, pollMs: 100 });
  return {
    jobs,
    redis,
    close: async () => {
      await jobs.close();
      await handle.close();
      await redis.quit();
    },
  };
}

/**
 * The job's side effect, idempotent by job id (SET NX), and a counter of runs: a second run of the
 * same job counts a run and changes nothing else.
 */
export function effectHandler(redis: Redis, prefix: string) {
  return async (run: JobRun) => {
    await redis.incr(`${prefix}runs:${run.id}`);
    if ((await redis.set(`${prefix}effect:${run.id}`, JSON.stringify(run.data), 'NX')) === 'OK') {
      await redis.incr(`${prefix}effects:${run.id}`);
    }
  };
}

export interface StalledOutcome {
  firstAttempt: number;
  secondAttempt: number;
  runs: number;
  effects: number;
  state: string | undefined;
}

export async function killWorkerMidJob(config: StalledChildConfig, log: Logger): Promise<StalledOutcome> {
  const child = fork(
    fileURLToPath(new URL('./stalled-child.ts', import.meta.url)),
    [JSON.stringify(config)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const report = await new Promise<{ inJob: string; attempt: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
    });
    child.on('exit', (code) => reject(new Error(`stalled child exited early with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;

  const { jobs, redis, close } = await openStalledJobs(config, log);
  try {
    const handler = effectHandler(redis, config.prefix);
    let secondAttempt = 0;
    await jobs.process(config.queue, async (run) => {
      secondAttempt = run.attempt;
      await handler(run);
    });
    await waitFor(
      async () => (await jobs.get(config.queue, config.jobId))?.state === 'completed',
      20_000,
      'the job to be redelivered and completed',
    );
    return {
      firstAttempt: report.attempt,
      secondAttempt,
      runs: Number(await redis.get(`${config.prefix}runs:${config.jobId}`)),
      effects: Number(await redis.get(`${config.prefix}effects:${config.jobId}`)),
      state: (await jobs.get(config.queue, config.jobId))?.state,
    };
  } finally {
    await close();
  }
}
