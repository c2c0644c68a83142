/**
 * Child process for the "worker killed mid-job" tests: opens a jobs adapter, adds one job, and runs it
 * with the effect handler, which does its side effect and then hangs; it reports `in-job` on stdout
 * and idles until the parent SIGKILLs it. Nothing here cleans up, exactly like a crashed process.
 * argv: one JSON `StalledChildConfig`.
 */
import pino from 'pino';
import { effectHandler, openStalledJobs, type StalledChildConfig } from './stalled.ts';

const config = JSON.parse(process.argv[2]!) as StalledChildConfig;
const { jobs, redis } = await openStalledJobs(config, pino({ level: 'silent' }));
const handler = effectHandler(redis, config.prefix);
await jobs.process(config.queue, async (run) => {
  await handler(run);
  process.stdout.write(`${JSON.stringify({ inJob: run.id, attempt: run.attempt })}\n`);
  await new Promise(() => {}); // the crash comes here
});
await jobs.add(config.queue, 'effect', { n: 1 }, { jobId: config.jobId, attempts: 3, backoffMs: 10 });
setInterval(() => {}, 60_000);
