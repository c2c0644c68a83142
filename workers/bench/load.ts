/** Load generation shared by the intake benchmarks (Node and workerd). */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadTarget } from './loadgen.ts';

/** Concurrent client connections of the closed-loop phases. */
export const CONCURRENCY = 32;

export function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

/** Closed-loop load: CONCURRENCY clients send back to back for `ms`; returns req/s and latencies. */
export async function closedLoop(
  ms: number,
  send: (i: number) => Promise<Response>,
  check: (r: Response) => boolean,
) {
  const latencies: number[] = [];
  let n = 0;
  let bad = 0;
  const deadline = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const res = await send(n++);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (!check(res)) bad++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rps: latencies.length / seconds, p99: p99(latencies), bad, count: latencies.length };
}

export function alertBody(secret: string, i: number, now: number): string {
  return JSON.stringify({
    secret,
    timestamp: new Date(now).toISOString(),
    exchange: 'KUCOIN',
    symbol: 'XBTUSDTM',
    interval: '15',
    action: i % 2 ? 'buy' : 'sell',
    order_id: `bench-${i}`,
    indicators: { rsi: '28.4', macd: '-12.5', close: '64150.5' },
  });
}

/** A closed-loop load generator: `run(ms)` is one phase at CONCURRENCY connections. */
export interface LoadRunner {
  run(ms: number): Promise<LoadResult>;
  /** the process that sends the requests (for `/proc` CPU accounting) */
  pid: number;
  close(): Promise<void>;
}

/**
 * The workerd benches' client: `loadgen.ts` in its own Node process (node:http keep-alive, its own heap
 * and event loop), the same for the hello worker and the intake, so their ratio compares the workers.
 */
export async function loadGenerator(target: LoadTarget): Promise<LoadRunner> {
  const child = fork(fileURLToPath(new URL('./loadgen.ts', import.meta.url)), [], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  type Msg = { started?: true; ready?: true; result?: LoadResult; error?: string };
  const next = () =>
    new Promise<Msg>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: Msg) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  await next(); // started
  const ready = next();
  child.send({ target });
  await ready;
  return {
    pid: child.pid!,
    async run(ms) {
      const answer = next();
      child.send({ run: ms });
      const m = await answer;
      if (!m.result) throw new Error(`the load generator failed: ${m.error}`);
      return m.result;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

/** The earlier client, for comparison (ENIGMA_BENCH_CLIENT=fetch): `fetch` in the bench's own process. */
export function inProcessFetch(send: () => Promise<Response>, check: (r: Response) => boolean): LoadRunner {
  return {
    pid: process.pid,
    async run(ms) {
      const r = await closedLoop(ms, send, check);
      return { ...r, gc: { count: Number.NaN, totalMs: Number.NaN, maxMs: Number.NaN } };
    },
    close: async () => {},
  };
}
