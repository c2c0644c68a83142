import { join } from 'node:path';
import type { Bus } from '@enigma/core/bus/index';
import { checkDatabase, type DbHandle, migrate, openDatabase } from '@enigma/db';
import {
  type AppDeps,
  bootstrapEmbedded,
  createApp,
  DEFAULT_CONFIG,
  MemoryKv,
  nodeSocketIp,
  startOutboxRelay,
} from '@enigma/workers';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { createBus } from '../bus/index.ts';
import { type CollectorService, startCollectorService } from '../collector/service.ts';
import type { Engine } from '../engine/engine.ts';
import { runEngine } from '../engine/runner.ts';
import type { Env } from '../env.ts';
import { accessTokenAuthenticator } from '../gateway/auth.ts';
import { type Gateway, startGateway } from '../gateway/index.ts';
import { openJobs } from '../jobs/index.ts';
import { findSharedData } from '../sim/market/select.ts';
import { type RunningSimulator, startSimulator } from '../sim/server.ts';
import { fileAuditAnchor } from './audit-anchor.ts';
import { type DashboardHandler, prepareDashboard } from './dashboard.ts';
import { ensureDataDir, resolveJwtSecret, resolveMasterKey } from './data-dir.ts';
import type { Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';
import { busDepthMetrics, engineStateMetrics, gatewayMetrics, metricsText } from './process-metrics.ts';
import type { Progress } from './progress.ts';
import { RedisKv } from './redis-kv.ts';

/** Everything `enigma start` runs in one process, and how to stop it. */
export interface RunningSystem {
  url: string;
  port: number;
  db: DbHandle;
  bus: Bus;
  sim: RunningSimulator;
  collector: CollectorService;
  engine: Engine;
  /** the live WebSocket gateway mounted at /ws */
  gateway: Gateway;
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
  /** the in-process simulator's port; 0 picks a free one */
  simPort?: number;
  /** serve the dashboard at / (building web/ first when needed); default true */
  dashboard?: boolean;
}

/** Paths the backend answers; everything else is the dashboard's. */
const BACKEND_PATH = /^\/(api|webhooks|healthz|metrics|collector)(\/|$)/;

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
  simPort = env.SIM_PORT,
  dashboard: withDashboard = true,
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
      async () => createBus({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, logger }),
    );
    stops.push(() => bus.close());

    const sim = await progress.step(
      'starting the KuCoin Futures simulator (paper exchange)',
      async (note) => {
        // Replay the recorded real candles when they are beside the checkout; otherwise the seeded synthetic market.
        const source = env.SIM_SOURCE ?? (findSharedData() ? 'replay' : 'synthetic');
        const running = await startSimulator({
          port: simPort,
          host: env.HOST,
          key: env.SIM_API_KEY,
          secret: env.SIM_API_SECRET,
          passphrase: env.SIM_API_PASSPHRASE,
          source,
          initialBalance: env.SIM_BALANCE,
          // The paper account (balances, positions, orders, stops, fills, credentials) survives a restart.
          statePath: join(dataDir, 'sim-state.json'),
          logger: logger.child({ component: 'sim' }),
        });
        note(
          `${source} market, paper account (kept in ${join(dataDir, 'sim-state.json')}) funded with ${env.SIM_BALANCE} USDT on first start`,
        );
        return running;
      },
    );
    stops.push(() => sim.close());

    const metrics = createMetricsRegistry();
    const collector = await progress.step('starting the market-data collector', async (note) => {
      // The reference feed (Binance) is off here: the embedded default runs with no outside network.
      const service = await startCollectorService({
        symbols: [...sim.engine.markets.keys()],
        baseUrl: sim.url,
        db: db.db,
        bus,
        registry: metrics,
        logger,
        reference: false,
      });
      note('ticker, level-2 book, trades → candles, mark/index/funding; backfilled over REST');
      return service;
    });
    stops.push(() => collector.close());
    const kv = env.REDIS_URL
      ? new RedisKv(env.REDIS_URL, `${env.REDIS_KEY_PREFIX}enigma:kv:`)
      : new MemoryKv();
    if (kv instanceof RedisKv) stops.push(() => kv.close());
    const deps: AppDeps = {
      db: db.db,
      kv,
      bus,
      config: { ...DEFAULT_CONFIG, jwtSecret, masterKey: masterKey.key, now: Date.now },
      logger,
      clientIp: nodeSocketIp,
      // the audit chain's head, kept outside the database (enigma audit:verify reads the same file)
      auditAnchor: fileAuditAnchor(dataDir),
    };
    // Accepted alerts whose stream append failed, or whose request died before it, are re-published
    // from the outbox every 2 s (docs/intake.md "No accepted alert is lost").
    const relay = startOutboxRelay({ db: db.db, bus, logger });
    stops.push(() => relay.stop());
    const app = new Hono();
    // The process-level health (database, bus) and metrics sit in front of the shared edge app.
    app.get('/healthz', async (c) => {
      const health = await systemHealth(db, env.REDIS_URL ? 'redis' : 'in-process', logger);
      return c.json(health, health.ok ? 200 : 503);
    });
    app.get('/metrics', async (c) => {
      const { text, contentType } = await metricsText(metrics);
      return c.text(text, 200, { 'content-type': contentType });
    });
    app.route('/collector', collector.app);
    app.route('/', createApp(deps));

    const gateway = await progress.step('starting the live gateway (/ws)', () =>
      startGateway({ bus, logger, authenticate: accessTokenAuthenticator(deps.config) }),
    );
    stops.push(() => gateway.close());
    let dashboard: DashboardHandler | undefined;
    if (withDashboard)
      dashboard = await progress.step('preparing the dashboard (web/)', (note) => prepareDashboard(note));
    // The dashboard gets every path the backend does not own; its loaders call the backend in-process.
    const root = new Hono();
    root.all('*', (c) =>
      dashboard && !BACKEND_PATH.test(c.req.path)
        ? dashboard(c.req.raw, { api: (request) => Promise.resolve(app.fetch(request, c.env)) })
        : app.fetch(c.req.raw, c.env),
    );

    const server = await progress.step('starting the HTTP server', () => listen(root, env.HOST, port));
    stops.push(() => closeServer(server.server));
    server.server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname === '/ws')
        gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${server.port}`;
    const boot = await progress.step('first-start setup (admin login, TradingView source)', () =>
      bootstrapEmbedded(deps, { baseUrl: url }),
    );
    const c = sim.credentials;
    // The router's TWAP slices: BullMQ with REDIS_URL, else persisted in this database (closed after the engine).
    const jobs = openJobs({ redisUrl: env.REDIS_URL, db: db.db, prefix: env.REDIS_KEY_PREFIX, log: logger });
    stops.push(() => jobs.close());
    const engine = await progress.step(
      'starting the engine (paper mode, reconciling first)',
      async (note) => {
        const running = await runEngine({
          db: db.db,
          bus,
          logger,
          mode: 'paper',
          baseUrl: sim.url,
          credential: { apiKey: c.key, apiSecret: c.secret, passphrase: c.passphrase, keyVersion: '3' },
          registry: metrics,
          // The TradingView source created on first start trades the paper default out of the box.
          defaultStrategyFor: ['tradingview'],
          jobs,
        });
        note('reconciled with the paper account; reading signals:incoming and commands');
        return running;
      },
    );
    stops.push(() => engine.close());
    // Scrape-time gauges of the parts, as `enigma engine` and `enigma gateway` serve them on their own.
    gatewayMetrics(metrics, gateway);
    engineStateMetrics(metrics, () => engine.engine.statusReport());
    busDepthMetrics(metrics, bus, [
      { stream: 'signals:incoming', group: 'engine' },
      { stream: 'commands', group: 'engine' },
      { stream: 'signals:incoming', group: 'gateway' },
    ]);
    // Tradable symbols: intake reads the list the engine publishes (exchange.contracts), as the Worker does.
    const banner = [
      `enigma is running at ${url}`,
      ...(dashboard ? [`  dashboard: ${url}/`] : []),
      `  live:     ${url.replace(/^http/, 'ws')}/ws (token from POST /api/auth/login)`,
      `  health:   ${url}/healthz`,
      `  metrics:  ${url}/metrics`,
      `  market:   ${url}/collector/healthz (feed freshness)`,
      `  API:      ${url}/api (reference: ${url}/api/docs)`,
    ];
    banner.push(`  engine:   paper trading (strategy: GET ${url}/api/settings/strategies/tradingview)`);
    banner.push(`simulator: ${sim.url} key=${c.key} secret=${c.secret} passphrase=${c.passphrase}`);
    if (boot.admin)
      banner.push(`  login:    ${boot.admin.email} / ${boot.admin.password}   (shown once: change it)`);
    else banner.push('  login:    the admin created on first start');
    if (boot.curl)
      banner.push('', 'post a TradingView-style alert (the answer says what became of it):', boot.curl);
    else banner.push('', ...boot.secretHelp);
    return {
      url,
      port: server.port,
      db,
      bus,
      sim,
      collector,
      gateway,
      engine: engine.engine,
      metrics,
      banner,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** What public `/healthz` answers: a status per component, never error text. */
export interface SystemHealth {
  ok: boolean;
  database: { ok: boolean; kind: DbHandle['kind']; applied?: number; pending?: number };
  bus: 'redis' | 'in-process';
}

/**
 * The process health behind `/healthz`. The answer is public, so a failing check is reported as
 * `ok: false` only; its error (which can name hosts, users or SQL) goes to the log.
 */
export async function systemHealth(
  db: DbHandle,
  bus: SystemHealth['bus'],
  logger: { error(obj: object, msg?: string): void },
): Promise<SystemHealth> {
  const database = await checkDatabase(db).then(
    (d): SystemHealth['database'] => ({ ok: d.ok, kind: d.kind, applied: d.applied, pending: d.pending }),
    (error: unknown): SystemHealth['database'] => {
      logger.error({ err: error }, 'healthz: the database check failed');
      return { ok: false, kind: db.kind };
    },
  );
  return { ok: database.ok, database, bus };
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
