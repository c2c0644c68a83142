import { migrate, openDatabase } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../../bus/testing/redis-prefix.ts';
import { createBullMqJobs } from '../../jobs/bullmq.ts';
import { createDatabaseJobs } from '../../jobs/database.ts';
import { waitFor } from '../../testing/wait-for.ts';
import { jobsCommand } from './jobs.ts';

describe('enigma jobs', () => {
  const saved = {
    db: process.env.DATABASE_URL,
    redis: process.env.REDIS_URL,
    prefix: process.env.REDIS_KEY_PREFIX,
  };
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const [k, v] of [
      ['DATABASE_URL', saved.db],
      ['REDIS_URL', saved.redis],
      ['REDIS_KEY_PREFIX', saved.prefix],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    for (const c of cleanup.reverse()) await c();
  });

  it('lists queues, running algorithms and failed jobs of DATABASE_URL, and retries or cancels one', async () => {
    const tdb = await createTestDatabase();
    cleanup.push(tdb.drop);
    const handle = await openDatabase({ url: tdb.url });
    cleanup.push(() => handle.close());
    await migrate(handle);
    // the running system: a TWAP with one slice running and one due later, a daily report that failed
    const jobs = createDatabaseJobs({ db: handle.db, log: pino({ level: 'silent' }), pollMs: 50 });
    cleanup.push(() => jobs.close());
    let release!: () => void;
    const sliceRunning = new Promise<void>((r) => {
      release = r;
    });
    let reportRuns = 0;
    await jobs.process('router', () => sliceRunning);
    await jobs.process('reports', async () => {
      reportRuns++;
      if (reportRuns === 1) throw new Error('exchange down');
    });
    await jobs.add('router', 'twap-slice', { intent: 'i-1', slice: 1 }, { jobId: 'twap:i-1:1' });
    await jobs.add(
      'router',
      'twap-slice',
      { intent: 'i-1', slice: 2 },
      { jobId: 'twap:i-1:2', runAt: Date.now() + 3_600_000 },
    );
    await jobs.add(
      'reports',
      'daily-report',
      { day: '2026-12-05' },
      { jobId: 'daily:2026-12-05', attempts: 1 },
    );
    await waitFor(
      async () => (await jobs.get('router', 'twap:i-1:1'))?.state === 'active',
      10_000,
      'slice 1 running',
    );
    await waitFor(
      async () => (await jobs.get('reports', 'daily:2026-12-05'))?.state === 'failed',
      10_000,
      'failed',
    );

    process.env.DATABASE_URL = tdb.url;
    delete process.env.REDIS_URL;
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const run = async (positionals: string[], values: Record<string, string | boolean> = {}) => {
      out.mockClear();
      const code = await jobsCommand.run({ values, positionals });
      return { code, lines: out.mock.calls.map((c) => String(c[0])) };
    };
    try {
      const listed = await run([], { json: true });
      expect(listed.code).toBe(0);
      const report = JSON.parse(listed.lines[0]!);
      expect(report.adapter).toBe('database');
      expect(report.queues).toEqual([
        { queue: 'reports', counts: { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 1 } },
        { queue: 'router', counts: { waiting: 0, delayed: 1, active: 1, completed: 0, failed: 0 } },
      ]);
      expect(report.algorithms.map((j: { id: string; state: string }) => [j.id, j.state]).sort()).toEqual([
        ['twap:i-1:1', 'active'],
        ['twap:i-1:2', 'delayed'],
      ]);
      expect(report.failed).toMatchObject([
        { queue: 'reports', id: 'daily:2026-12-05', error: 'exchange down', attempts: 1 },
      ]);

      const human = await run([]);
      expect(human.lines.join('\n')).toMatch(/router\s+0\s+1\s+1\s+0\s+0/);
      expect(human.lines.join('\n')).toContain(
        'reports daily:2026-12-05  daily-report  runs 1  error: exchange down',
      );

      expect((await run(['retry', 'reports', 'daily:2026-12-05'])).code).toBe(0);
      await waitFor(
        async () => (await jobs.get('reports', 'daily:2026-12-05'))?.state === 'completed',
        10_000,
        'rerun',
      );
      expect(reportRuns).toBe(2);
      expect(await run(['retry', 'reports', 'daily:2026-12-05'])).toEqual({
        code: 1,
        lines: ['reports daily:2026-12-05: no such failed job'],
      });

      expect((await run(['cancel', 'router', 'twap:i-1:2'], { json: true })).lines).toEqual([
        JSON.stringify({ action: 'cancel', queue: 'router', id: 'twap:i-1:2', ok: true }),
      ]);
      expect(await jobs.get('router', 'twap:i-1:2')).toBeNull();
      // a running slice is not cancelled from here
      expect((await run(['cancel', 'router', 'twap:i-1:1'])).code).toBe(1);
      expect((await run(['explode'])).code).toBe(2);
      expect((await run([], { limit: '0' })).code).toBe(2);
    } finally {
      out.mockRestore();
      release();
    }
  }, 60_000);
  it('reads the BullMQ queues under REDIS_KEY_PREFIX when REDIS_URL is set', async () => {
    const prefix = randomPrefix();
    cleanup.push(() => deletePrefix(prefix));
    const jobs = createBullMqJobs({ url: TEST_REDIS_URL, prefix, log: pino({ level: 'silent' }) });
    cleanup.push(() => jobs.close());
    await jobs.process('reports', async () => {
      throw new Error('exchange down');
    });
    await jobs.add('reports', 'daily-report', {}, { jobId: 'daily:2026-12-05', attempts: 1 });
    await jobs.add('router', 'twap-slice', {}, { jobId: 'twap:i-2:4', runAt: Date.now() + 3_600_000 });
    await waitFor(
      async () => (await jobs.get('reports', 'daily:2026-12-05'))?.state === 'failed',
      10_000,
      'failed',
    );

    process.env.REDIS_URL = TEST_REDIS_URL;
    process.env.REDIS_KEY_PREFIX = prefix;
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await jobsCommand.run({ values: { json: true }, positionals: [] })).toBe(0);
      const report = JSON.parse(String(out.mock.calls.at(-1)![0]));
      expect(report.adapter).toBe('bullmq');
      expect(report.queues.map((q: { queue: string }) => q.queue)).toEqual(['reports', 'router']);
      expect(report.algorithms).toMatchObject([{ id: 'twap:i-2:4', state: 'delayed' }]);
      expect(report.failed).toMatchObject([{ id: 'daily:2026-12-05', error: 'exchange down' }]);
      expect(await jobsCommand.run({ values: {}, positionals: ['cancel', 'router', 'twap:i-2:4'] })).toBe(0);
      expect(await jobs.get('router', 'twap:i-2:4')).toBeNull();
    } finally {
      out.mockRestore();
      delete process.env.REDIS_URL;
    }
  }, 60_000);
});
