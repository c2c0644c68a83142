/**
 * Edge-safe client factories: only @neondatabase/serverless and drizzle's Neon adapters, no Node built-ins,
 * so a Cloudflare Worker can bundle this module. Node-only drivers (pg, PGlite from disk) are loaded lazily
 * by `openDatabase` in client.ts.
 */
import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle as drizzleNeonHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleNeonPool } from 'drizzle-orm/neon-serverless';
import type { EnigmaDb } from './db-type.ts';
import * as schema from './schema/index.ts';

/** Options for the Neon serverless driver when it talks to something other than Neon's cloud. */
export interface NeonOptions {
  /** `host:port/path` of a WebSocket→TCP proxy (no protocol); `?address=host:port` is appended by the driver. */
  wsProxy?: string;
  /** Full URL of a SQL-over-HTTP endpoint for `neonHttp` (e.g. the local proxy's `/sql`). */
  fetchEndpoint?: string;
}

/**
 * Configure the Neon driver. With a custom `wsProxy` (local development, tests) the proxy speaks plain
 * `ws://` and the PostgreSQL startup is not pipelined, because a local server may not use cleartext passwords.
 */
export function configureNeon(opts: NeonOptions = {}, webSocket?: unknown): void {
  if (webSocket) neonConfig.webSocketConstructor = webSocket as typeof WebSocket;
  if (opts.fetchEndpoint) neonConfig.fetchEndpoint = opts.fetchEndpoint;
  if (opts.wsProxy) {
    neonConfig.wsProxy = opts.wsProxy;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
}

/**
 * A Neon Pool over WebSocket wrapped by drizzle: supports interactive transactions. Inside a Worker, create
 * it per request and `end()` it before the response (Workers cannot keep sockets across requests).
 */
export function openNeonPool(url: string): { db: EnigmaDb; pool: Pool } {
  const pool = new Pool({ connectionString: url });
  // Idle connections dropped by the server must not become uncaught errors; the pool replaces them.
  pool.on('error', () => {});
  const db = drizzleNeonPool({ client: pool, schema }) as unknown as EnigmaDb;
  return { db, pool };
}

/**
 * One-shot queries over Neon's HTTP endpoint (no connection to keep, lowest latency from the edge). No
 * interactive transactions: use `openNeonPool` for appendAudit and other multi-statement writes.
 *
 * @example const db = neonHttp(env.DATABASE_URL); await listSignals(db, { limit: 20 });
 */
export function neonHttp(url: string): EnigmaDb {
  return drizzleNeonHttp({ client: neon(url), schema }) as unknown as EnigmaDb;
}
