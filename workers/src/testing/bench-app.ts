/**
 * What the benches that serve the intake on Node share (Node only: never imported by the worker): the
 * app's dependencies with every limit out of the way, and a loopback listener.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type AppDeps, DEFAULT_CONFIG, type KvPort, silentLogger } from '../deps.ts';

/** The app's dependencies for a bench: the given database, KV and bus; rate limits off. */
export function benchDeps(db: AppDeps['db'], kv: KvPort, bus: AppDeps['bus'], masterKey: string): AppDeps {
  return {
    db,
    kv,
    bus,
    logger: silentLogger,
    config: {
      ...DEFAULT_CONFIG,
      ipRateLimitPerMin: 10_000_000,
      jwtSecret: 'bench-jwt-secret-bench-jwt-secret-00',
      masterKey,
      now: () => Date.now(),
    },
    clientIp: () => '127.0.0.1',
  };
}

/** Serve `fetch` on a loopback port of the system's choosing. */
export async function listen(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
