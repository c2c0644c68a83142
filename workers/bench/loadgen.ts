/**
 * The workerd benches' load generator, in its own Node process (started by `loadGenerator` in
 * `load.ts`): a closed loop of CONCURRENCY requests over node:http keep-alive connections (one pooled
 * Agent), far cheaper per request than `fetch` (undici), and with its own heap, so its collections pause
 * only its own event loop — not the bench's (Miniflare's host) — and its CPU is its own in `/proc`.
 * In production the client is TradingView, on another machine: this process stands for it.
 *
 * Protocol (IPC, `process.send`): the parent sends `{ target }` once, then `{ run: ms }` per phase; the
 * child answers each run with `{ rps, p99, bad, count, gc }`. Exits when the IPC channel closes.
 */
import { Agent, request } from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { alertBody, CONCURRENCY, p99 } from './load.ts';

export interface LoadTarget {
  url: string;
  /** GET the url (hello worker), or POST a fresh alert signed with this source secret (intake) */
  alertSecret?: string;
  okStatus: number;
}

export interface LoadResult {
  rps: number;
  p99: number;
  bad: number;
  count: number;
  /** the generator's GC pauses during the phase */
  gc: { count: number; totalMs: number; maxMs: number };
}

let target: LoadTarget | undefined;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
// every request is a new alert across all phases of this process (warm-up included)
let seq = 0;

function once(t: LoadTarget): Promise<number> {
  const url = new URL(t.url);
  const body = t.alertSecret === undefined ? undefined : alertBody(t.alertSecret, seq++, Date.now());
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers:
          body === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
                'cf-connecting-ip': '127.0.0.1',
              },
      },
      (res) => {
        res.resume(); // read the answer to its end, keep nothing
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(ms: number): Promise<LoadResult> {
  const t = target;
  if (!t) throw new Error('no target');
  const gcs: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push(e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
  const latencies: number[] = [];
  let bad = 0;
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        const status = await once(t);
        latencies.push(performance.now() - s);
        if (status !== t.okStatus) bad++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  obs.disconnect();
  return {
    rps: latencies.length / seconds,
    p99: p99(latencies),
    bad,
    count: latencies.length,
    gc: { count: gcs.length, totalMs: gcs.reduce((s, x) => s + x, 0), maxMs: Math.max(0, ...gcs) },
  };
}

process.on('message', (m: { target?: LoadTarget; run?: number }) => {
  if (m.target) {
    target = m.target;
    process.send?.({ ready: true });
  } else if (m.run !== undefined) {
    run(m.run).then(
      (r) => process.send?.({ result: r }),
      (e: unknown) => process.send?.({ error: e instanceof Error ? e.message : String(e) }),
    );
  }
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
process.send?.({ started: true });
