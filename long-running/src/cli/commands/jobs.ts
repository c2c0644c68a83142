import { loadEnv } from '../../env.ts';
import { createBullMqJobs } from '../../jobs/bullmq.ts';
import { createDatabaseJobs } from '../../jobs/database.ts';
import type { JobInfo, Jobs } from '../../jobs/types.ts';
import { createLogger } from '../../runtime/logger.ts';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

/** The router's queue: its active and delayed jobs are the running algorithms (TWAP/iceberg slices, chase steps). */
export const ROUTER_QUEUE = 'router';

const USAGE = [
  'usage: enigma jobs                       queues with counts, running algorithms, failed jobs',
  '       enigma jobs retry <queue> <id>    run a failed job again (its attempts reset)',
  '       enigma jobs cancel <queue> <id>   remove a waiting or delayed job',
  'options: --json, --limit N (failed jobs listed per queue, default 20).',
  'REDIS_URL → the BullMQ queues (under REDIS_KEY_PREFIX); else the jobs table of DATABASE_URL or of the',
  'embedded PGlite under ENIGMA_DATA_DIR (stop `enigma start` first: PGlite has one user at a time).',
].join('\n');

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/**
 * The `enigma jobs` sub-commands against any jobs adapter; `write` receives each output line.
 * Returns the exit code (0 done, 1 refused: no such failed/waiting job, 2 usage).
 */
export async function runJobsCommand(
  jobs: Jobs,
  positionals: string[],
  values: Values,
  write: (line: string) => void,
): Promise<number> {
  const json = Boolean(values['json']);
  const [action, queue, id, ...extra] = positionals;
  if (action === undefined) {
    const limitRaw = values['limit'];
    const limit = limitRaw === undefined ? 20 : Number(limitRaw);
    if (!Number.isSafeInteger(limit) || limit < 1) {
      write('--limit must be an integer >= 1');
      return 2;
    }
    const queues = await jobs.queues();
    const algorithms = queues.some((q) => q.queue === ROUTER_QUEUE)
      ? await jobs.list(ROUTER_QUEUE, ['active', 'delayed'], 1000)
      : [];
    const failed: JobInfo[] = [];
    for (const q of queues)
      if (q.counts.failed > 0) failed.push(...(await jobs.list(q.queue, ['failed'], limit)));
    if (json) {
      write(JSON.stringify({ adapter: jobs.kind, queues, algorithms, failed }));
      return 0;
    }
    write(`jobs (${jobs.kind})`);
    write(queues.length ? 'queue            waiting  delayed   active completed   failed' : 'no queues');
    for (const q of queues) {
      const c = q.counts;
      write(
        `${q.queue.padEnd(16)} ${[c.waiting, c.delayed, c.active, c.completed, c.failed].map((n) => String(n).padStart(8)).join(' ')}`,
      );
    }
    write(`running algorithms (${ROUTER_QUEUE}: active or delayed): ${algorithms.length}`);
    for (const j of algorithms) {
      write(
        `  ${j.id}  ${j.name}  ${j.state}  next ${when(j.runAt)}  runs ${j.attempts}  ${JSON.stringify(j.data)}`,
      );
    }
    write(`failed jobs: ${failed.length}`);
    for (const j of failed)
      write(`  ${j.queue} ${j.id}  ${j.name}  runs ${j.attempts}  error: ${j.error ?? '-'}`);
    return 0;
  }
  if ((action === 'retry' || action === 'cancel') && queue && id && extra.length === 0) {
    const ok = action === 'retry' ? await jobs.retry(queue, id) : await jobs.cancel(queue, id);
    if (json) write(JSON.stringify({ action, queue, id, ok }));
    else if (ok) write(action === 'retry' ? `${queue} ${id}: queued again` : `${queue} ${id}: cancelled`);
    else
      write(
        `${queue} ${id}: ${action === 'retry' ? 'no such failed job' : 'no such waiting or delayed job'}`,
      );
    return ok ? 0 : 1;
  }
  write(USAGE);
  return 2;
}

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'scheduled and delayed jobs: queues, running algorithms, failed jobs; retry or cancel one',
  usage: USAGE,
  options: { json: { type: 'boolean' }, limit: { type: 'string' } },
  async run({ values, positionals }) {
    const env = loadEnv();
    const log = createLogger({ name: 'jobs', level: 'warn', pretty: false });
    const write = (line: string) => console.log(line);
    if (env.REDIS_URL) {
      const jobs = createBullMqJobs({ url: env.REDIS_URL, prefix: env.REDIS_KEY_PREFIX, log });
      try {
        return await runJobsCommand(jobs, positionals, values, write);
      } finally {
        await jobs.close();
      }
    }
    const { handle } = await openConfiguredDatabase();
    const jobs = createDatabaseJobs({ db: handle.db, log });
    try {
      return await runJobsCommand(jobs, positionals, values, write);
    } finally {
      await jobs.close();
      await handle.close();
    }
  },
};
