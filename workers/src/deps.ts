import type { BusPublisher } from '@enigma/core/bus/index';
import type { EnigmaDb } from '@enigma/db/db-type';
import type { AuditAnchor } from '@enigma/db/repositories/audit';
import type { OutboxEntry } from '@enigma/db/repositories/outbox';
import type { AcceptedSignalWriter } from '@enigma/db/repositories/signal-writer';
import type { EdgeSpan } from './observability/otlp-span.ts';
import type { RefusalLimiter } from './security/refusal-limit.ts';
import type { OutboxDone } from './webhooks/outbox.ts';
import type { SourceCache } from './webhooks/source-cache.ts';

/** A pino-compatible logger: the subset of pino's API the app uses. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * The key-value port behind idempotency and rate limits: Redis semantics (SET NX EX, INCR with a
 * window). Upstash (edge, tests) and in-memory (embedded default) implement it.
 */
export interface KvPort {
  /** SET key value NX EX ttl; true when this call created the key. */
  setNx(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /**
   * Count one hit in the fixed window containing now; returns the count so far and the seconds
   * until the window resets.
   */
  hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }>;
}

/** Settings the app reads; `now` is the only clock the app uses. */
export interface AppConfig {
  /** staleness window (seconds) given to the default source `bootstrapEmbedded` creates; each source has its own */
  staleAfterSeconds: number;
  /** largest webhook or API body accepted (bytes); larger → 413 */
  maxBodyBytes: number;
  /** HS256 secret for dashboard/API access tokens */
  jwtSecret: string;
  /** master key for webhook-source secret envelopes (base64, 32 bytes) */
  masterKey: string;
  /**
   * refused unauthenticated webhook requests per client address (IPv6: per /64) and minute before
   * they are answered 429; authenticated requests are never counted here
   */
  ipRateLimitPerMin: number;
  /** contracts intake accepts; others are rejected as unknown_symbol */
  knownSymbols?: readonly string[];
  /** access-token lifetime (seconds) */
  accessTokenTtlSeconds: number;
  /** refresh-token lifetime (seconds) */
  refreshTokenTtlSeconds: number;
  now(): number;
}

/** Everything `createApp` needs; the worker entry builds it from bindings, `enigma start` from its own adapters. */
export interface AppDeps {
  db: EnigmaDb;
  kv: KvPort;
  bus: BusPublisher;
  config: AppConfig;
  logger: Logger;
  /**
   * Client IP of a request. Default: Cloudflare's `CF-Connecting-IP`. On Node, pass one reading the
   * socket address (behind no proxy) instead.
   */
  clientIp?: (req: Request, env: unknown) => string | undefined;
  /**
   * Webhook sources remembered between requests. `createApp` makes one per app when absent; the
   * worker entry keeps one per isolate (deps are rebuilt per request there).
   */
  sourceCache?: SourceCache;
  /**
   * Writes accepted signal rows. `createApp` given a deps object makes a group-committing
   * `BatchingSignalWriter` over `db` when absent; the worker entry passes `singleInsertWriter`.
   */
  signalWriter?: AcceptedSignalWriter;
  /**
   * Forgets outbox entries once they are on their stream. `createApp` given a deps object batches the
   * deletions off the request path (`BatchingOutboxDone`); absent (the worker), each is deleted before
   * the answer.
   */
  outboxDone?: OutboxDone;
  /**
   * Publishes a just-stored entry after the answer (the worker: `GatheredAppends`, one Upstash
   * `/pipeline` for the isolate's entries of a few milliseconds, in `ctx.waitUntil`). The answer still
   * means "durably accepted": the row and its outbox entry committed before it; a failed append
   * releases the entry to a resend or the relay. Absent (Node), the entry is appended before the answer.
   */
  publishLater?: (entry: OutboxEntry) => void;
  /**
   * Sends a webhook request's edge span where no OpenTelemetry SDK records it (the Worker with
   * `OTEL_EXPORTER_OTLP_ENDPOINT`): called once per request after its answer is decided; must not
   * throw nor block (the worker hands the export to `ctx.waitUntil`).
   */
  exportEdgeSpan?: (span: EdgeSpan) => void;
  /**
   * Keep the request's resources (the worker's per-request database pool) until `done` settles: a
   * streamed response (the trades CSV) reads the database after the handler has returned. Absent on
   * Node, where the pool outlives every request.
   */
  keepAlive?: (done: Promise<unknown>) => void;
  /**
   * Counts webhook refusals before authentication per client address and decides their 429. The
   * worker passes Cloudflare's rate-limiting binding when it has one (`bindingRefusalLimiter`); absent,
   * a one-minute window in `kv` against `config.ipRateLimitPerMin` (`kvRefusalLimiter`).
   */
  refusalLimiter?: RefusalLimiter;
  /**
   * Where the audit chain's head is kept outside the database (`enigma start`: a file under the data
   * dir). After each successful change through `/api`, the committed head is copied there; `GET
   * /api/audit/verify` checks the chain against it, so a deleted tail is caught. Absent: not anchored.
   */
  auditAnchor?: AuditAnchor;
}

/** Defaults for everything in AppConfig except the secrets. */
export const DEFAULT_CONFIG = {
  staleAfterSeconds: 60,
  maxBodyBytes: 64 * 1024,
  ipRateLimitPerMin: 600,
  accessTokenTtlSeconds: 15 * 60,
  refreshTokenTtlSeconds: 7 * 24 * 3600,
} as const;

/** Hono environment of the app: per-request variables. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    auth?: AuthContext;
  };
}

/** Who is calling the REST API. */
export interface AuthContext {
  subject: string;
  role: 'viewer' | 'trader' | 'admin';
  via: 'jwt' | 'api_key';
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
