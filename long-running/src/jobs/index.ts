/**
 * `openJobs`: the job adapter for this process — BullMQ when `REDIS_URL` is set, else the database
 * adapter on the process's database (PostgreSQL on `DATABASE_URL`, or the embedded PGlite).
 */
import type { EnigmaDb } from '@enigma/db';
import type { Logger } from '../runtime/logger.ts';
import { type BullMqJobsOptions, createBullMqJobs } from './bullmq.ts';
import { createDatabaseJobs, type DatabaseJobsOptions } from './database.ts';
import type { Jobs } from './types.ts';

export * from './types.ts';
export { JobsError } from './validate.ts';

export interface OpenJobsOptions {
  /** REDIS_URL: BullMQ when set */
  redisUrl?: string | undefined;
  /** the database the embedded adapter keeps its jobs in (used when there is no `redisUrl`) */
  db: EnigmaDb;
  /** REDIS_KEY_PREFIX (BullMQ keys: `<prefix>jobs:<queue>:…`) */
  prefix?: string;
  log: Logger;
  bullmq?: Omit<BullMqJobsOptions, 'url' | 'prefix' | 'log'>;
  database?: Omit<DatabaseJobsOptions, 'db' | 'log'>;
}

export function openJobs(options: OpenJobsOptions): Jobs {
  if (options.redisUrl) {
    return createBullMqJobs({
      ...options.bullmq,
      url: options.redisUrl,
      prefix: options.prefix ?? '',
      log: options.log,
    });
  }
  return createDatabaseJobs({ ...options.database, db: options.db, log: options.log });
}
