/**
 * The engine bench's webhook intake: the app `enigma start` serves (`createApp` from `@enigma/workers`)
 * on the given database and bus, limits out of the way, listening on a loopback port. Served inside the
 * bench's process (the one-process end to end) or by `intake-process.ts` (the production topology).
 */
import type { AddressInfo } from 'node:net';
import type { Bus } from '@enigma/core/bus/types';
import type { EnigmaDb } from '@enigma/db';
import { createApp, DEFAULT_CONFIG, MemoryKv } from '@enigma/workers';
import { serve } from '@hono/node-server';

export async function serveBenchIntake(
  db: EnigmaDb,
  bus: Bus,
  masterKey: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({
    db,
    kv: new MemoryKv(),
    bus,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    config: {
      ...DEFAULT_CONFIG,
      ipRateLimitPerMin: 10_000_000,
      jwtSecret: 'bench-jwt-secret-bench-jwt-secret-00',
      masterKey,
      now: () => Date.now(),
    },
    clientIp: () => '127.0.0.1',
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
