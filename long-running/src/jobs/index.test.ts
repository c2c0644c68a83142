import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../bus/testing/redis-prefix.ts';
import { openJobs } from './index.ts';

const silent = pino({ level: 'silent' });
const prefix = randomPrefix();

describe('openJobs', () => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await h?.cleanup();
    await deletePrefix(prefix);
  });

  it('uses BullMQ under the key prefix when a Redis URL is given, else the database', async () => {
    const bull = openJobs({ redisUrl: TEST_REDIS_URL, db: h.db, prefix, log: silent });
    const embedded = openJobs({ redisUrl: undefined, db: h.db, prefix, log: silent });
    try {
      expect([bull.kind, embedded.kind]).toEqual(['bullmq', 'database']);
      await bull.add('q', 'n', {}, { jobId: 'a:1', runAt: Date.now() + 3_600_000 });
      await embedded.add('q', 'n', {}, { jobId: 'b:1', runAt: Date.now() + 3_600_000 });
      // each landed in its own store: BullMQ's keys carry the prefix
      expect((await bull.list('q')).map((j) => j.id)).toEqual(['a:1']);
      expect((await embedded.list('q')).map((j) => j.id)).toEqual(['b:1']);
      const { Redis } = await import('ioredis');
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.exists(`${prefix}jobs:q:a%3A1`)).toBe(1);
      } finally {
        await redis.quit();
      }
    } finally {
      await bull.close();
      await embedded.close();
    }
  });
});
