/**
 * Where the workerd intake's latency tail comes from: the bench's set-up and closed loop (32
 * connections), with every request's start and end kept, and beside it, on a worker thread (its own
 * event loop, so it keeps sampling when the client's loop or heap stalls) a 5 ms sampler of the machine:
 * CPU busy / iowait / steal (`/proc/stat`), the CPU of workerd, the stand-ins, PostgreSQL, the client,
 * and TCP retransmissions (`/proc/net/snmp`). The client's own GC pauses come from `PerformanceObserver`.
 * Prints the latency's shape, the stretches in which no request finished for longer than `--gap` ms,
 * and what each process and the machine did in and around them.
 *
 * Usage (from workers/): node --import tsx bench/tail-probe.ts [--seconds 10] [--gap 60] [--json out.json]
 * Run it under `flock /tmp/enigma-bench.lock` like the bench.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CONCURRENCY } from './load.ts';

interface Sample {
  t: number;
  busy: number;
  iowait: number;
  steal: number;
  total: number;
  procs: Record<string, number>;
  retrans: number;
}

function readMachine() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((s, x) => s + x, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), iowait: f[4] ?? 0, steal: f[7] ?? 0, total };
}
function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(x[11]) + Number(x[12]);
  } catch {
    return 0;
  }
}
function retransSegs(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'));
  const head = lines[0]!.split(/\s+/);
  const vals = lines[1]!.split(/\s+/);
  return Number(vals[head.indexOf('RetransSegs')]);
}

if (!isMainThread) {
  // the sampler thread: pid groups arrive from the main thread; samples go back on 'stop'
  const groups = workerData as Record<string, number[]>;
  const samples: Sample[] = [];
  const tick = () => {
    const m = readMachine();
    const procs: Record<string, number> = {};
    for (const [k, pids] of Object.entries(groups)) procs[k] = pids.reduce((s, p) => s + cpuTicks(p), 0);
    samples.push({ t: performance.timeOrigin + performance.now(), ...m, procs, retrans: retransSegs() });
  };
  const timer = setInterval(tick, 5);
  parentPort!.on('message', () => {
    clearInterval(timer);
    tick();
    parentPort!.postMessage(samples);
  });
} else {
  await main();
}

async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      gap: { type: 'string', default: '60' },
      json: { type: 'string' },
    },
  });
  const { startIntakeWorker, processGroups } = await import('./workerd-setup.ts');
  const seconds = Number(values.seconds);
  const gapMs = Number(values.gap);
  const standInsTrace = join(tmpdir(), `enigma-standins-trace-${process.pid}.json`);
  process.env['STANDINS_TRACE'] = standInsTrace;
  const w = await startIntakeWorker({ progress: (m) => process.stderr.write(`… ${m}\n`) });
  let result: Parameters<typeof report>;
  try {
    process.stderr.write('… warming up\n');
    await loop(1_500, w.send);
    const groups = processGroups({ standIns: w.standInsPid, database: w.databaseName });
    const gcs: { t: number; ms: number; kind: number }[] = [];
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcs.push({
          t: performance.timeOrigin + e.startTime,
          ms: e.duration,
          kind: ((e as { detail?: { kind?: number } }).detail?.kind ?? 0) as number,
        });
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const sampler = new Worker(new URL(import.meta.url), { workerData: groups });
    await new Promise((r) => setTimeout(r, 50));
    process.stderr.write(`… ${CONCURRENCY} connections, ${seconds} s\n`);
    const reqs = await loop(seconds * 1000, w.send);
    const samples = await new Promise<Sample[]>((resolve) => {
      sampler.once('message', resolve);
      sampler.postMessage('stop');
    });
    await sampler.terminate();
    obs.disconnect();
    result = [reqs, samples, gcs, gapMs, undefined];
  } finally {
    await w.close();
  }
  const standIns = JSON.parse(readFileSync(standInsTrace, 'utf8')) as StandInsTrace;
  rmSync(standInsTrace);
  result[4] = standIns;
  report(...result);
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify({ reqs: result[0], samples: result[1], gcs: result[2], standIns }),
    );
}

interface StandInsTrace {
  requests: { path: string; s: number; e: number }[];
  gcs: { t: number; ms: number }[];
  lateTicks: { t: number; late: number }[];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

async function loop(ms: number, send: () => Promise<Response>) {
  const out: { s: number; e: number; ok: boolean }[] = [];
  const now = () => performance.timeOrigin + performance.now();
  const deadline = now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (now() < deadline) {
        const s = now();
        const res = await send();
        await res.arrayBuffer();
        out.push({ s, e: now(), ok: res.status === 202 });
      }
    }),
  );
  return out;
}

function pct(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

function report(
  reqs: { s: number; e: number; ok: boolean }[],
  samples: Sample[],
  gcs: { t: number; ms: number; kind: number }[],
  gapMs: number,
  standIns: StandInsTrace | undefined,
) {
  const lat = reqs.map((r) => r.e - r.s).sort((a, b) => a - b);
  const t0 = Math.min(...reqs.map((r) => r.s));
  const t1 = Math.max(...reqs.map((r) => r.e));
  const f = (x: number) => x.toFixed(0);
  console.log(
    `${reqs.length} requests in ${((t1 - t0) / 1000).toFixed(1)} s = ${f(reqs.length / ((t1 - t0) / 1000))} req/s; ` +
      `p50 ${f(pct(lat, 0.5))} p90 ${f(pct(lat, 0.9))} p99 ${f(pct(lat, 0.99))} max ${f(lat.at(-1)!)} ms; non-202 ${reqs.filter((r) => !r.ok).length}`,
  );
  const slow = pct(lat, 0.99);
  // the slowest 1 %: when they started and ended (relative to t0)
  const tail = reqs.filter((r) => r.e - r.s >= slow).sort((a, b) => a.e - b.e);
  console.log(
    `slowest 1 % (${tail.length}): ended at ${[...new Set(tail.map((r) => Math.round((r.e - t0) / 10) * 10))].join(', ')} ms`,
  );
  // stretches with no completion longer than gapMs
  const ends = reqs.map((r) => r.e).sort((a, b) => a - b);
  const gaps: [number, number][] = [];
  for (let i = 1; i < ends.length; i++)
    if (ends[i]! - ends[i - 1]! > gapMs) gaps.push([ends[i - 1]!, ends[i]!]);
  // completions per 50 ms bucket
  const bucket = 50;
  const counts = new Map<number, number>();
  for (const e of ends)
    counts.set(Math.floor((e - t0) / bucket), (counts.get(Math.floor((e - t0) / bucket)) ?? 0) + 1);
  const rates = [...counts.values()].sort((a, b) => a - b);
  console.log(
    `completions per ${bucket} ms: min ${rates[0]} p10 ${pct(rates, 0.1)} median ${pct(rates, 0.5)} max ${rates.at(-1)}`,
  );
  console.log(
    `client GC: ${gcs.length} pauses, total ${f(gcs.reduce((s, g) => s + g.ms, 0))} ms, longest ${(Math.max(0, ...gcs.map((g) => g.ms))).toFixed(1)} ms`,
  );
  const retr = (samples.at(-1)?.retrans ?? 0) - (samples[0]?.retrans ?? 0);
  console.log(`TCP retransmitted segments during the phase: ${retr}`);
  console.log(`gaps > ${gapMs} ms with no completion: ${gaps.length}`);
  const window = (a: number, b: number) => {
    const s0 = [...samples].reverse().find((s) => s.t <= a) ?? samples[0]!;
    const s1 = samples.find((s) => s.t >= b) ?? samples.at(-1)!;
    const dt = s1.total - s0.total || 1;
    const procs = Object.fromEntries(
      Object.keys(s1.procs).map((k) => [
        k,
        `${f(((s1.procs[k]! - s0.procs[k]!) / ((s1.t - s0.t) / 10)) * 100)}%`,
      ]),
    );
    const ours = Object.keys(s1.procs).reduce((s, k) => s + s1.procs[k]! - s0.procs[k]!, 0);
    return {
      ms: f(s1.t - s0.t),
      others: `${f(((s1.busy - s0.busy - ours) / ((s1.t - s0.t) / 10)) * 100)}%`,
      machineBusy: `${f(((s1.busy - s0.busy) / dt) * 100)}%`,
      iowait: `${f(((s1.iowait - s0.iowait) / dt) * 100)}%`,
      steal: `${f(((s1.steal - s0.steal) / dt) * 100)}%`,
      retrans: s1.retrans - s0.retrans,
      ...procs,
    };
  };
  console.log('whole phase:', JSON.stringify(window(t0, t1)));
  const sub = (standIns?.requests ?? []).filter((r) => r.s >= t0 && r.e > 0 && r.e <= t1);
  const kinds = (path: string) =>
    path.startsWith('/sql') ? 'sql' : path.startsWith('/pipeline') ? 'pipeline' : 'redis';
  for (const k of ['redis', 'sql', 'pipeline']) {
    const d = sub
      .filter((r) => kinds(r.path) === k)
      .map((r) => r.e - r.s)
      .sort((a, b) => a - b);
    if (d.length)
      console.log(
        `stand-ins ${k}: ${d.length} (${(d.length / reqs.length).toFixed(2)} per alert), in the stand-in p50 ${pct(d, 0.5).toFixed(1)} p99 ${pct(d, 0.99).toFixed(1)} max ${d.at(-1)!.toFixed(1)} ms`,
      );
  }
  if (standIns) {
    const gcIn = standIns.gcs.filter((g) => g.t >= t0 && g.t <= t1);
    console.log(
      `stand-ins GC: ${gcIn.length} pauses, total ${f(gcIn.reduce((s, g) => s + g.ms, 0))} ms, longest ${Math.max(0, ...gcIn.map((g) => g.ms)).toFixed(1)} ms; loop delay p99 ${standIns.loopDelayP99Ms.toFixed(1)} max ${standIns.loopDelayMaxMs.toFixed(1)} ms`,
    );
  }
  const around = (a: number, b: number) => {
    const across = sub.filter((r) => r.s < a && r.e > b);
    const arrived = sub.filter((r) => r.s >= a && r.s <= b);
    const answered = sub.filter((r) => r.e >= a && r.e <= b);
    const by = (list: typeof sub) =>
      ['redis', 'sql', 'pipeline']
        .map((k) => `${k} ${list.filter((r) => kinds(r.path) === k).length}`)
        .join(', ');
    const late = (standIns?.lateTicks ?? []).filter((x) => x.t >= a && x.t - x.late <= b);
    const gc = (standIns?.gcs ?? []).filter((g) => g.t + g.ms >= a && g.t <= b);
    return `stand-ins: in the stand-in across the whole gap: ${by(across)}; arrived in it: ${by(arrived)}; answered in it: ${by(answered)}; its loop late: ${late.map((x) => `${x.late.toFixed(0)}ms`).join(' ') || 'no'}; its GC: ${gc.map((g) => `${g.ms.toFixed(1)}ms`).join(' ') || 'none'}`;
  };
  for (const [a, b] of gaps) {
    const inFlight = reqs.filter((r) => r.s < a && r.e >= b).length;
    const gc = gcs.filter((g) => g.t + g.ms > a - 20 && g.t < b);
    console.log(
      `gap ${f(a - t0)}–${f(b - t0)} ms (${f(b - a)} ms), ${inFlight} in flight across it; client GC in it: ${gc.map((g) => `${g.ms.toFixed(1)}ms`).join(' ') || 'none'}`,
    );
    console.log('   during:', JSON.stringify(window(a, b)));
    console.log('   200 ms before:', JSON.stringify(window(a - 200, a)));
    console.log(`   ${around(a, b)}`);
  }
}
