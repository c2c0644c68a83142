/**
 * The local stand-ins for Neon (WebSocket proxy + SQL-over-HTTP) and Upstash (REST bridge into the
 * local Redis), run in their own process for the workerd bench: in production they are remote
 * services, so they must not share the load generator's event loop (which would queue the client's
 * own timing behind their work). Prints one JSON line `{ wsProxy, fetchEndpoint, url }` when ready,
 * and exits when its stdin closes (the bench ended, or died).
 *
 * Usage: node --import tsx workers/bench/standins.ts <bridge-token>
 */
import { existsSync } from 'node:fs';
import { startNeonWsProxy } from '@enigma/db/testing/neon-ws-proxy';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';

const token = process.argv[2];
if (!token) throw new Error('usage: standins.ts <bridge-token>');
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
  void Promise.allSettled([proxy.close(), bridge.close()]).then(() => process.exit(0));
});
