import { anchorAuditHead } from '@enigma/db/repositories/audit';
import { BatchingSignalWriter, singleInsertWriter } from '@enigma/db/repositories/signal-writer';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { registerApi } from './api/index.ts';
import type { AppDeps, AppEnv } from './deps.ts';
import { ApiError, errorResponse } from './errors.ts';
import { registerWebhooks } from './webhooks/index.ts';
import { BatchingOutboxDone } from './webhooks/outbox.ts';
import { SourceCache } from './webhooks/source-cache.ts';

export {
  type AcceptedSignalWriter,
  BatchingSignalWriter,
  singleInsertWriter,
} from '@enigma/db/repositories/signal-writer';
export { bootstrapEmbedded } from './bootstrap.ts';
export { UpstashBusPublisher } from './bus/upstash.ts';
export type { AppConfig, AppDeps, AppEnv, KvPort, Logger } from './deps.ts';
export { DEFAULT_CONFIG, silentLogger } from './deps.ts';
export { ApiError } from './errors.ts';
export { MemoryKv } from './kv/memory.ts';
export { UpstashKv } from './kv/upstash.ts';
export {
  BatchingOutboxDone,
  type OutboxDone,
  type RelayPass,
  relayOutbox,
  startOutboxRelay,
} from './webhooks/outbox.ts';

/**
 * Build the Hono app (webhooks, REST API, health) over its ports. The same app runs in workerd
 * (worker.ts builds the deps per request from bindings) and on Node (`enigma start`).
 *
 * @example
 * const app = createApp({ db, kv: new MemoryKv(), bus, config, logger });
 * serve({ fetch: app.fetch, port: 8787 });
 */
export function createApp(deps: AppDeps | ((env: unknown) => AppDeps)): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const sourceCache = new SourceCache();
  // One long-lived deps object (Node): accepted rows are group-committed. Deps built per request
  // (a factory, as in workerd) cannot share connections between requests: one INSERT each.
  const shared =
    typeof deps === 'function'
      ? undefined
      : {
          ...deps,
          sourceCache: deps.sourceCache ?? sourceCache,
          signalWriter: deps.signalWriter ?? new BatchingSignalWriter(deps.db),
          outboxDone: deps.outboxDone ?? new BatchingOutboxDone(deps.db, deps.logger),
        };
  app.use('*', async function withDeps(c, next) {
    if (shared) c.set('deps', shared);
    else {
      const d = (deps as (env: unknown) => AppDeps)(c.env);
      c.set(
        'deps',
        d.sourceCache && d.signalWriter
          ? d
          : {
              ...d,
              sourceCache: d.sourceCache ?? sourceCache,
              signalWriter: d.signalWriter ?? singleInsertWriter(d.db),
            },
      );
    }
    c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID());
    await next();
    c.header('x-request-id', c.get('requestId'));
  });

  // After a change through the API has committed, copy the audit chain's head outside the database.
  app.use('/api/*', async function anchorAudit(c, next) {
    await next();
    const deps = c.get('deps');
    if (!deps?.auditAnchor || c.req.method === 'GET' || c.req.method === 'HEAD' || c.res.status >= 400)
      return;
    try {
      await anchorAuditHead(deps.db, deps.auditAnchor);
    } catch (err) {
      deps.logger.warn({ requestId: c.get('requestId'), err: String(err) }, 'audit head not anchored');
    }
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  registerWebhooks(app);
  registerApi(app);

  app.notFound((c) =>
    errorResponse(c, new ApiError('not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError(function onError(err, c) {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      return errorResponse(c, new ApiError('bad_request', err.message || 'bad request'));
    }
    // Unknown errors never echo their message: it may hold SQL, hosts or secrets.
    c.get('deps')?.logger.error({ requestId: c.get('requestId'), err: describe(err) }, 'unhandled error');
    return errorResponse(c, new ApiError('internal', 'internal error'));
  });
  return app;
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
