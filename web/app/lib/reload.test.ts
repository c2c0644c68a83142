import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReloadScheduler } from './reload.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe("the dashboard's re-reads after live events", () => {
  it('coalesces a burst of events into one read', () => {
    vi.useFakeTimers();
    const reads: number[] = [];
    const s = new ReloadScheduler(() => reads.push(Date.now()), 200);
    for (let i = 0; i < 10; i++) s.request();
    vi.advanceTimersByTime(200);
    expect(reads).toHaveLength(1);
  });

  it('never starts a read while one is in flight, and reads once more after it when events came meanwhile', () => {
    vi.useFakeTimers();
    let started = 0;
    const s = new ReloadScheduler(() => {
      started++;
    }, 200);
    // a read that takes 1 s while events arrive every 50 ms: the old scheduling started (and so aborted)
    // a read every 200 ms; the page never finished one
    s.request();
    vi.advanceTimersByTime(200);
    s.settled(false);
    expect(started).toBe(1);
    for (let t = 0; t < 1_000; t += 50) {
      s.request();
      vi.advanceTimersByTime(50);
    }
    expect(started).toBe(1);
    s.settled(true);
    vi.advanceTimersByTime(200);
    expect(started).toBe(2);
    // nothing more came: no further read
    s.settled(false);
    s.settled(true);
    vi.advanceTimersByTime(1_000);
    expect(started).toBe(2);
  });

  it('takes a read never reported settled as done after maxBusyMs (the page keeps reading)', () => {
    vi.useFakeTimers();
    let started = 0;
    const s = new ReloadScheduler(
      () => {
        started++;
      },
      200,
      10_000,
    );
    s.request();
    vi.advanceTimersByTime(200);
    expect(started).toBe(1);
    s.request();
    vi.advanceTimersByTime(200);
    expect(started).toBe(1);
    vi.advanceTimersByTime(10_000);
    s.request();
    vi.advanceTimersByTime(200);
    expect(started).toBe(2);
  });
});
