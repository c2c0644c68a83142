import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../server.ts';
import { startTestSimulator } from '../test-helpers.ts';

const DAY = 86_400_000;
const H8 = 8 * 3_600_000;
const H4 = 4 * 3_600_000;

describe('GET /api/v1/contract/funding-rates', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(() => sim.close());

  const history = async (from: number, to: number) => {
    const res = await fetch(`${sim.url}/api/v1/contract/funding-rates?symbol=XBTUSDTM&from=${from}&to=${to}`);
    const body = (await res.json()) as { code: string; data: { timepoint: number; fundingRate: number }[] };
    expect(body.code).toBe('200000');
    return body.data;
  };

  it('answers past ranges on the settlement schedule (04:00, 12:00, 20:00 UTC), whatever `to` is', async () => {
    const to = Date.now() - 3 * DAY + 12_345; // not on a settlement
    const points = await history(to - 2 * DAY, to);
    expect(points.length).toBe(6);
    for (const p of points) {
      expect((p.timepoint - H4) % H8).toBe(0);
      expect(p.timepoint).toBeLessThanOrEqual(to);
      expect(p.timepoint).toBeGreaterThanOrEqual(to - 2 * DAY);
    }
    // newest first, one settlement apart
    for (let i = 1; i < points.length; i++) expect(points[i - 1]!.timepoint - points[i]!.timepoint).toBe(H8);
  });

  it('never answers a settlement that has not happened yet', async () => {
    const points = await history(Date.now() - DAY, Date.now() + DAY);
    expect(points.every((p) => p.timepoint <= Date.now())).toBe(true);
  });
});
