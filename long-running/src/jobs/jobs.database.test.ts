import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import { createTestDatabase } from '@enigma/db/testing/pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../bus/testing/redis-prefix.ts';
import { jobsContract } from './contract.ts';
import { createDatabaseJobs } from './database.ts';
import { killWorkerMidJob } from './testing/stalled.ts';

const silent = pino({ level: 'silent' });

describe.each(['pg', 'pglite'] as const)('database jobs on %s', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  }, 60_000);
  afterAll(() => h?.cleanup());
  jobsContract(`database (${kind})`, (opts) =>
    createDatabaseJobs({ db: h.db, log: silent, pollMs: 50, ...opts }),
  );
});

describe('database jobs: a worker killed mid-job', () => {
  const prefix = randomPrefix();
  afterAll(() => deletePrefix(prefix));

  it('on PostgreSQL: the job runs again in another process once the lease runs out; its side effect happens once', async () => {
    const tdb = await createTestDatabase();
    try {
      const outcome = await killWorkerMidJob(
        {
          kind: 'pg',
          redisUrl: TEST_REDIS_URL,
          prefix,
          dbUrl: tdb.url,
          queue: 'stalled',
          jobId: 'intent:9:slice:0',
        },
        silent,
      );
      expect(outcome).toEqual({ firstAttempt: 1, secondAttempt: 2, runs: 2, effects: 1, state: 'completed' });
    } finally {
      await tdb.drop();
    }
  }, 60_000);

  it('on PGlite (the embedded default): after a restart on the same data directory the job runs again, once more', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'enigma-jobs-'));
    try {
      const outcome = await killWorkerMidJob(
        {
          kind: 'pglite',
          redisUrl: TEST_REDIS_URL,
          prefix,
          dataDir,
          queue: 'stalled',
          jobId: 'intent:9:slice:1',
        },
        silent,
      );
      expect(outcome).toEqual({ firstAttempt: 1, secondAttempt: 2, runs: 2, effects: 1, state: 'completed' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
