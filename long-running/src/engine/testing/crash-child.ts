/**
 * Child process of the engine crash tests (engine.crash.test.ts): runs the engine against PostgreSQL,
 * Redis (a per-test key prefix) and a simulator the TEST process owns, and SIGKILLs itself when the
 * chosen crash point is reached for the N-th time — no cleanup, no lease release, exactly like a
 * crashed `enigma engine`. Without a point it runs until SIGTERM (then closes cleanly).
 *
 * argv[2]: JSON {@link CrashChildConfig}. stdout lines: `loaded` (standby), `trading`,
 * `point <step> <n> <clientOid>`, `killing <step> <n>`.
 */
import { writeSync } from 'node:fs';
import { openDatabase } from '@enigma/db';
import pino from 'pino';
import { createRedisBus } from '../../bus/redis.ts';
import { createDatabaseJobs } from '../../jobs/database.ts';
import type { CrashPoint } from '../context.ts';
import { type RunEngineOptions, runEngine } from '../runner.ts';

export interface CrashChildConfig {
  databaseUrl: string;
  redisUrl: string;
  keyPrefix: string;
  simUrl: string;
  accountName: string;
  holder: string;
  /** kill at this step's `nth` hit (1-based); none: run until SIGTERM */
  point?: CrashPoint;
  nth?: number;
  tuning?: Record<string, number>;
  /** the KuCoin client's deadline and look-ups (`runEngine`'s `http`; default the client's own) */
  http?: RunEngineOptions['http'];
  /** load everything, say `loaded`, then wait for the parent's `go` message before starting (a warm spare) */
  standby?: boolean;
  /** count only the points of orders whose clientOid starts with this (a router child: `a`) */
  oidPrefix?: string;
  /** run the router's job queue in the database (lease `jobLeaseMs`), as the embedded default does */
  jobs?: boolean;
  jobLeaseMs?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as CrashChildConfig;
const say = (line: string) => writeSync(1, `${line}\n`);
const logger = pino({ level: process.env.CRASH_CHILD_LOG ?? 'silent' }, pino.destination(2));

// The test process went away (a timeout, Ctrl-C): never linger as an orphan.
process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
if (config.standby) {
  say('loaded');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
}
const handle = await openDatabase({ kind: 'pg', url: config.databaseUrl });
const bus = createRedisBus({ url: config.redisUrl, keyPrefix: config.keyPrefix, logger });
const hits = new Map<string, number>();
const jobs = config.jobs
  ? createDatabaseJobs({ db: handle.db, pollMs: 100, leaseMs: config.jobLeaseMs ?? 3_000 })
  : undefined;
const running = await runEngine({
  db: handle.db,
  bus,
  logger,
  mode: 'paper',
  baseUrl: config.simUrl,
  credential: { apiKey: 'sim-key', apiSecret: 'sim-secret', passphrase: 'sim-pass', keyVersion: '3' },
  accountName: config.accountName,
  holder: config.holder,
  model: { enabled: false, reason: 'crash test' },
  tuning: config.tuning ?? {},
  ...(config.http ? { http: config.http } : {}),
  ...(jobs ? { jobs } : {}),
  onPoint: (step, detail) => {
    if (config.oidPrefix && !detail.clientOid?.startsWith(config.oidPrefix)) return;
    const n = (hits.get(step) ?? 0) + 1;
    hits.set(step, n);
    say(`point ${step} ${n} ${detail.clientOid ?? detail.symbol ?? ''}`);
    if (step === config.point && n === config.nth) {
      say(`killing ${step} ${n}`);
      process.kill(process.pid, 'SIGKILL');
    }
  },
});
say('trading');

process.once('SIGTERM', async () => {
  await running.close().catch(() => {});
  await jobs?.close().catch(() => {});
  await bus.close().catch(() => {});
  await handle.close().catch(() => {});
  process.exit(0);
});
setInterval(() => {}, 60_000);
