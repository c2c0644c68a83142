import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import { jobsContract } from './contract.ts';
import { createDatabaseJobs } from './database.ts';

const silent = pino({ level: 'silent' });

describe.each(['pg', 'pglite'] as const)('database jobs on %s', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  }, 60_000);
  afterAll(() => h?.cleanup());
  jobsContract(`database (${kind})`, () => createDatabaseJobs({ db: h.db, log: silent, pollMs: 50 }));
});
