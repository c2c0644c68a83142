import { type Context, Hono } from 'hono';
import { SimError } from '../errors.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { requireAuth, type SimContext, type SimEnv } from './context.ts';
import { registerSessionRoutes } from './extra-routes.ts';
import { registerMarketRoutes } from './market-routes.ts';
import { POOL_QUOTA, RateLimiter, WINDOW_MS, weightOf } from './rate-limit.ts';
import { registerTradeRoutes } from './trade-routes.ts';

/** KuCoin's envelope for a gateway 429 / 5xx. */
function faultAnswer(c: Context<SimEnv>, status: number): Response {
  const code = status === 429 ? '429000' : '500000';
  const msg = status === 429 ? 'Too Many Requests' : 'Internal Server Error';
  return c.json({ code, msg }, status as 429);
}

/**
 * The KuCoin-compatible REST app: raw-body capture (for signatures), rate-limit headers (on faulted answers
 * too), fault middleware, KuCoin's envelope and error codes, then the route groups.
 */
export function createSimApp(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const limiter = new RateLimiter(ctx.poolQuota ?? POOL_QUOTA, ctx.rateLimitWindowMs ?? WINDOW_MS);

  app.use('*', async function captureBody(c, next) {
    // KuCoin's gateway checks KC-API-TIMESTAMP when a request arrives, not when it is processed.
    c.set('receivedAt', ctx.authClock.now());
    c.set('rawBody', c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text());
    await next();
  });

  app.use('/api/*', async function rateLimit(c, next) {
    const path = new URL(c.req.url).pathname;
    const { pool, weight } = weightOf(c.req.method, path, !!c.req.header('kc-api-key'));
    const r = limiter.take(pool, weight, ctx.authClock.now());
    const headers = (h: (k: string, v: string) => void) => {
      h('gw-ratelimit-limit', String(limiter.quota[pool]));
      h('gw-ratelimit-remaining', String(r.remaining));
      h('gw-ratelimit-reset', String(r.resetMs));
    };
    if (!r.allowed && ctx.enforceRateLimits) {
      headers((k, v) => c.header(k, v));
      return c.json({ code: '429000', msg: 'Too Many Requests' }, 429);
    }
    await next();
    headers((k, v) => c.header(k, v));
  });

  app.use('*', async function faultInjection(c, next) {
    const path = new URL(c.req.url).pathname;
    if (path.startsWith('/sim/')) return next();
    const fault = ctx.faults.take(c.req.method, path);
    const { delayMs, delayAfterMs } = ctx.faults.get();
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (fault?.kind === 'drop') {
      c.env.incoming.socket.destroy();
      return new Promise<Response>(() => {});
    }
    if (fault?.kind === 'error') return faultAnswer(c, fault.status);
    // Queued at the gateway: processed late whether or not the client is still waiting for the answer.
    if (fault?.kind === 'queue') await new Promise((r) => setTimeout(r, fault.ms));
    await next();
    if (fault?.kind === 'lose') {
      c.env.incoming.socket.destroy();
      return new Promise<Response>(() => {});
    }
    if (delayAfterMs > 0 && ctx.faults.appliesTo(path)) await new Promise((r) => setTimeout(r, delayAfterMs));
    // Processed (the order exists), answered as a gateway failure.
    if (fault?.kind === 'errorAfter') c.res = faultAnswer(c, fault.status);
  });

  app.use('*', async function persistChanges(c, next) {
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') ctx.onChange?.();
  });

  const auth = requireAuth(ctx);
  registerSessionRoutes(app, ctx, auth);
  registerMarketRoutes(app, ctx);
  registerTradeRoutes(app, ctx, auth);
  registerAccountRoutes(app, ctx, auth);
  registerAdminRoutes(app, ctx);

  app.notFound((c) => {
    ctx.onNotFound?.(c.req.method, c.req.url);
    return c.json({ code: '404000', msg: 'interface not exists' }, 404);
  });
  app.onError(function kucoinErrors(err, c) {
    if (err instanceof SimError) return c.json({ code: err.code, msg: err.message }, err.status);
    ctx.onInternalError?.(err);
    return c.json({ code: '500000', msg: 'Internal error' }, 500);
  });
  return app;
}
