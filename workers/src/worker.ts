/**
 * The Cloudflare Worker entry (wrangler.toml `main`): builds the app's ports from bindings for each
 * request (Workers cannot keep sockets across requests) and closes the Neon pool after the response.
 */
import { configureNeon, openNeonPool } from '@enigma/db/client.edge';
import { singleInsertWriter } from '@enigma/db/repositories/signal-writer';
import { Redis } from '@upstash/redis/cloudflare';
import { createApp } from './app.ts';
import { UpstashBusPublisher } from './bus/upstash.ts';
import { type AppDeps, DEFAULT_CONFIG, type Logger } from './deps.ts';
import { parseWorkerEnv } from './env.ts';
import { UpstashKv } from './kv/upstash.ts';
import { SourceCache } from './webhooks/source-cache.ts';

/** Lives as long as the isolate: sources are re-read at most every few seconds. */
const sourceCache = new SourceCache();

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** JSON lines on the console at or above `min`: Workers Logs / `wrangler tail` index them like pino output. */
function consoleLogger(min: Level): Logger {
  const on = (level: Level) => LEVELS.indexOf(level) >= LEVELS.indexOf(min);
  const line = (level: Level, obj: object, msg?: string) => JSON.stringify({ level, msg, ...obj });
  return {
    debug: (obj, msg) => on('debug') && console.debug(line('debug', obj, msg)),
    info: (obj, msg) => on('info') && console.log(line('info', obj, msg)),
    warn: (obj, msg) => on('warn') && console.warn(line('warn', obj, msg)),
    error: (obj, msg) => on('error') && console.error(line('error', obj, msg)),
  };
}

export default {
  async fetch(
    request: Request,
    rawEnv: unknown,
    ctx: { waitUntil(p: Promise<unknown>): void },
  ): Promise<Response> {
    let env: ReturnType<typeof parseWorkerEnv>;
    try {
      env = parseWorkerEnv(rawEnv);
    } catch (e) {
      // Names of the missing or invalid bindings only; values are never logged.
      console.error(JSON.stringify({ level: 'error', msg: (e as Error).message }));
      return Response.json(
        { error: { code: 'unavailable', message: 'the service is not configured', details: {} } },
        { status: 503 },
      );
    }
    if (env.NEON_WS_PROXY) configureNeon({ wsProxy: env.NEON_WS_PROXY });
    const { db, pool } = openNeonPool(env.DATABASE_URL);
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
      enableTelemetry: false,
    });
    const deps: AppDeps = {
      db,
      kv: new UpstashKv(redis, env.REDIS_PREFIX),
      bus: new UpstashBusPublisher(redis, env.REDIS_PREFIX),
      logger: consoleLogger(env.LOG_LEVEL),
      sourceCache,
      signalWriter: singleInsertWriter(db),
      config: {
        ...DEFAULT_CONFIG,
        maxBodyBytes: env.MAX_BODY_BYTES,
        ipRateLimitPerMin: env.IP_RATE_LIMIT_PER_MIN,
        jwtSecret: env.JWT_SECRET,
        masterKey: env.ENIGMA_MASTER_KEY,
        now: () => Date.now(),
      },
    };
    try {
      return await createApp(deps).fetch(request, rawEnv, ctx as never);
    } finally {
      ctx.waitUntil(pool.end());
    }
  },
};
