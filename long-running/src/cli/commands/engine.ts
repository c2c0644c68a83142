import { migrate, openDatabase } from '@enigma/db';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createBus } from '../../bus/index.ts';
import { runEngine } from '../../engine/runner.ts';
import { loadEnv } from '../../env.ts';
import { openJobs } from '../../jobs/index.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createMetricsRegistry } from '../../runtime/metrics.ts';
import { busDepthMetrics, engineStateMetrics, metricsText } from '../../runtime/process-metrics.ts';
import type { CliCommand } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';
import { openConfiguredDatabase } from './migrate.ts';

export const engineCommand: CliCommand = {
  name: 'engine',
  summary: 'the execution and risk engine: signals and commands → protected positions (paper by default)',
  usage: [
    'usage: enigma engine [--live] [--account default] [--port 9465]',
    '',
    'Reads signals:incoming and commands (REDIS_URL, or the in-process bus), trades the KuCoin Futures',
    'account at KUCOIN_FUTURES_URL with KUCOIN_API_KEY / KUCOIN_API_SECRET / KUCOIN_API_PASSPHRASE, stores',
    'everything in DATABASE_URL (or the embedded PGlite). Paper mode (default) expects KUCOIN_FUTURES_URL to',
    'point at the simulator (`enigma sim`); --live trades real KuCoin and refuses to start without',
    'credentials. One engine trades an account at a time: a second one waits and takes over when the',
    "first one's lease expires. GET /healthz and /metrics on --port.",
  ].join('\n'),
  options: {
    live: { type: 'boolean' },
    account: { type: 'string' },
    port: { type: 'string' },
  },
  async run({ values }) {
    const env = loadEnv();
    const logger = createLogger({ level: env.LOG_LEVEL });
    const live = values.live === true;
    if (!env.KUCOIN_API_KEY || !env.KUCOIN_API_SECRET || !env.KUCOIN_API_PASSPHRASE) {
      console.error(
        'enigma engine: KUCOIN_API_KEY, KUCOIN_API_SECRET and KUCOIN_API_PASSPHRASE are required',
      );
      return 2;
    }
    const isKucoin = /(^|\.)kucoin\.com$/.test(new URL(env.KUCOIN_FUTURES_URL).hostname);
    if (isKucoin && !live) {
      console.error(
        `enigma engine: ${env.KUCOIN_FUTURES_URL} is real KuCoin: pass --live to trade it, or point KUCOIN_FUTURES_URL at the simulator`,
      );
      return 2;
    }
    const port = Number(values.port ?? 9465);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      console.error('enigma engine: --port must be a TCP port');
      return 2;
    }
    const { handle } = await openConfiguredDatabase();
    await migrate(handle);
    // The decision's one durable write (and its orders' answers) on a pool of its own, so it never queues
    // behind the follow-up work's writes (docs/engine.md#latency). The embedded PGlite has one connection.
    const decision =
      handle.kind === 'pglite' || !env.DATABASE_URL
        ? null
        : await openDatabase({ kind: handle.kind, url: env.DATABASE_URL });
    const bus = createBus({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, logger });
    const registry = createMetricsRegistry();
    // The router's TWAP slices: BullMQ with REDIS_URL, else persisted in the database.
    const jobs = openJobs({
      redisUrl: env.REDIS_URL,
      db: handle.db,
      prefix: env.REDIS_KEY_PREFIX,
      log: logger,
    });
    const running = await runEngine({
      db: handle.db,
      bus,
      logger,
      mode: live ? 'live' : 'paper',
      baseUrl: env.KUCOIN_FUTURES_URL,
      credential: {
        apiKey: env.KUCOIN_API_KEY,
        apiSecret: env.KUCOIN_API_SECRET,
        passphrase: env.KUCOIN_API_PASSPHRASE,
        keyVersion: env.KUCOIN_KEY_VERSION,
      },
      registry,
      jobs,
      waitForTrading: false,
      ...(typeof values.account === 'string' ? { accountName: values.account } : {}),
      ...(decision ? { decisionDb: decision.db } : {}),
    });
    engineStateMetrics(registry, () => running.engine.statusReport());
    busDepthMetrics(registry, bus, [
      { stream: 'signals:incoming', group: 'engine' },
      { stream: 'commands', group: 'engine' },
    ]);
    const app = new Hono();
    app.get('/healthz', (c) => {
      const s = running.engine.statusReport();
      return c.json(s, s.state === 'trading' ? 200 : 503);
    });
    app.get('/metrics', async (c) => {
      const { text, contentType } = await metricsText(registry);
      return c.text(text, 200, { 'content-type': contentType });
    });
    const server = serve({ fetch: app.fetch, hostname: env.HOST, port });
    console.log(
      `engine: ${live ? 'LIVE' : 'paper'} trading against ${env.KUCOIN_FUTURES_URL}; health on http://${env.HOST}:${port}/healthz`,
    );
    await untilStopSignal();
    server.close();
    await running.close();
    await jobs.close();
    await bus.close();
    await decision?.close();
    await handle.close();
    return 0;
  },
};
