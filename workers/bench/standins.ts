/**
 * The local stand-ins for Neon (WebSocket proxy + SQL-over-HTTP) and Upstash (REST bridge into the
 * local Redis), run in their own process for the workerd bench: in production they are remote
 * services, so they must not share the load generator's event loop (which would queue the client's
 * own timing behind their work). Prints one JSON line `{ wsProxy, fetchEndpoint, url }` when ready,
 * and exits when its stdin closes (the bench ended, or died).
 *
 * Usage: node --import tsx workers/bench/standins.ts <bridge-token>
 */
import { startNeonWsProxy } from '@enigma/db/testing/neon-ws-proxy';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';

const token = process.argv[2];
if (!token) throw new Error('usage: standins.ts <bridge-token>');
const proxy = await startNeonWsProxy();
const bridge = await startUpstashBridge({ token });
process.stdout.write(
  `${JSON.stringify({ wsProxy: proxy.wsProxy, fetchEndpoint: proxy.fetchEndpoint, url: bridge.url })}\n`,
);
process.stdin.resume();
process.stdin.on('close', () => {
  void Promise.allSettled([proxy.close(), bridge.close()]).then(() => process.exit(0));
});
