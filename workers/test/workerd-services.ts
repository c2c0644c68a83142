/**
 * The Node services behind the workerd tests, run as a child process of the vitest global setup
 * (Vite would load `ws` with the worker conditions of the Cloudflare plugin). Prints one JSON line
 * with the worker bindings, then tears everything down when stdin closes or on SIGTERM.
 */

import { createServer } from 'node:http';
import { migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { startNeonWsProxy } from '@enigma/db/testing/neon-ws-proxy';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { Redis } from 'ioredis';
import { startUpstashBridge } from '../dev/upstash-bridge.ts';
import { createUserWithPassword as createUser } from '../src/auth/users.ts';
import { TRADINGVIEW_IPS } from '../src/security/ip.ts';

const tdb = await createTestDatabase();
const handle = await openDatabase({ url: tdb.url });
await migrate(handle);
const masterKey = generateMasterKey();
const tv = await createWebhookSource(handle.db, masterKey, { name: 'tradingview', kind: 'tradingview' });
const custom = await createWebhookSource(handle.db, masterKey, {
  name: 'custom',
  kind: 'custom',
  hmacRequired: true,
});
const api = await createWebhookSource(handle.db, masterKey, { name: 'signals', kind: 'api' });
await createWebhookSource(handle.db, masterKey, {
  name: 'tv-locked',
  kind: 'tradingview',
  ipAllowlist: [...TRADINGVIEW_IPS],
});
const slow = await createWebhookSource(handle.db, masterKey, {
  name: 'tv-slow',
  kind: 'tradingview',
  rateLimitPerMin: 1,
});
// The fuzz test's source: a budget large enough that every input reaches the parser.
const fuzz = await createWebhookSource(handle.db, masterKey, {
  name: 'fuzz',
  kind: 'tradingview',
  rateLimitPerMin: 100_000,
});
// The edge-span test's source: its own budget, so it takes none from the other files' sources.
const otlp = await createWebhookSource(handle.db, masterKey, {
  name: 'tv-otlp',
  kind: 'tradingview',
  rateLimitPerMin: 10_000,
});
const adminPassword = crypto.randomUUID();
await createUser(handle.db, { email: 'admin@workerd.test', password: adminPassword, role: 'admin' });
await handle.close();

const proxy = await startNeonWsProxy();
const token = crypto.randomUUID();
const bridge = await startUpstashBridge({ token });
const prefix = `enigma_t_${crypto.randomUUID().slice(0, 8)}:`;

// A stand-in OTLP/HTTP collector for the edge-span test: keeps each body posted to `/v1/traces` (GET
// `/received` lists them); under `/hang/` it never answers (a stalled collector; GET `/hung` counts those).
const otlpBodies: unknown[] = [];
let hung = 0;
const collector = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/hung') {
    res.end(String(hung));
    return;
  }
  if (req.method === 'GET' && req.url === '/received') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(otlpBodies));
    return;
  }
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    if (req.url?.startsWith('/hang/')) {
      hung += 1;
      return;
    }
    if (req.method === 'POST' && req.url === '/v1/traces') {
      otlpBodies.push({ headers: req.headers, body: JSON.parse(body) });
      res.setHeader('content-type', 'application/json');
      res.end('{}');
      return;
    }
    res.statusCode = 404;
    res.end();
  });
});
await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
const collectorPort = (collector.address() as { port: number }).port;

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  collector.closeAllConnections();
  collector.close();
  await bridge.close();
  await proxy.close();
  await tdb.drop();
  // Streams and keys under the random prefix go, so the shared Redis stays clean.
  const redis = new Redis();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();

process.stdout.write(
  `${JSON.stringify({
    DATABASE_URL: tdb.url,
    NEON_WS_PROXY: proxy.wsProxy,
    NEON_HTTP_ENDPOINT: proxy.fetchEndpoint,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: 'workerd-test-jwt-secret-0123456789abcdef',
    ENIGMA_MASTER_KEY: masterKey,
    TEST_TV_SECRET: tv.secret,
    TEST_CUSTOM_SECRET: custom.secret,
    TEST_API_SECRET: api.secret,
    TEST_SLOW_SECRET: slow.secret,
    TEST_FUZZ_SECRET: fuzz.secret,
    TEST_ADMIN_EMAIL: 'admin@workerd.test',
    TEST_ADMIN_PASSWORD: adminPassword,
    TEST_OTLP_SECRET: otlp.secret,
    TEST_OTLP_COLLECTOR: `http://127.0.0.1:${collectorPort}`,
  })}\n`,
);
