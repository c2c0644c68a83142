import { z } from 'zod';
import { isRateLimitBinding, type RateLimitBinding } from './security/refusal-limit.ts';

/**
 * The worker's bindings (vars and secrets from wrangler.toml / `wrangler secret put`), validated per
 * request: a missing secret is a clear 500 at startup of the request, never an undefined deep inside.
 */
export const workerEnvSchema = z.object({
  /** Neon connection string (postgres://...) */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  UPSTASH_REDIS_REST_URL: z.url(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET needs at least 32 characters'),
  /** base64 of 32 bytes: unwraps the webhook source secrets */
  ENIGMA_MASTER_KEY: z.string().min(40),
  /** prefix of every Redis key and stream (environments sharing one Redis; tests) */
  REDIS_KEY_PREFIX: z.string().default(''),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  IP_RATE_LIMIT_PER_MIN: z.coerce.number().int().positive().default(600),
  /** lowest level written to the console (Workers Logs) */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Local development and tests only: host:port/path of a WebSocket→TCP proxy in front of PostgreSQL. */
  NEON_WS_PROXY: z.string().optional(),
  /** Local development and tests only: URL of the proxy's SQL-over-HTTP endpoint (`http://host:port/sql`). */
  NEON_HTTP_ENDPOINT: z.url().optional(),
  /**
   * Cloudflare's rate-limiting binding (`[[ratelimits]]` in wrangler.toml): when present it decides the
   * 429 for unauthenticated webhook refusals per client address, instead of an Upstash counter
   */
  REFUSAL_LIMITER: z
    .custom<RateLimitBinding>(isRateLimitBinding, 'must be a rate-limiting binding (`[[ratelimits]]`)')
    .optional(),
  /** OTLP/HTTP base URL (`<endpoint>/v1/traces`): when set, each webhook request's edge span is exported */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** `k1=v1,k2=v2` headers for the OTLP export (e.g. `Authorization=Basic%20…` for Grafana Cloud) */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  /** the exported spans' `service.name` (default `enigma-edge`), as the Node processes read it */
  OTEL_SERVICE_NAME: z.string().min(1).max(100).optional(),
});
export type WorkerEnv = z.output<typeof workerEnvSchema>;

/** Parse bindings; throws with every problem listed (names only, never values). */
export function parseWorkerEnv(env: unknown): WorkerEnv {
  const r = workerEnvSchema.safeParse(env);
  if (!r.success) {
    throw new Error(
      `invalid worker environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}
