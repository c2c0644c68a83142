/**
 * Where the workerd intake's time goes: the same set-up as `intake-workerd.bench.ts` (worker bundled by
 * wrangler, Miniflare, stand-ins in their own process, real PostgreSQL and Redis), one closed-loop phase
 * at 32 connections, and during it:
 * - CPU seconds per process (Linux `/proc`): the load generator (`loadgen.ts`, its own process, as in
 *   the bench), this process (Miniflare's host), workerd, the stand-ins, the PostgreSQL backends of the
 *   bench's database, redis-server;
 * - with `--cpu-profile <file>`: a V8 CPU profile of the worker's isolate (through Miniflare's inspector),
 *   summarised by self time per function, and saved for DevTools.
 *
 * Usage (from workers/): node --import tsx bench/profile-workerd.ts [--seconds 5] [--cpu-profile out.cpuprofile]
 * Run it under `flock /tmp/enigma-bench.lock` like the bench.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONCURRENCY, loadGenerator } from './load.ts';
import { cpuSampler, startIntakeWorker } from './workerd-setup.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'cpu-profile': { type: 'string' },
    hello: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const inspectorPort = values['cpu-profile'] ? 9300 + Math.floor(Math.random() * 500) : undefined;

const w = await startIntakeWorker({
  progress: (m) => process.stderr.write(`… ${m}\n`),
  ...(inspectorPort ? { inspectorPort } : {}),
  hello: values.hello,
});
const client = await loadGenerator(w.target);
try {
  process.stderr.write('… warming up\n');
  await client.run(1_500);
  const cpu = cpuSampler({ standIns: w.standInsPid, database: w.databaseName, client: client.pid });
  const profiler = inspectorPort ? await startProfiler(inspectorPort) : undefined;
  cpu.start();
  process.stderr.write(`… ${CONCURRENCY} connections, ${seconds} s\n`);
  const r = await client.run(seconds * 1000);
  const used = cpu.stop();
  console.log(
    JSON.stringify({ rps: r.rps, p99: r.p99, bad: r.bad, count: r.count, cpuSeconds: used }, null, 1),
  );
  console.log('CPU ms per request:', perRequest(used, r.count));
  if (profiler) {
    const profile = await profiler.stop();
    writeFileSync(values['cpu-profile']!, JSON.stringify(profile));
    summarise(profile, r.count);
  }
} finally {
  await client.close();
  await w.close();
}

function perRequest(used: Record<string, number>, n: number): Record<string, string> {
  return Object.fromEntries(Object.entries(used).map(([k, v]) => [k, ((v * 1000) / n).toFixed(3)]));
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function startProfiler(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
    title?: string;
  }[];
  const target = targets.find((t) => !String(t.title ?? '').includes('hello')) ?? targets[0];
  if (!target) throw new Error('no inspector target');
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.onmessage = (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  };
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 100 });
  await call('Profiler.start');
  return {
    async stop(): Promise<CpuProfile> {
      const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile };
      ws.close();
      return profile;
    },
  };
}

function summarise(p: CpuProfile, requests: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = (p.endTime - p.startTime) / 1000;
  const byFn = new Map<string, number>();
  for (const [nid, us] of self) {
    const f = byId.get(nid)!.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anon)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us / 1000);
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  console.log(
    `profile: ${total.toFixed(0)} ms wall, ${idle.toFixed(0)} ms idle, ${(total - idle).toFixed(0)} ms busy = ${((total - idle) / requests).toFixed(3)} ms per request`,
  );
  for (const [k, ms] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(
      `${ms.toFixed(1).padStart(8)} ms  ${((ms / requests) * 1000).toFixed(0).padStart(5)} µs/req  ${k}`,
    );
  }
  // inclusive time per top-level module area, by walking parents
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [nid, us] of self) {
    const seen = new Set<string>();
    for (let x: number | undefined = nid; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x)!.callFrame;
      const key = f.functionName || '(anon)';
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us / 1000);
    }
  }
  console.log('--- inclusive');
  for (const [k, ms] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 60)) {
    console.log(
      `${ms.toFixed(1).padStart(8)} ms  ${((ms / requests) * 1000).toFixed(0).padStart(5)} µs/req  ${k}`,
    );
  }
}
