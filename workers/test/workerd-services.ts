/**
 * The Node services behind the workerd tests, run as a child process of the vitest global setup
 * (Vite would load `ws` with the worker conditions of the Cloudflare plugin). Prints one JSON line
 * with the worker bindings, then tears everything down when stdin closes or on SIGTERM.
 */
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
const adminPassword = crypto.randomUUID();
await createUser(handle.db, { email: 'admin@workerd.test', password: adminPassword, role: 'admin' });
await handle.close();

const proxy = await startNeonWsProxy();
const token = crypto.randomUUID();
const bridge = await startUpstashBridge({ token });
const prefix = `enigma_t_${crypto.randomUUID().slice(0, 8)}:`;

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
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
  })}\n`,
);
