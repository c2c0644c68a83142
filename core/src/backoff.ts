/** How an exponential back-off grows. Units are the caller's (ms for delays, s for the login wait). */
export interface BackoffOptions {
  /** the delay of attempt 0 */
  base: number;
  /** the largest delay before jitter (default: no cap) */
  max?: number;
  /** multiply by a uniform factor in [lo, hi) (e.g. [0.5, 1.5]), so reconnecting clients spread out */
  jitter?: readonly [lo: number, hi: number];
  /** the random source for the jitter, in [0, 1) (tests inject one) */
  random?: () => number;
}

/**
 * The one back-off formula: `min(max, base × 2^attempt)`, then the jitter factor. Attempt 0 is the
 * first retry; negative attempts count as 0.
 *
 * @example await sleep(exponentialBackoff(attempt, { base: 500, max: 30_000, jitter: [0.5, 1.5] }));
 */
export function exponentialBackoff(attempt: number, o: BackoffOptions): number {
  const delay = Math.min(o.max ?? Number.POSITIVE_INFINITY, o.base * 2 ** Math.max(0, attempt));
  if (!o.jitter) return delay;
  const [lo, hi] = o.jitter;
  return delay * (lo + (hi - lo) * (o.random ?? Math.random)());
}
