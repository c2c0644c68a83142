import type { Server } from 'node:http';
import { DEFAULT_CONFIG } from '@enigma/workers';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createBus } from '../../bus/index.ts';
import { loadEnv } from '../../env.ts';
import { accessTokenAuthenticator } from '../../gateway/auth.ts';
import { startGateway } from '../../gateway/index.ts';
import { ensureDataDir, resolveJwtSecret } from '../../runtime/data-dir.ts';
import { createLogger } from '../../runtime/logger.ts';
import { createMetricsRegistry } from '../../runtime/metrics.ts';
import { busDepthMetrics, gatewayMetrics, metricsText } from '../../runtime/process-metrics.ts';
import type { CliCommand } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

export const gatewayCommand: CliCommand = {
  name: 'gateway',
  summary: 'the live WebSocket gateway on its own: bus events (REDIS_URL) to authenticated dashboard clients',
  usage: [
    'usage: enigma gateway [--port 8788] [--group gateway]',
    '',
    'Serves ws://HOST:PORT/ws (and GET /healthz, GET /metrics): every events:* message of the Redis bus at REDIS_URL and',
    'every accepted alert on signals:incoming, to clients that connect with an access token of the REST',
    'API (same JWT_SECRET). --group is its consumer group on signals:incoming: give each gateway instance',
    'its own. docs/dashboard.md describes the protocol. `enigma start` mounts the same gateway at /ws.',
  ].join('\n'),
  options: { port: { type: 'string', short: 'p' }, group: { type: 'string' } },
  async run({ values }) {
    const env = loadEnv();
    if (!env.REDIS_URL) {
      console.error(
        'enigma gateway: REDIS_URL is required (on its own it reads the Redis bus; `enigma start` has /ws built in)',
      );
      return 2;
    }
    const port = Number(values.port ?? 8788);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      console.error('enigma gateway: --port must be a TCP port');
      return 2;
    }
    const logger = createLogger({ level: env.LOG_LEVEL });
    const jwtSecret = resolveJwtSecret(ensureDataDir(env.ENIGMA_DATA_DIR), env.JWT_SECRET);
    const bus = createBus({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, logger });
    const gateway = await startGateway({
      bus,
      logger,
      authenticate: accessTokenAuthenticator({ ...DEFAULT_CONFIG, jwtSecret, masterKey: '', now: Date.now }),
      signalsGroup: typeof values.group === 'string' ? values.group : 'gateway',
    });
    const registry = createMetricsRegistry();
    gatewayMetrics(registry, gateway);
    const group = typeof values.group === 'string' ? values.group : 'gateway';
    busDepthMetrics(registry, bus, [{ stream: 'signals:incoming', group }]);
    const app = new Hono();
    app.get('/healthz', (c) => c.json({ ok: true, clients: gateway.clients, bootId: gateway.bootId }));
    app.get('/metrics', async (c) => {
      const { text, contentType } = await metricsText(registry);
      return c.text(text, 200, { 'content-type': contentType });
    });
    const server = serve({ fetch: app.fetch, hostname: env.HOST, port }) as Server;
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname === '/ws')
        gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    console.log(`gateway: ws://${env.HOST}:${port}/ws (health on http://${env.HOST}:${port}/healthz)`);
    await untilStopSignal();
    await gateway.close();
    server.close();
    await bus.close();
    return 0;
  },
};
