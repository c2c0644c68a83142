/**
 * The flood scenario of issue #13: `badRate` requests per second with wrong secrets (loopback only)
 * while real alerts arrive at `goodRate` per second, for `seconds`. A bounded open loop: every 10 ms
 * it sends what the schedule owes, never more than `maxInFlight` at once (what it could not send is
 * reported, so a slow server shows as a lower achieved rate, not a hidden one).
 */
import { keepAliveClient } from '../src/testing/keep-alive-client.ts';
import { p99 } from './load.ts';

export interface FloodOptions {
  url: string;
  seconds: number;
  badRate?: number;
  goodRate?: number;
  maxInFlight?: number;
  badBody(i: number): string;
  goodBody(i: number): string;
}

export interface FloodResult {
  seconds: number;
  badSent: number;
  badRateAchieved: number;
  badStatuses: Record<string, number>;
  goodSent: number;
  goodAccepted: number;
  goodStatuses: Record<string, number>;
  goodP99Ms: number;
  skipped: number;
}

export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  const badRate = o.badRate ?? 500;
  const goodRate = o.goodRate ?? 10;
  const maxInFlight = o.maxInFlight ?? 256;
  const client = keepAliveClient(maxInFlight);
  const badStatuses: Record<string, number> = {};
  const goodStatuses: Record<string, number> = {};
  const goodLatencies: number[] = [];
  let badSent = 0;
  let goodSent = 0;
  let goodAccepted = 0;
  let skipped = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const send = (body: string, good: boolean) => {
    inFlight++;
    const t = performance.now();
    const p = client
      .post(`${o.url}/webhooks/tradingview`, body)
      .then(
        (r) => {
          const bucket = good ? goodStatuses : badStatuses;
          bucket[r.status] = (bucket[r.status] ?? 0) + 1;
          if (good) {
            goodLatencies.push(performance.now() - t);
            if (r.status === 202) goodAccepted++;
          }
        },
        () => {
          const bucket = good ? goodStatuses : badStatuses;
          bucket['error'] = (bucket['error'] ?? 0) + 1;
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(p);
      });
    pending.add(p);
  };
  const started = performance.now();
  const end = started + o.seconds * 1000;
  for (let now = performance.now(); now < end; now = performance.now()) {
    const elapsed = (now - started) / 1000;
    // Real alerts first: the flood must not be what delays them on the client side.
    while (goodSent < Math.floor(elapsed * goodRate) + 1 && goodSent < o.seconds * goodRate) {
      send(o.goodBody(goodSent), true);
      goodSent++;
    }
    while (badSent + skipped < Math.floor(elapsed * badRate)) {
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      send(o.badBody(badSent), false);
      badSent++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  // A stalled last tick must not drop real alerts from the schedule.
  while (goodSent < o.seconds * goodRate) {
    send(o.goodBody(goodSent), true);
    goodSent++;
  }
  await Promise.all([...pending]);
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    badSent,
    badRateAchieved: badSent / seconds,
    badStatuses,
    goodSent,
    goodAccepted,
    goodStatuses,
    goodP99Ms: p99(goodLatencies),
    skipped,
  };
}

/**
 * Rows a flood from one client address may write: the 1st, 10th, 100th, … refusal of each minute
 * window is sampled (`isRefusalSample`), so n refusals in a window write ⌊log10 n⌋ + 1 rows and a
 * flood spanning w windows at most w × (⌊log10(per-window count)⌋ + 1).
 */
export function floodRowBound(seconds: number, rate: number): number {
  const windows = Math.ceil(seconds / 60) + 1;
  const perWindow = Math.min(rate * seconds, rate * 60);
  return windows * (Math.floor(Math.log10(Math.max(1, perWindow))) + 1);
}
