/**
 * Webhook intake in workerd: the worker bundled by `wrangler deploy --dry-run` runs in Miniflare
 * with the real local PostgreSQL (Neon's SQL-over-HTTP through the local proxy) and Redis (Upstash's
 * REST protocol through the local bridge), against a bare hello worker in the same workerd, same client,
 * same run (two Miniflare instances, one after the other). The stand-ins (Neon proxy, Upstash bridge)
 * run in a child process (`standins.ts`), and so does the load generator (`loadgen.ts`: node:http
 * keep-alive, the same client for both workers; in production the client is TradingView, elsewhere).
 * ENIGMA_BENCH_CLIENT=fetch: the earlier client instead (`fetch` in this process), to compare. Requests/s and p99
 * against the goal (≥ 0.2× the hello worker, p99 ≤ 100 ms at 32 connections), and the CPU
 * each process spent per alert (`/proc`): on this machine the stand-ins and PostgreSQL/Redis share its
 * two cores with workerd and the client, which production does not.
 * Set-up in `workerd-setup.ts`; `profile-workerd.ts` adds a CPU profile of the worker's isolate.
 */
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { ratioOf } from '../../bench/types.ts';
import { CONCURRENCY, inProcessFetch, type LoadRunner, loadGenerator } from './load.ts';
import { cpuSampler, type IntakeWorker, startIntakeWorker } from './workerd-setup.ts';

const PHASE_MS = 5_000;

const clientFor = (w: IntakeWorker): Promise<LoadRunner> =>
  process.env['ENIGMA_BENCH_CLIENT'] === 'fetch'
    ? Promise.resolve(inProcessFetch(w.send, w.ok))
    : loadGenerator(w.target);

const suite: BenchSuite = {
  name: 'webhook intake (workerd)',
  async run(progress) {
    const hello = await startIntakeWorker({ progress, hello: true });
    let h: Awaited<ReturnType<LoadRunner['run']>>;
    const helloClient = await clientFor(hello);
    try {
      progress('warming up the hello worker');
      await helloClient.run(1_000);
      progress(`hello worker, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
      h = await helloClient.run(PHASE_MS);
    } finally {
      await helloClient.close();
      await hello.close();
    }
    const w = await startIntakeWorker({ progress });
    const client = await clientFor(w);
    try {
      progress('warming up the intake worker');
      await client.run(1_500);
      progress(`webhook intake worker, ${CONCURRENCY} connections, ${PHASE_MS / 1000} s`);
      const cpu = cpuSampler({ standIns: w.standInsPid, database: w.databaseName, client: client.pid });
      cpu.start();
      const r = await client.run(PHASE_MS);
      const used = cpu.stop();
      // CPU milliseconds per accepted alert, by process (Linux /proc; 0 elsewhere)
      const cpuMsPerAlert = Object.fromEntries(
        Object.entries(used)
          .filter(([k]) => k !== 'wall seconds')
          .map(([k, v]) => [`cpu ms/alert: ${k}`, Number(((v * 1000) / Math.max(1, r.count)).toFixed(3))]),
      );
      const results: BenchResult[] = [
        {
          name: 'webhook intake in workerd (Neon via HTTP proxy, Upstash via bridge) vs hello worker',
          unit: 'req/s',
          value: r.rps,
          higherIsBetter: true,
          peer: { name: 'hello worker (workerd)', value: h.rps },
          ratio: ratioOf(r.rps, h.rps, true),
          goal: '>= 0.2x',
          goalMet: ratioOf(r.rps, h.rps, true) >= 0.2,
          extra: {
            non202: r.bad,
            requests: r.count,
            'hello non200': h.bad,
            'client GC pauses': r.gc.count,
            'client GC ms (max)': Number(r.gc.maxMs.toFixed(1)),
            ...cpuMsPerAlert,
          },
        },
        {
          name: 'webhook intake in workerd p99',
          unit: 'ms p99',
          value: r.p99,
          higherIsBetter: false,
          peer: { name: 'hello worker p99', value: h.p99 },
          ratio: ratioOf(r.p99, h.p99, false),
          goal: '<= 100 ms',
          goalMet: r.p99 <= 100,
        },
      ];
      progress(`CPU ms per alert: ${JSON.stringify(cpuMsPerAlert)}`);
      progress(
        `intake ${r.rps.toFixed(0)} req/s p99 ${r.p99.toFixed(0)} ms (non-202 ${r.bad}); hello ${h.rps.toFixed(0)} req/s p99 ${h.p99.toFixed(0)} ms; client GC ${r.gc.count} pauses, ${r.gc.totalMs.toFixed(0)} ms, max ${r.gc.maxMs.toFixed(1)} ms`,
      );
      return results;
    } finally {
      await client.close();
      await w.close();
    }
  },
};

export default suite;
