import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../server.ts';
import { startTestSimulator } from '../test-helpers.ts';
import { signRequest } from './auth.ts';
import { RateLimiter, weightOf } from './rate-limit.ts';

describe('rate limits', () => {
  it('weighs endpoints as KuCoin does', () => {
    expect(weightOf('POST', '/api/v1/orders', true)).toEqual({ pool: 'futures', weight: 2 });
    expect(weightOf('DELETE', '/api/v1/orders', true)).toEqual({ pool: 'futures', weight: 800 });
    expect(weightOf('DELETE', '/api/v1/orders/123', true)).toEqual({ pool: 'futures', weight: 1 });
    expect(weightOf('GET', '/api/v1/level2/depth20', false)).toEqual({ pool: 'public', weight: 5 });
  });

  it('opens a new 30 s window after the old one', () => {
    const r = new RateLimiter();
    expect(r.take('futures', 1990, 0)).toMatchObject({ allowed: true, remaining: 10 });
    expect(r.take('futures', 20, 1000)).toMatchObject({ allowed: false, remaining: 10, resetMs: 29_000 });
    expect(r.take('futures', 20, 30_000)).toMatchObject({ allowed: true, remaining: 1980 });
  });

  it('takes a shorter window when given one, and reports its rest as the reset', () => {
    const r = new RateLimiter(undefined, 3_000);
    expect(r.windowMs).toBe(3_000);
    expect(new RateLimiter().windowMs).toBe(30_000);
    expect(r.take('futures', 1990, 0)).toMatchObject({ allowed: true, remaining: 10, resetMs: 3_000 });
    expect(r.take('futures', 20, 1000)).toMatchObject({ allowed: false, remaining: 10, resetMs: 2_000 });
    expect(r.take('futures', 20, 3_000)).toMatchObject({ allowed: true, remaining: 1980, resetMs: 3_000 });
  });

  it("takes a higher VIP level's quota when given one", () => {
    const r = new RateLimiter({ public: 2000, futures: 40_000 });
    expect(r.take('futures', 39_990, 0)).toMatchObject({ allowed: true, remaining: 10 });
    expect(r.take('futures', 20, 1)).toMatchObject({ allowed: false, remaining: 10 });
    expect(r.take('public', 2001, 1)).toMatchObject({ allowed: false, remaining: 2000 });
  });

  describe('enforced over HTTP', () => {
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startTestSimulator({ enforceRateLimits: true });
    });
    afterAll(async () => {
      await sim.close();
    });

    it('answers 429 / 429000 once the futures pool is spent, and spares the public pool', async () => {
      const del = async () => {
        const res = await fetch(`${sim.url}/api/v1/orders`, {
          method: 'DELETE',
          headers: signRequest(sim.credentials, 'DELETE', '/api/v1/orders', '', Date.now()),
        });
        return {
          status: res.status,
          remaining: res.headers.get('gw-ratelimit-remaining'),
          body: await res.json(),
        };
      };
      expect(await del()).toMatchObject({ status: 200, remaining: '1200' });
      expect(await del()).toMatchObject({ status: 200, remaining: '400' });
      expect(await del()).toMatchObject({ status: 429, body: { code: '429000' } });
      expect((await fetch(`${sim.url}/api/v1/ticker?symbol=XBTUSDTM`)).status).toBe(200);
    });
  });

  it("reports the rest of the simulator's window in gw-ratelimit-reset: KuCoin's 30 s, or rateLimitWindowMs", async () => {
    const reset = async (sim: RunningSimulator) => {
      try {
        const res = await fetch(`${sim.url}/api/v1/ticker?symbol=XBTUSDTM`);
        return Number(res.headers.get('gw-ratelimit-reset'));
      } finally {
        await sim.close();
      }
    };
    const kucoin = await reset(await startTestSimulator());
    expect(kucoin).toBeGreaterThan(3_000);
    expect(kucoin).toBeLessThanOrEqual(30_000);
    const short = await reset(await startTestSimulator({ rateLimitWindowMs: 3_000 }));
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThanOrEqual(3_000);
  });
});
