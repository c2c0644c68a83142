/**
 * KuCoin's "rate limit 2.0": each resource pool has a quota per 30 s window that starts with the
 * first request, and each request deducts its endpoint's weight (KUCOIN.md §3.1 / §5, VIP 0).
 */

export type Pool = 'public' | 'futures';

/** Length of a quota window (KuCoin's; the simulator's `rateLimitWindowMs` can shorten it for tests). */
export const WINDOW_MS = 30_000;
/** VIP-0 quota per pool and window. */
export const POOL_QUOTA: Record<Pool, number> = { public: 2000, futures: 2000 };

type Row = [method: string, path: RegExp, pool: Pool, weight: number];

const TABLE: Row[] = [
  ['GET', /^\/api\/v1\/contracts\/active$/, 'public', 3],
  ['GET', /^\/api\/v1\/contracts\/risk-limit\//, 'public', 5],
  ['GET', /^\/api\/v1\/contracts\//, 'public', 3],
  ['GET', /^\/api\/v1\/ticker$/, 'public', 2],
  ['GET', /^\/api\/v1\/allTickers$/, 'public', 5],
  ['GET', /^\/api\/v1\/level2\/snapshot$/, 'public', 3],
  ['GET', /^\/api\/v1\/level2\/depth\d+$/, 'public', 5],
  ['GET', /^\/api\/v1\/trade\/history$/, 'public', 5],
  ['GET', /^\/api\/v1\/kline\/query$/, 'public', 3],
  ['GET', /^\/api\/v1\/mark-price\//, 'public', 3],
  ['GET', /^\/api\/v1\/interest\/query$/, 'public', 5],
  ['GET', /^\/api\/v1\/premium\/query$/, 'public', 3],
  ['GET', /^\/api\/v1\/trade-statistics$/, 'futures', 3],
  ['GET', /^\/api\/v1\/status$/, 'public', 4],
  ['POST', /^\/api\/v1\/bullet-public$/, 'public', 10],
  ['POST', /^\/api\/v1\/bullet-private$/, 'futures', 10],
  ['GET', /^\/api\/v1\/funding-rate\//, 'public', 2],
  ['GET', /^\/api\/v1\/contract\/funding-rates$/, 'public', 5],
  ['POST', /^\/api\/v1\/orders\/multi$/, 'futures', 20],
  ['POST', /^\/api\/v1\/(orders|orders\/test|st-orders)$/, 'futures', 2],
  ['DELETE', /^\/api\/v1\/orders\/multi-cancel$/, 'futures', 20],
  ['DELETE', /^\/api\/v1\/orders\/client-order\//, 'futures', 1],
  ['DELETE', /^\/api\/v1\/orders\/[^/]+$/, 'futures', 1],
  ['DELETE', /^\/api\/v3\/orders$/, 'futures', 10],
  ['DELETE', /^\/api\/v1\/orders$/, 'futures', 800],
  ['DELETE', /^\/api\/v1\/stopOrders$/, 'futures', 15],
  ['GET', /^\/api\/v1\/orders$/, 'futures', 2],
  ['GET', /^\/api\/v1\/(orders\/[^/]+|recentDoneOrders)$/, 'futures', 5],
  ['GET', /^\/api\/v1\/stopOrders$/, 'futures', 6],
  ['GET', /^\/api\/v1\/openOrderStatistics$/, 'futures', 10],
  ['GET', /^\/api\/v1\/(fills|recentFills)$/, 'futures', 5],
  ['POST', /^\/api\/v1\/position\/risk-limit-level\/change$/, 'futures', 5],
  ['POST', /^\/api\/v1\/position\/margin\/(deposit-margin|auto-deposit-status)$/, 'futures', 4],
  ['POST', /^\/api\/v1\/margin\/withdrawMargin$/, 'futures', 10],
  ['GET', /^\/api\/v1\/margin\/maxWithdrawMargin$/, 'futures', 10],
  ['GET', /^\/api\/v1\/funding-history$/, 'futures', 5],
  ['GET', /^\/api\/v1\/account-overview$/, 'futures', 5],
  ['GET', /^\/api\/v1\/trade-fees$/, 'futures', 3],
];

/** Pool and weight of a request; unlisted futures paths weigh 2 in the futures pool, others 2 public. */
export function weightOf(method: string, path: string, signed: boolean): { pool: Pool; weight: number } {
  for (const [m, re, pool, weight] of TABLE) if (m === method && re.test(path)) return { pool, weight };
  return { pool: signed ? 'futures' : 'public', weight: 2 };
}

/** Per-pool windows; `take` deducts a weight and says whether the quota still held. */
export class RateLimiter {
  private readonly windows = new Map<Pool, { start: number; used: number }>();

  /**
   * `quota`: per-pool quotas per window (KuCoin's VIP-0 by default; higher VIP levels get more).
   * `windowMs`: the window's length (KuCoin's 30 s by default; tests that wait for a reset shorten it).
   */
  constructor(
    readonly quota: Record<Pool, number> = POOL_QUOTA,
    readonly windowMs: number = WINDOW_MS,
  ) {}

  take(pool: Pool, weight: number, now: number): { allowed: boolean; remaining: number; resetMs: number } {
    let w = this.windows.get(pool);
    if (!w || now - w.start >= this.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(pool, w);
    }
    const quota = this.quota[pool];
    const allowed = w.used + weight <= quota;
    if (allowed) w.used += weight;
    return {
      allowed,
      remaining: Math.max(0, quota - w.used),
      resetMs: Math.max(0, this.windowMs - (now - w.start)),
    };
  }
}
