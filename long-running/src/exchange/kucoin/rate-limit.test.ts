import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit.ts';

const headers = (h: Record<string, string>) => new Headers(h);

describe('RateLimiter', () => {
  it('lets requests through until the gateway has reported a pool', () => {
    expect(new RateLimiter(() => 0).delayFor('futures', 20)).toBe(0);
  });

  it('waits for the reset when the weight would overrun the remaining quota', () => {
    let now = 1000;
    const limiter = new RateLimiter(() => now);
    limiter.update(
      'futures',
      headers({ 'gw-ratelimit-limit': '2000', 'gw-ratelimit-remaining': '5', 'gw-ratelimit-reset': '12000' }),
    );
    expect(limiter.delayFor('futures', 5)).toBe(0);
    limiter.spend('futures', 5);
    expect(limiter.delayFor('futures', 2)).toBe(12000);
    now = 13_000; // window restarted: the quota is full again
    expect(limiter.delayFor('futures', 2)).toBe(0);
    expect(limiter.state('futures').remaining).toBe(2000);
  });

  it('keeps pools apart and ignores malformed headers', () => {
    const limiter = new RateLimiter(() => 0);
    limiter.update('public', headers({ 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '500' }));
    limiter.update('public', headers({ 'gw-ratelimit-remaining': 'abc', 'gw-ratelimit-reset': '-1' }));
    expect(limiter.delayFor('public', 1)).toBe(500);
    expect(limiter.delayFor('futures', 1)).toBe(0);
  });

  it('treats a 429 as an empty pool until the fallback delay when no reset was reported', () => {
    const limiter = new RateLimiter(() => 100);
    limiter.exhausted('futures', 250);
    expect(limiter.delayFor('futures', 1)).toBe(250);
  });
});
