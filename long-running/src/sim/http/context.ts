import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import type { SimEngine } from '../engine.ts';
import { SimError } from '../errors.ts';
import type { Faults } from '../faults.ts';
import type { TokenStore } from '../ws/tokens.ts';
import { type SimCredentials, verifyRequest } from './auth.ts';

/** Everything a route handler needs. */
export interface SimContext {
  engine: SimEngine;
  credentials: SimCredentials;
  faults: Faults;
  tokens: TokenStore;
  /** ws:// endpoint returned by the bullet calls (no query of its own). */
  wsEndpoint: () => string;
  /** Clock for the KC-API-TIMESTAMP window: clients sign with wall time even when the market clock is manual. */
  authClock: Clock;
  pingInterval: number;
  pingTimeout: number;
  /** Called with unexpected handler errors (answered as 500000). */
  onInternalError?: (err: Error) => void;
  /** Answer 429000 once a pool's 30 s quota is used up (headers are sent either way). */
  enforceRateLimits?: boolean;
  /** per-pool quotas per 30 s window (default KuCoin's VIP 0: 2,000 each) */
  poolQuota?: { public: number; futures: number };
  /** length of a quota window (default KuCoin's 30 s) */
  rateLimitWindowMs?: number;
  /** Source addresses the key accepts (KuCoin's IP whitelist); undefined = any. */
  ipWhitelist?: string[];
  /** Key permissions; without `Futures` every state-changing call gets 400007. Undefined = all. */
  keyPermissions?: ('General' | 'Futures')[];
  /** Called after every state-changing (non-GET) request, before it is answered: the persister. */
  onChange?: () => void;
  /** Called for requests to paths the simulator does not serve. */
  onNotFound?: (method: string, path: string) => void;
}

/** Hono environment: node bindings plus what the signature check keeps of the request. */
export type SimEnv = {
  Bindings: HttpBindings;
  /** the raw body (signature check) and when the request arrived (`authClock`: its timestamp window) */
  Variables: { rawBody: string; receivedAt: number };
};
/** Route handler context. */
export type SimC = Context<SimEnv>;

/** KuCoin's success envelope. */
export function ok(c: SimC, data: unknown) {
  return c.json({ code: '200000', data });
}

/** The query string exactly as received (still percent-encoded). */
export function rawQueryOf(c: SimC): string {
  const url = c.req.url;
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

/** Middleware: verify KuCoin's signature headers on a private route. */
export function requireAuth(ctx: SimContext): MiddlewareHandler<SimEnv> {
  return async function kucoinAuth(c, next) {
    const body = c.get('rawBody') ?? '';
    verifyRequest({
      headers: (n) => c.req.header(n),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      rawQuery: rawQueryOf(c),
      body,
      now: c.get('receivedAt') ?? ctx.authClock.now(),
      credentials: ctx.credentials,
    });
    const ip = c.env.incoming.socket.remoteAddress ?? '';
    if (ctx.ipWhitelist && !ctx.ipWhitelist.includes(ip.replace(/^::ffff:/, '')))
      throw new SimError('400006', `Invalid request ip, the current clientIp is:${ip}`, 403);
    const trading = c.req.method !== 'GET' && !new URL(c.req.url).pathname.startsWith('/api/v1/bullet');
    if (trading && ctx.keyPermissions && !ctx.keyPermissions.includes('Futures'))
      throw new SimError('400007', 'Access Denied', 403);
    await next();
  };
}

/** Parsed JSON body (or undefined); a malformed body is a parameter error. */
export function jsonBody(c: SimC): unknown {
  const raw = c.get('rawBody');
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new SimError('400100', 'Invalid JSON body', 400);
  }
}

/** A query parameter, or undefined when absent or empty. */
export function q(c: SimC, name: string): string | undefined {
  const v = c.req.query(name);
  // KuCoin's official Node SDK serialises unset optional fields as the text "undefined".
  return v === undefined || v === '' || v === 'undefined' || v === 'null' ? undefined : v;
}

/** A required `symbol` query parameter naming a listed contract. */
export function symbolParam(ctx: SimContext, c: SimC, name = 'symbol'): string {
  const s = q(c, name) ?? c.req.param(name);
  if (!s) throw new SimError('100001', `${name} is required`);
  if (!ctx.engine.markets.has(s)) throw new SimError('100003', 'Contract parameter invalid');
  return s;
}

/** An optional non-negative integer query parameter; anything else is rejected. */
export function intParam(c: SimC, name: string): number | undefined {
  const v = q(c, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new SimError('100001', `${name} must be a non-negative integer`);
  return Number(v);
}

/** KuCoin's "Pagination" object. */
export function paginate<T>(c: SimC, items: T[]): Record<string, unknown> {
  const currentPage = Math.max(1, intParam(c, 'currentPage') ?? 1);
  const pageSize = Math.min(1000, Math.max(1, intParam(c, 'pageSize') ?? 50));
  const start = (currentPage - 1) * pageSize;
  return {
    currentPage,
    pageSize,
    totalNum: items.length,
    totalPage: Math.ceil(items.length / pageSize),
    items: items.slice(start, start + pageSize),
  };
}
