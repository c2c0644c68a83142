/**
 * Local view of KuCoin's "rate limit 2.0" resource pools: each pool has a quota per window and every
 * request deducts its weight. The gateway reports the state on every response in
 * `gw-ratelimit-limit / -remaining / -reset` (reset = ms until the window restarts), so we trust the
 * headers and, between responses, deduct weights locally so concurrent callers do not overrun.
 */
export interface PoolState {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms at which the window restarts. */
  resetAt: number | null;
}

export type PoolName = 'public' | 'futures';

export class RateLimiter {
  private readonly pools = new Map<PoolName, PoolState>();

  constructor(
    private readonly clock: () => number = Date.now,
    /** Weight kept in reserve so other processes on the same key are not starved. */
    private readonly reserve = 0,
  ) {}

  /** Current state of a pool (null fields until the first response). */
  state(pool: PoolName): PoolState {
    let s = this.pools.get(pool);
    if (!s) {
      s = { limit: null, remaining: null, resetAt: null };
      this.pools.set(pool, s);
    }
    return s;
  }

  /** Milliseconds to wait before spending `weight` from `pool` (0 = go now). */
  delayFor(pool: PoolName, weight: number): number {
    const s = this.state(pool);
    const now = this.clock();
    if (s.resetAt !== null && now >= s.resetAt) {
      s.remaining = s.limit;
      s.resetAt = null;
    }
    if (s.remaining === null || s.remaining - weight >= this.reserve) return 0;
    return s.resetAt === null ? 0 : Math.max(0, s.resetAt - now);
  }

  /** Deduct locally at send time; the next response's headers overwrite the estimate. */
  spend(pool: PoolName, weight: number): void {
    const s = this.state(pool);
    if (s.remaining !== null) s.remaining = Math.max(0, s.remaining - weight);
  }

  /** Read the gateway headers of a response (absent headers leave the state unchanged). */
  update(pool: PoolName, headers: { get(name: string): string | null }): void {
    const int = (name: string) => {
      const v = headers.get(name);
      const n = v === null ? Number.NaN : Number(v);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    };
    const limit = int('gw-ratelimit-limit');
    const remaining = int('gw-ratelimit-remaining');
    const reset = int('gw-ratelimit-reset');
    const s = this.state(pool);
    if (limit !== null) s.limit = limit;
    if (remaining !== null) s.remaining = remaining;
    if (reset !== null) s.resetAt = this.clock() + reset;
  }

  /** After a 429: nothing left until the reported reset (or `fallbackMs` when none was given). */
  exhausted(pool: PoolName, fallbackMs: number): void {
    const s = this.state(pool);
    s.remaining = 0;
    if (s.resetAt === null || s.resetAt <= this.clock()) s.resetAt = this.clock() + fallbackMs;
  }
}
