/**
 * Tracks when each feed (e.g. `XBTUSDTM:ticker`, `XBTUSDTM:level2`) last delivered data, so the
 * engine can ask "is this fresh?" and refuse to trade on stale data. Time is passed in.
 */
export class FreshnessTracker {
  private readonly last = new Map<string, number>();

  constructor(private readonly staleAfterMs: number) {
    if (!(staleAfterMs > 0)) throw new RangeError('staleAfterMs must be positive');
  }

  touch(feed: string, now: number): void {
    this.last.set(feed, now);
  }

  /** A feed that never delivered is not fresh. */
  isFresh(feed: string, now: number): boolean {
    const at = this.last.get(feed);
    return at !== undefined && now - at <= this.staleAfterMs;
  }

  ageMs(feed: string, now: number): number | undefined {
    const at = this.last.get(feed);
    return at === undefined ? undefined : now - at;
  }

  /** Feeds known to the tracker that are stale at `now`. */
  stale(now: number): string[] {
    return [...this.last.keys()].filter((f) => !this.isFresh(f, now));
  }

  snapshot(now: number): { feed: string; ageMs: number; fresh: boolean }[] {
    return [...this.last].map(([feed, at]) => ({
      feed,
      ageMs: now - at,
      fresh: now - at <= this.staleAfterMs,
    }));
  }
}
