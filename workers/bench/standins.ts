/**
 * The local stand-ins for Neon (WebSocket proxy + SQL-over-HTTP) and Upstash (REST bridge into the
 * local Redis), run in their own process for the workerd bench: in production they are remote
 * services, so they must not share the load generator's event loop (which would queue the client's
 * own timing behind their work). Prints one JSON line `{ wsProxy, fetchEndpoint, url }` when ready,
 * and exits when its stdin closes (the bench ended, or died).
 *
 * Usage: node --import tsx workers/bench/standins.ts <bridge-token>
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { startNeonWsProxy } from '@enigma/db/testing/neon-ws-proxy';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';

const token = process.argv[2];
if (!token) throw new Error('usage: standins.ts <bridge-token>');
// STANDINS_TRACE=<file>: every HTTP request's path, arrival and answer (epoch ms), this process's GC
// pauses and its event loop's delay, written as JSON when the process ends (`tail-probe.ts` reads it).
const traceFile = process.env['STANDINS_TRACE'];
const trace = traceFile ? startTrace() : undefined;
// The local PostgreSQL's Unix socket where it has one (ENIGMA_BENCH_PG_SOCKET_DIR, default the Debian
// path; `none` for loopback TCP): Neon's proxy reaches its servers over its own network, here every
// statement's kernel cost lands on the two cores the worker is measured on.
const socketDir = process.env['ENIGMA_BENCH_PG_SOCKET_DIR'] ?? '/var/run/postgresql';
// Repeated statements prepared once per connection (ENIGMA_BENCH_PREPARED=0 to send each unnamed).
const prepared = Number(process.env['ENIGMA_BENCH_PREPARED'] ?? 200);
const proxy = await startNeonWsProxy({
  ...(socketDir !== 'none' && existsSync(`${socketDir}/.s.PGSQL.5432`) ? { pgSocketDir: socketDir } : {}),
  preparedStatements: prepared,
});
const bridge = await startUpstashBridge({ token });
process.stdout.write(
  `${JSON.stringify({ wsProxy: proxy.wsProxy, fetchEndpoint: proxy.fetchEndpoint, url: bridge.url })}\n`,
);
process.stdin.resume();
process.stdin.on('close', () => {
  void Promise.allSettled([proxy.close(), bridge.close()]).then(() => {
    if (traceFile && trace) writeFileSync(traceFile, JSON.stringify(trace.done()));
    process.exit(0);
  });
});

function startTrace() {
  const now = () => performance.timeOrigin + performance.now();
  const requests: { path: string; s: number; e: number }[] = [];
  const gcs: { t: number; ms: number }[] = [];
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [{ url?: string }, { once(e: string, f: () => void): void }];
      const r = { path: req.url ?? '', s: now(), e: 0 };
      requests.push(r);
      res.once('finish', () => {
        r.e = now();
      });
    }
    return (emit as (this: Server, e: string, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ t: performance.timeOrigin + e.startTime, ms: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  // the event loop's lateness, sampled every 5 ms: a stretch where it did not run shows as one late tick
  const ticks: { t: number; late: number }[] = [];
  let expected = now() + 5;
  const timer = setInterval(() => {
    const t = now();
    if (t - expected > 10) ticks.push({ t, late: t - expected });
    expected = t + 5;
  }, 5);
  return {
    done() {
      clearInterval(timer);
      obs.disconnect();
      delay.disable();
      return {
        requests,
        gcs,
        lateTicks: ticks,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
        loopDelayMaxMs: delay.max / 1e6,
      };
    },
  };
}
