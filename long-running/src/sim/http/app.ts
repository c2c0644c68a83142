import { Hono } from 'hono';
import { SimError } from '../errors.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { requireAuth, type SimContext, type SimEnv } from './context.ts';
import { registerSessionRoutes } from './extra-routes.ts';
import { registerMarketRoutes } from './market-routes.ts';
import { registerTradeRoutes } from './trade-routes.ts';

const WINDOW_MS = 30_000;
const POOL_QUOTA = 2000;

/**
 * The KuCoin-compatible REST app: fault middleware, raw-body capture (for signatures), rate-limit headers,
 * KuCoin's envelope and error codes, then the route groups.
 */
export function createSimApp(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const pools = new Map<string, { start: number; used: number }>();

  app.use('*', async function faultInjection(c, next) {
    const path = new URL(c.req.url).pathname;
    if (path.startsWith('/sim/')) return next();
    const fault = ctx.faults.take(c.req.method, path);
    const { delayMs } = ctx.faults.get();
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    if (fault?.kind === 'drop') {
      c.env.incoming.socket.destroy();
      return new Promise<Response>(() => {});
    }
    if (fault?.kind === 'error') {
      const code = fault.status === 429 ? '429000' : '500000';
      const msg = fault.status === 429 ? 'Too Many Requests' : 'Internal Server Error';
      return c.json({ code, msg }, fault.status as 429);
    }
    await next();
    if (fault?.kind === 'lose') {
      c.env.incoming.socket.destroy();
      return new Promise<Response>(() => {});
    }
  });

  app.use('*', async function captureBody(c, next) {
    c.set('rawBody', c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text());
    await next();
  });

  app.use('/api/*', async function rateLimitHeaders(c, next) {
    const pool = c.req.header('kc-api-key') ? 'futures' : 'public';
    const now = ctx.authClock.now();
    let p = pools.get(pool);
    if (!p || now - p.start >= WINDOW_MS) {
      p = { start: now, used: 0 };
      pools.set(pool, p);
    }
    p.used += 1;
    await next();
    c.header('gw-ratelimit-limit', String(POOL_QUOTA));
    c.header('gw-ratelimit-remaining', String(Math.max(0, POOL_QUOTA - p.used)));
    c.header('gw-ratelimit-reset', String(Math.max(0, WINDOW_MS - (now - p.start))));
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
