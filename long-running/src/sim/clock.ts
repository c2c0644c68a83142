/** Time source of the simulator. Tests inject a {@link ManualClock} and advance it themselves. */
export interface Clock {
  now(): number;
}

/** Wall-clock time. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, so tests can cross funding times or token expiry without waiting.
 *
 * @example const clock = new ManualClock(Date.UTC(2025, 0, 1)); clock.advance(60_000);
 */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance needs a non-negative duration');
    this.t += ms;
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
}
