/**
 * The one behavioural contract both job adapters pass (BullMQ on Redis, the database adapter on
 * PostgreSQL and PGlite). Call `jobsContract(name, makeJobs)` from an adapter's test file; `makeJobs`
 * returns a new adapter instance on the SAME storage each call (two instances = two processes).
 * Each test uses its own queue names. Times: only ordering and earliest-run bounds are asserted (a
 * delay or a backoff is never shorter than asked), never how fast something happened.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import type { JobRun, Jobs } from './types.ts';
import { BACKOFF_JITTER } from './validate.ts';

export function jobsContract(
  name: string,
  makeJobs: (opts?: { registry?: Registry }) => Jobs | Promise<Jobs>,
): void {
  describe(`jobs contract: ${name}`, () => {
    const open: Jobs[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((j) => j.close()));
    });
    async function fresh(opts?: { registry?: Registry }): Promise<Jobs> {
      const jobs = await makeJobs(opts);
      open.push(jobs);
      return jobs;
    }
    const queueName = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;

    /** `enigma_job_runs_total` of one queue, by outcome */
    async function runCounts(registry: Registry, queue: string): Promise<Record<string, number>> {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'enigma_job_runs_total');
      const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
      const out: Record<string, number> = {};
      for (const v of values) if (v.labels['queue'] === queue) out[v.labels['outcome']!] = v.value;
      return out;
    }

    /** a handler recording every run (with its start time) and doing what `body` says */
    function recorder(body: (run: JobRun) => Promise<void> | void = () => {}) {
      const runs: { id: string; name: string; data: unknown; attempt: number; at: number }[] = [];
      const handler = async (run: JobRun) => {
        runs.push({ id: run.id, name: run.name, data: run.data, attempt: run.attempt, at: Date.now() });
        await body(run);
      };
      return { runs, handler };
    }

    it('adds a job once per id, in any state, and runs it once with its data', async () => {
      const jobs = await fresh();
      const q = queueName('idem');
      expect(await jobs.add(q, 'slice', { n: 1, s: 'a:b' }, { jobId: 'intent:1:slice:0' })).toEqual({
        added: true,
      });
      expect(await jobs.add(q, 'slice', { n: 2 }, { jobId: 'intent:1:slice:0' })).toEqual({ added: false });
      expect(await jobs.get(q, 'intent:1:slice:0')).toMatchObject({
        queue: q,
        name: 'slice',
        id: 'intent:1:slice:0',
        data: { n: 1, s: 'a:b' },
        state: 'waiting',
        attempts: 0,
        error: null,
      });
      const { runs, handler } = recorder();
      await jobs.process(q, handler);
      await waitFor(
        async () => (await jobs.get(q, 'intent:1:slice:0'))?.state === 'completed',
        10_000,
        'completed',
      );
      // completed: a late duplicate is still refused and nothing runs again
      expect(await jobs.add(q, 'slice', { n: 3 }, { jobId: 'intent:1:slice:0' })).toEqual({ added: false });
      expect(await jobs.add(q, 'slice', { n: 4 }, { jobId: 'intent:1:slice:1' })).toEqual({ added: true });
      await waitFor(
        async () => (await jobs.get(q, 'intent:1:slice:1'))?.state === 'completed',
        10_000,
        'second',
      );
      expect(runs.map((r) => [r.id, r.data, r.attempt])).toEqual([
        ['intent:1:slice:0', { n: 1, s: 'a:b' }, 1],
        ['intent:1:slice:1', { n: 4 }, 1],
      ]);
      expect((await jobs.get(q, 'intent:1:slice:0'))?.attempts).toBe(1);
    });

    it('reports exactly one of several concurrent adds of one id as added', async () => {
      const a = await fresh();
      const b = await fresh();
      const q = queueName('race');
      const results = await Promise.all(
        [a, b, a, b, a, b].map((j, i) => j.add(q, 'slice', { i }, { jobId: 'same:id' })),
      );
      expect(results.filter((r) => r.added)).toHaveLength(1);
      expect((await a.list(q)).map((j) => j.id)).toEqual(['same:id']);
    });

    it('holds a delayed job until its time: a later add without delay runs first', async () => {
      const jobs = await fresh();
      const q = queueName('delay');
      const runAt = Date.now() + 400;
      await jobs.add(q, 'late', {}, { jobId: 'late', runAt });
      await jobs.add(q, 'soon', {}, { jobId: 'soon' });
      const late = await jobs.get(q, 'late');
      expect(late).toMatchObject({ state: 'delayed' });
      expect(Math.abs((late?.runAt ?? 0) - runAt)).toBeLessThanOrEqual(5);
      const { runs, handler } = recorder();
      await jobs.process(q, handler);
      await waitFor(() => runs.length === 2, 10_000, 'both jobs');
      expect(runs.map((r) => r.id)).toEqual(['soon', 'late']);
      expect(runs[1]!.at).toBeGreaterThanOrEqual(runAt - 5);
    });

    it('retries a throwing handler with doubling backoff, then leaves it failed with the last error', async () => {
      const registry = new Registry();
      const jobs = await fresh({ registry });
      const q = queueName('retry');
      const { runs, handler } = recorder((run) => {
        throw new Error(`boom ${run.attempt}`);
      });
      await jobs.process(q, handler);
      await jobs.add(q, 'doomed', {}, { jobId: 'd', attempts: 3, backoffMs: 150 });
      await waitFor(async () => (await jobs.get(q, 'd'))?.state === 'failed', 15_000, 'failed');
      expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
      const gaps = [runs[1]!.at - runs[0]!.at, runs[2]!.at - runs[1]!.at];
      expect(gaps[0]).toBeGreaterThanOrEqual(150 * (1 - BACKOFF_JITTER) - 5);
      expect(gaps[1]).toBeGreaterThanOrEqual(300 * (1 - BACKOFF_JITTER) - 5);
      expect(await jobs.get(q, 'd')).toMatchObject({ state: 'failed', attempts: 3, error: 'boom 3' });
      expect((await jobs.list(q, ['failed'])).map((j) => j.id)).toEqual(['d']);
      expect(await jobs.list(q, ['completed', 'waiting', 'delayed', 'active'])).toEqual([]);
      expect(await runCounts(registry, q)).toEqual({ retrying: 2, failed: 1 });
    });

    it('completes a job whose handler succeeds on a later attempt', async () => {
      const registry = new Registry();
      const jobs = await fresh({ registry });
      const q = queueName('flaky');
      const { runs, handler } = recorder((run) => {
        if (run.attempt < 2) throw new Error('transient');
      });
      await jobs.process(q, handler);
      await jobs.add(q, 'flaky', {}, { jobId: 'f', attempts: 3, backoffMs: 20 });
      await waitFor(async () => (await jobs.get(q, 'f'))?.state === 'completed', 10_000, 'completed');
      expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
      await waitFor(async () => (await runCounts(registry, q))['completed'] === 1, 10_000, 'the metric');
      expect(await runCounts(registry, q)).toEqual({ retrying: 1, completed: 1 });
    });

    it('runs a failed job again on retry (its runs reset); retry refuses what is not failed', async () => {
      const jobs = await fresh();
      const q = queueName('manual');
      let fail = true;
      const { runs, handler } = recorder(() => {
        if (fail) throw new Error('down');
      });
      await jobs.process(q, handler);
      await jobs.add(q, 'j', { k: 1 }, { jobId: 'j', attempts: 1 });
      await waitFor(async () => (await jobs.get(q, 'j'))?.state === 'failed', 10_000, 'failed');
      expect(await jobs.retry(q, 'nope')).toBe(false);
      fail = false;
      expect(await jobs.retry(q, 'j')).toBe(true);
      await waitFor(async () => (await jobs.get(q, 'j'))?.state === 'completed', 10_000, 'completed');
      expect(runs.map((r) => r.attempt)).toEqual([1, 1]);
      expect(await jobs.retry(q, 'j')).toBe(false);
    });

    it('cancels a waiting or delayed job so it never runs; refuses finished or unknown ones', async () => {
      const jobs = await fresh();
      const q = queueName('cancel');
      await jobs.add(q, 'far', {}, { jobId: 'far', runAt: Date.now() + 3_600_000 });
      await jobs.add(q, 'held', {}, { jobId: 'held' });
      expect(await jobs.cancel(q, 'far')).toBe(true);
      expect(await jobs.cancel(q, 'held')).toBe(true);
      expect(await jobs.get(q, 'far')).toBeNull();
      expect(await jobs.cancel(q, 'far')).toBe(false);
      const { runs, handler } = recorder();
      await jobs.process(q, handler);
      await jobs.add(q, 'ok', {}, { jobId: 'ok' });
      await waitFor(async () => (await jobs.get(q, 'ok'))?.state === 'completed', 10_000, 'completed');
      expect(await jobs.cancel(q, 'ok')).toBe(false);
      expect(runs.map((r) => r.id)).toEqual(['ok']);
    });

    it('refuses bad input, naming the field, and adds nothing', async () => {
      const jobs = await fresh();
      const q = queueName('bad');
      const bad = { code: 'INVALID_ARGUMENT' };
      await expect(jobs.add(q, 'x', {}, { jobId: 'a', attempts: 0 })).rejects.toMatchObject({
        ...bad,
        message: expect.stringContaining('attempts'),
      });
      await expect(jobs.add(q, 'x', {}, { jobId: '' })).rejects.toMatchObject({
        ...bad,
        message: expect.stringContaining('jobId'),
      });
      await expect(jobs.add(q, 'x', {}, { jobId: 'a', backoffMs: 1.5 })).rejects.toMatchObject(bad);
      await expect(jobs.add(q, 'x', {}, { jobId: 'a', runAt: Number.NaN })).rejects.toMatchObject(bad);
      await expect(jobs.add('a:b', 'x', {}, { jobId: 'a' })).rejects.toMatchObject({
        ...bad,
        message: expect.stringContaining('queue'),
      });
      await expect(jobs.every(q, 'x', {}, { key: 'k', everyMs: 0 })).rejects.toMatchObject(bad);
      await expect(jobs.process(q, async () => {}, { concurrency: 0 })).rejects.toMatchObject(bad);
      expect(await jobs.get(q, 'a')).toBeNull();
    });

    it('runs at most `concurrency` handlers at once, and all of them', async () => {
      const jobs = await fresh();
      const q = queueName('conc');
      let active = 0;
      let max = 0;
      const release: (() => void)[] = [];
      const done: string[] = [];
      await jobs.process(
        q,
        async (run) => {
          active++;
          max = Math.max(max, active);
          await new Promise<void>((r) => release.push(r));
          active--;
          done.push(run.id);
        },
        { concurrency: 2 },
      );
      for (let i = 0; i < 5; i++) await jobs.add(q, 'c', { i }, { jobId: `c${i}` });
      for (let n = 0; n < 5; n++) {
        await waitFor(
          () => release.length > 0 && (active >= 2 || done.length + active === 5),
          10_000,
          'a run',
        );
        release.shift()!();
        await waitFor(() => done.length === n + 1, 10_000, 'the released run to finish');
      }
      expect(max).toBe(2);
      expect(done.sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    });

    it('reports counts per queue and lists jobs by state', async () => {
      const jobs = await fresh();
      const q = queueName('counts');
      await jobs.add(q, 'a', {}, { jobId: 'a' });
      await jobs.add(q, 'b', {}, { jobId: 'b' });
      await jobs.add(q, 'c', {}, { jobId: 'c', runAt: Date.now() + 3_600_000 });
      const mine = (await jobs.queues()).find((x) => x.queue === q);
      expect(mine?.counts).toEqual({ waiting: 2, delayed: 1, active: 0, completed: 0, failed: 0 });
      expect((await jobs.list(q, ['waiting'])).map((j) => j.id).sort()).toEqual(['a', 'b']);
      expect((await jobs.list(q, ['delayed'])).map((j) => j.id)).toEqual(['c']);
      expect((await jobs.list(q)).map((j) => j.id).sort()).toEqual(['a', 'b', 'c']);
    });

    it('runs a repeatable job once per period across two processes, replaces it on re-registration, and stops on unschedule', async () => {
      const a = await fresh();
      const b = await fresh();
      const q = queueName('repeat');
      const every = 300;
      const { runs, handler } = recorder();
      await a.every(q, 'tick', { v: 1 }, { key: 'tick', everyMs: every });
      await b.every(q, 'tick', { v: 2 }, { key: 'tick', everyMs: every });
      await a.process(q, handler);
      await b.process(q, handler);
      await waitFor(() => runs.length >= 3, 15_000, 'three periods');
      expect(await a.unschedule(q, 'tick')).toBe(true);
      const stoppedAt = Date.now();
      expect(await a.unschedule(q, 'tick')).toBe(false);
      // a sentinel two periods later: by the time it runs, a live schedule would have added more ticks
      await a.add(q, 'sentinel', {}, { jobId: 'sentinel', runAt: stoppedAt + 2 * every });
      await waitFor(() => runs.some((r) => r.id === 'sentinel'), 15_000, 'the sentinel');
      const ticks = runs.filter((r) => r.name === 'tick');
      const ids = ticks.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length); // one run per period
      expect(ticks.every((r) => (r.data as { v: number }).v === 2)).toBe(true); // replaced, not duplicated
      expect(ticks.every((r) => r.attempt === 1)).toBe(true);
      // no period that started after the unschedule ran
      expect(ticks.filter((r) => r.at > stoppedAt + every + 50)).toEqual([]);
    });

    it('close signals running handlers, waits for them, and a stopped job runs again later', async () => {
      const first = await fresh();
      const q = queueName('close');
      let started = false;
      let finished = false;
      let sawAbort = false;
      await first.process(q, async (run) => {
        started = true;
        await new Promise<void>((resolve) => run.signal.addEventListener('abort', () => resolve()));
        sawAbort = run.signal.aborted;
        await new Promise((r) => setTimeout(r, 50)); // reaching its safe point takes a moment
        finished = true;
        throw new Error('stopped by shutdown');
      });
      await first.add(q, 'long', { x: 1 }, { jobId: 'long', attempts: 1 });
      await waitFor(() => started, 10_000, 'the handler to start');
      await first.close();
      expect(sawAbort).toBe(true);
      expect(finished).toBe(true);
      // attempts: 1, yet not failed: a run stopped by the shutdown is not a failure
      const second = await fresh();
      const { runs, handler } = recorder();
      await second.process(q, handler);
      await waitFor(async () => (await second.get(q, 'long'))?.state === 'completed', 15_000, 'rerun');
      expect(runs.map((r) => [r.id, r.data])).toEqual([['long', { x: 1 }]]);
    });
  });
}
