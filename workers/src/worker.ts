/**
 * The Cloudflare Worker entry (wrangler.toml `main`). The Hono app (routes, OpenAPI registry) is built
 * once per isolate; only the ports that cannot outlive a request are made per request. Webhooks use
 * Neon's SQL-over-HTTP (one fetch per statement, no connection to open: intake needs no interactive
 * transaction); the REST API opens a Neon WebSocket pool for its transactions and closes it after the
 * response. A Cron Trigger (`scheduled`) runs the outbox relay.
 */
import { configureNeon, neonHttp, openNeonPool } from '@enigma/db/client.edge';
import type { EnigmaDb } from '@enigma/db/db-type';
import { deleteOutboxEntries, type OutboxEntry } from '@enigma/db/repositories/outbox';
import { type AcceptedSignalWriter, singleInsertWriter } from '@enigma/db/repositories/signal-writer';
import { Redis } from '@upstash/redis/cloudflare';
import type { Hono } from 'hono';
import { createApp } from './app.ts';
import { UpstashBusPublisher } from './bus/upstash.ts';
import { type AppDeps, type AppEnv, DEFAULT_CONFIG, type Logger } from './deps.ts';
import { parseWorkerEnv, type WorkerEnv } from './env.ts';
import { GatheredHits } from './kv/gathered-hits.ts';
import { UpstashKv } from './kv/upstash.ts';
import { UpstashAuditAnchor } from './kv/upstash-audit-anchor.ts';
import { UpstashRest } from './kv/upstash-rest.ts';
import { type EdgeSpan, otlpSpanExporter } from './observability/otlp-span.ts';
import { bindingRefusalLimiter, kvRefusalLimiter } from './security/refusal-limit.ts';
import { GatheredAppends } from './webhooks/gathered-appends.ts';
import { gatheredSignalWriter } from './webhooks/gathered-inserts.ts';
import { relayOutbox } from './webhooks/outbox.ts';
import { isWebhookPath } from './webhooks/path.ts';
import { SourceCache } from './webhooks/source-cache.ts';

/**
 * Whether calls of concurrent requests may be gathered on the answer's path (`GatheredCalls`): a request
 * waiting for its part of a batch is resumed by a promise another request resolves, which is safe only
 * where the runtime runs that continuation in the waiting request's own context — workerd's
 * `handle_cross_request_promise_resolution`, on by default since 2024 (so with this worker's
 * compatibility date, on Cloudflare and in Miniflare). Where it is off (vitest-pool-workers forces
 * `no_handle_cross_request_promise_resolution` on its runner), each request's calls stay its own.
 */
const GATHER_ACROSS_REQUESTS =
  (globalThis as { Cloudflare?: { compatibilityFlags?: Record<string, boolean> } }).Cloudflare
    ?.compatibilityFlags?.['handle_cross_request_promise_resolution'] === true;

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

/** The per-request deps travel to the once-built app inside its env, under this key. */
const DEPS = '__enigmaDeps';
let app: Hono<AppEnv> | undefined;
function appOnce(): Hono<AppEnv> {
  app ??= createApp((env) => (env as { [DEPS]: AppDeps })[DEPS]);
  return app;
}

/**
 * What lives as long as the bindings object (the isolate): the validated env, and the ports that hold
 * no connection — the Upstash client and Neon's SQL-over-HTTP client are a `fetch` per call, so one
 * instance serves every request (building drizzle over the schema costs ~1.4 ms of CPU each time).
 */
interface IsolatePorts {
  raw: unknown;
  env: WorkerEnv;
  ports: ReturnType<typeof edgePorts>;
  /** SQL over HTTP, when it reaches the database (see `httpUsable`) */
  httpDb: EnigmaDb | undefined;
  /** forgets published outbox entries in batches, over `httpDb` */
  forget: IsolateOutboxForget | undefined;
  /** appends accepted entries after the answer, gathered across requests (with `httpDb`) */
  appends: GatheredAppends | undefined;
  /** accepted signals over `httpDb` */
  httpWriter: AcceptedSignalWriter | undefined;
  config: AppDeps['config'];
}
let isolate: IsolatePorts | undefined;
/** Bindings are the same object for the isolate's life: validate them and build the ports once per object. */
function isolateOf(rawEnv: unknown): IsolatePorts {
  if (!isolate || isolate.raw !== rawEnv) {
    const env = parseWorkerEnv(rawEnv);
    const ports = edgePorts(env);
    const httpDb = httpUsable(env) ? neonHttp(env.DATABASE_URL) : undefined;
    const forget = httpDb ? new IsolateOutboxForget(httpDb, ports.logger) : undefined;
    // Accepted rows of concurrent requests group-committed: one statement (one fetch, one commit) for the
    // rows that arrive while the isolate's statement is out (docs/intake.md, fifth round). One out at a
    // time, not two: fewer, larger statements (each a subrequest, the isolate's dearest step per alert
    // after the request itself; sixth round).
    const httpWriter = httpDb
      ? GATHER_ACROSS_REQUESTS
        ? gatheredSignalWriter(httpDb, { maxInFlight: 1 })
        : singleInsertWriter(httpDb)
      : undefined;
    const appends =
      httpDb && forget
        ? new GatheredAppends({
            rest: ports.rest,
            bus: ports.bus,
            db: httpDb,
            logger: ports.logger,
            published: (ids, ctx) => {
              for (const id of ids) forget.done(id, ctx);
            },
          })
        : undefined;
    const config: AppDeps['config'] = {
      ...DEFAULT_CONFIG,
      maxBodyBytes: env.MAX_BODY_BYTES,
      ipRateLimitPerMin: env.IP_RATE_LIMIT_PER_MIN,
      jwtSecret: env.JWT_SECRET,
      masterKey: env.ENIGMA_MASTER_KEY,
      now: () => Date.now(),
    };
    isolate = { raw: rawEnv, env, ports, httpDb, forget, appends, httpWriter, config };
  }
  return isolate;
}

function edgePorts(env: WorkerEnv) {
  if (env.NEON_WS_PROXY || env.NEON_HTTP_ENDPOINT) {
    configureNeon({
      ...(env.NEON_WS_PROXY ? { wsProxy: env.NEON_WS_PROXY } : {}),
      ...(env.NEON_HTTP_ENDPOINT ? { fetchEndpoint: env.NEON_HTTP_ENDPOINT } : {}),
    });
  }
  const redis = new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    enableTelemetry: false,
    // Auto-pipelining builds a whole Pipeline (hundreds of command closures) for every command and may
    // gather commands of concurrent requests into one fetch: each request's commands are sent as its own.
    enableAutoPipelining: false,
  });
  const logger = consoleLogger(env.LOG_LEVEL);
  let exportFailures = 0;
  const exportSpan = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? otlpSpanExporter({
        endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
        headers: env.OTEL_EXPORTER_OTLP_HEADERS,
        serviceName: env.OTEL_SERVICE_NAME,
        onError: (e) =>
          logger.warn({ err: String(e), failures: ++exportFailures }, 'edge span: export failed'),
      })
    : undefined;
  // The intake's commands (budget INCR, XADD) as plain REST calls: @upstash/redis's command objects,
  // base64 replies and header merging cost the isolate ~0.4 ms of CPU per alert.
  const rest = new UpstashRest(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN);
  // The per-source budget's hits of concurrent requests in one call (each still waits for its count).
  const kv = new UpstashKv(
    redis,
    `${env.REDIS_KEY_PREFIX}enigma:kv:`,
    Date.now,
    rest,
    GATHER_ACROSS_REQUESTS ? new GatheredHits(rest) : undefined,
  );
  return {
    exportSpan,
    rest,
    kv,
    // Cloudflare's rate limiter where the binding is configured (no Upstash round trip per refusal),
    // else the Upstash window counter.
    refusalLimiter: env.REFUSAL_LIMITER
      ? bindingRefusalLimiter(env.REFUSAL_LIMITER)
      : kvRefusalLimiter(kv, env.IP_RATE_LIMIT_PER_MIN),
    bus: new UpstashBusPublisher(redis, env.REDIS_KEY_PREFIX, rest),
    logger,
    // the audit chain's head, kept outside the database (docs/security.md)
    auditAnchor: new UpstashAuditAnchor(redis, `${env.REDIS_KEY_PREFIX}enigma:audit:anchor`),
  };
}

/** How long published entries wait to be forgotten together (one DELETE for the alerts of 100 ms). */
const FORGET_DELAY_MS = 100;
/** A flush not started within this long is taken for lost (its request was cancelled): the next starts another. */
const FORGET_STALE_MS = 2_000;

/**
 * Published outbox entries forgotten together: over SQL-over-HTTP (no connection held) the ids of the
 * isolate's concurrent requests are plain data, so the first request to publish schedules one `DELETE`
 * (in its own `ctx.waitUntil`, after its answer) for every id published in the next `FORGET_DELAY_MS`. One
 * statement and one commit for several alerts instead of one each. A flush that never runs (isolate
 * evicted, request cancelled) only leaves entries for the relay to publish once more after their lease:
 * at-least-once, consumers dedupe by the payload's id.
 */
class IsolateOutboxForget {
  #ids: string[] = [];
  #scheduledAt: number | undefined;
  constructor(
    private readonly db: EnigmaDb,
    private readonly logger: Logger,
  ) {}

  done(id: string, ctx: { waitUntil(p: Promise<unknown>): void }): void {
    this.#ids.push(id);
    const now = Date.now();
    if (this.#scheduledAt !== undefined && now - this.#scheduledAt < FORGET_STALE_MS) return;
    this.#scheduledAt = now;
    const flush = new Promise((r) => setTimeout(r, FORGET_DELAY_MS)).then(async () => {
      this.#scheduledAt = undefined;
      const all = this.#ids.splice(0);
      for (let i = 0; i < all.length; i += 1_000) {
        const ids = all.slice(i, i + 1_000);
        await deleteOutboxEntries(this.db, ids).catch((e: unknown) =>
          this.logger.warn({ err: String(e), entries: ids.length }, 'outbox: could not forget entries'),
        );
      }
    });
    ctx.waitUntil(flush);
  }
}

/**
 * What one request's deps hold of its context: the database (the isolate's SQL-over-HTTP client, or a
 * pool of the request's own), the promises a per-request pool must outlive, and how published outbox
 * entries are forgotten (`OutboxDone`): after the answer (their lease keeps the relay away meanwhile),
 * over SQL-over-HTTP together with those of the isolate's other requests; a lost DELETE only means the
 * relay publishes it once more (at-least-once, consumers dedupe).
 */
class RequestScope {
  readonly holds: Promise<unknown>[] = [];
  readonly db: EnigmaDb;
  constructor(
    private readonly iso: IsolatePorts,
    private readonly ctx: { waitUntil(p: Promise<unknown>): void },
    private readonly pool: { db: EnigmaDb } | undefined,
  ) {
    this.db = pool ? pool.db : (iso.httpDb as EnigmaDb);
  }

  /** A streamed answer (the trades CSV) still reads after fetch returns: the pool ends after it. */
  keepAlive(done: Promise<unknown>): void {
    this.holds.push(done);
  }

  exportEdgeSpan(exportSpan: (span: EdgeSpan) => Promise<unknown>, span: EdgeSpan): void {
    this.ctx.waitUntil(exportSpan(span));
  }

  /** The stream append after the answer, gathered with the isolate's other requests' (SQL over HTTP only). */
  publishLater(entry: OutboxEntry): void {
    this.iso.appends!.later(entry, this.ctx);
  }

  done(id: string): Promise<void> {
    if (this.iso.forget && !this.pool) {
      this.iso.forget.done(id, this.ctx);
      return Promise.resolve();
    }
    const forgotten = deleteOutboxEntries(this.db, [id]).catch((e: unknown) =>
      this.iso.ports.logger.warn({ err: String(e), signalId: id }, 'outbox: could not forget an entry'),
    );
    this.holds.push(forgotten); // a per-request pool ends only after it
    this.ctx.waitUntil(forgotten);
    return Promise.resolve();
  }
}

/** SQL over HTTP where it reaches the database (Neon; locally only when the proxy's endpoint is given). */
function httpUsable(env: WorkerEnv): boolean {
  return !env.NEON_WS_PROXY || env.NEON_HTTP_ENDPOINT !== undefined;
}

export default {
  async fetch(
    request: Request,
    rawEnv: unknown,
    ctx: { waitUntil(p: Promise<unknown>): void },
  ): Promise<Response> {
    let iso: IsolatePorts;
    try {
      iso = isolateOf(rawEnv);
    } catch (e) {
      // Names of the missing or invalid bindings only; values are never logged.
      console.error(JSON.stringify({ level: 'error', msg: (e as Error).message }));
      return Response.json(
        { error: { code: 'unavailable', message: 'the service is not configured', details: {} } },
        { status: 503 },
      );
    }
    const { env, ports, httpDb } = iso;
    const webhook = isWebhookPath(request.url);
    const pool = webhook && httpDb ? undefined : openNeonPool(env.DATABASE_URL);
    const scope = new RequestScope(iso, ctx, pool);
    const { exportSpan, rest: _rest, ...shared } = ports;
    // Per request only what holds the request's context; the rest was built once for the isolate
    // (closures made per request cost the isolate more than they look: esbuild names each one).
    const deps: AppDeps = {
      ...shared,
      db: scope.db,
      keepAlive: scope.keepAlive.bind(scope),
      // The edge span goes after the answer; its export never holds nor fails the request.
      ...(exportSpan ? { exportEdgeSpan: scope.exportEdgeSpan.bind(scope, exportSpan) } : {}),
      sourceCache,
      signalWriter: pool ? singleInsertWriter(pool.db) : iso.httpWriter!,
      outboxDone: scope,
      ...(iso.appends && !pool ? { publishLater: scope.publishLater.bind(scope) } : {}),
      config: iso.config,
    };
    try {
      // The bindings reached through the prototype: no copy of them per request.
      const env: Record<string, unknown> = Object.create(rawEnv as object);
      env[DEPS] = deps;
      return await appOnce().fetch(request, env, ctx as never);
    } finally {
      if (pool) ctx.waitUntil(Promise.allSettled(scope.holds).then(() => pool.pool.end()));
    }
  },

  /**
   * Cron Trigger (wrangler.toml `[triggers]`, every minute): re-publish accepted alerts whose stream
   * append failed or whose request died between the insert and the append. The long-running side
   * runs the same relay every 2 s; either is enough, both are safe together.
   */
  async scheduled(_controller: unknown, rawEnv: unknown, ctx: { waitUntil(p: Promise<unknown>): void }) {
    const { env, ports, httpDb: db } = isolateOf(rawEnv);
    const pool = db ? undefined : openNeonPool(env.DATABASE_URL);
    const pass = relayOutbox({ db: db ?? pool!.db, bus: ports.bus }).then((r) => {
      if (r.published + r.failed > 0) ports.logger.info({ ...r }, 'outbox relay');
    });
    ctx.waitUntil(pass.finally(() => pool?.pool.end()));
    await pass;
  },
};
