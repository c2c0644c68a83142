import { join } from 'node:path';
import type { Bus } from '@enigma/core/bus/index';
import { checkDatabase, type DbHandle, migrate, openDatabase } from '@enigma/db';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { createBus } from '../bus/index.ts';
import type { Env } from '../env.ts';
import { ensureDataDir, resolveJwtSecret, resolveMasterKey } from './data-dir.ts';
import type { Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import type { Progress } from './progress.ts';

/** Everything `enigma start` runs in one process, and how to stop it. */
export interface RunningSystem {
  url: string;
  port: number;
  db: DbHandle;
  bus: Bus;
  metrics: Registry;
  /** lines for the person who started it (URLs, logins, a ready-to-paste curl) */
  banner: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  env: Env;
  logger: Logger;
  progress: Progress;
  /** 0 picks a free port (tests) */
  port?: number;
}

/**
 * The composition root of the embedded default: the same modules as production, wired with in-process
 * adapters unless DATABASE_URL / REDIS_URL say otherwise. Parts are started in dependency order and
 * stopped in reverse; a failure while starting stops what was already started.
 */
export async function startSystem({
  env,
  logger,
  progress,
  port = env.PORT,
}: StartOptions): Promise<RunningSystem> {
  const stops: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.warn({ err: error }, 'error while stopping');
      }
    }
  };
  try {
    const dataDir = ensureDataDir(env.ENIGMA_DATA_DIR);
    const masterKey = resolveMasterKey(dataDir, env.ENIGMA_MASTER_KEY);
    const jwtSecret = resolveJwtSecret(dataDir, env.JWT_SECRET);
    if (masterKey.source === 'generated')
      logger.warn({ file: join(dataDir, 'master.key') }, 'generated a new master key: back it up');

    const db = await progress.step(
      env.DATABASE_URL ? 'connecting to PostgreSQL' : 'opening the embedded database (PGlite)',
      async (note) => {
        const handle = await openDatabase({ url: env.DATABASE_URL, dataDir: join(dataDir, 'pglite') });
        note(env.DATABASE_URL ? 'DATABASE_URL' : join(dataDir, 'pglite'));
        return handle;
      },
    );
    stops.push(() => db.close());
    await progress.step('migrating the database', async (note) => {
      await migrate(db, note);
    });

    const bus = await progress.step(
      env.REDIS_URL ? 'connecting to Redis' : 'starting the in-process bus',
      async () => createBus({ redisUrl: env.REDIS_URL, logger }),
    );
    stops.push(() => bus.close());

    const metrics = createMetricsRegistry();
    const app = new Hono();
    app.get('/healthz', async (c) => {
      const database = await checkDatabase(db).catch((error: Error) => ({ ok: false, error: error.message }));
      const ok = database.ok;
      return c.json({ ok, database, bus: env.REDIS_URL ? 'redis' : 'in-process' }, ok ? 200 : 503);
    });
    app.get('/metrics', async (c) =>
      c.text(await metrics.metrics(), 200, { 'content-type': metrics.contentType }),
    );
    void jwtSecret;

    const server = await progress.step('starting the HTTP server', () => listen(app, env.HOST, port));
    stops.push(() => closeServer(server.server));
    const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${server.port}`;
    return {
      url,
      port: server.port,
      db,
      bus,
      metrics,
      banner: [`enigma is running at ${url}`, `  health:  ${url}/healthz`, `  metrics: ${url}/metrics`],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function listen(app: Hono, hostname: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, (info) =>
      resolve({ server, port: info.port }),
    );
    server.once('error', reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}
