import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../bus/testing/redis-prefix.ts';
import { createBullMqJobs, decodeJobId, encodeJobId } from './bullmq.ts';
import { jobsContract } from './contract.ts';
import { killWorkerMidJob } from './testing/stalled.ts';

const silent = pino({ level: 'silent' });
const prefix = randomPrefix();
afterAll(() => deletePrefix(prefix));

jobsContract('bullmq', (opts) =>
  createBullMqJobs({
    url: TEST_REDIS_URL,
    prefix,
    log: silent,
    stalledIntervalMs: 1000,
    lockDurationMs: 2000,
    ...opts,
  }),
);

describe('bullmq job ids', () => {
  it('escapes what BullMQ refuses and gives back the id it was given', () => {
    for (const id of [
      'intent:1:slice:0',
      '123',
      '-5',
      '50%:x',
      '%3A',
      '%I12',
      'plain',
      'repeat:tick:1700000000000',
    ]) {
      const enc = encodeJobId(id);
      expect(decodeJobId(enc)).toBe(id);
      if (!id.startsWith('repeat:')) expect(enc).not.toContain(':');
      expect(`${Number.parseInt(enc, 10)}` === enc).toBe(false);
    }
  });
});

describe('bullmq stalled job', () => {
  it('redelivers the job of a worker killed mid-job to another worker; its side effect happens once', async () => {
    const outcome = await killWorkerMidJob(
      { kind: 'bullmq', redisUrl: TEST_REDIS_URL, prefix, queue: 'stalled', jobId: 'intent:9:slice:0' },
      silent,
    );
    expect(outcome).toEqual({ firstAttempt: 1, secondAttempt: 2, runs: 2, effects: 1, state: 'completed' });
  }, 60_000);
});
