import { describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { GatheredHits } from './gathered-hits.ts';
import { UpstashKv } from './upstash.ts';
import { UpstashRest } from './upstash-rest.ts';

// The per-source budget's hits of concurrent requests in one Upstash call (real Redis behind the bridge):
// each hit gets the count it would have got alone.

const prefix = `enigma_t_hits_${crypto.randomUUID().slice(0, 8)}:`;
const up = useUpstashBridge('hits', { prefix });

describe('GatheredHits', () => {
  it('numbers the concurrent hits of each key 1…n, in fewer calls, and the window opener sets the expiry', async () => {
    const hits = new GatheredHits(new UpstashRest(up.bridge.url, 'hits'));
    const a = `${prefix}a`;
    const b = `${prefix}b`;
    const keys = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? b : a));
    const counts = await Promise.all(keys.map((k) => hits.hit(k, 61)));
    const of = (k: string) => counts.filter((_, i) => keys[i] === k).sort((x, y) => x - y);
    expect(of(a)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(of(b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    // in the order the hits were made, per key
    expect(counts.filter((_, i) => keys[i] === a)).toEqual(of(a));
    expect(hits.calls.batches).toBeLessThan(keys.length);
    expect(Number(await up.redis.get(a))).toBe(20);
    for (const k of [a, b]) {
      const ttl = await up.redis.ttl(k);
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(61);
    }
    // later hits go on counting
    expect(await Promise.all([hits.hit(a, 61), hits.hit(a, 61)])).toEqual([21, 22]);
  });

  it('a key Redis refuses fails only its own hits', async () => {
    const hits = new GatheredHits(new UpstashRest(up.bridge.url, 'hits'));
    const wrong = `${prefix}wrong`;
    await up.redis.set(wrong, 'not a number');
    const good = `${prefix}good`;
    const results = await Promise.allSettled([good, wrong, good, wrong].map((k) => hits.hit(k, 61)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toEqual([1, 2]);
  });

  it('is what UpstashKv.hit uses when given: the budget’s window counter', async () => {
    const rest = new UpstashRest(up.bridge.url, 'hits');
    const hits = new GatheredHits(rest);
    const kv = new UpstashKv(up.redis, `${prefix}kv:`, () => 120_000, rest, hits);
    const got = await Promise.all(Array.from({ length: 5 }, () => kv.hit('src', 60)));
    expect(got.map((g) => g.count)).toEqual([1, 2, 3, 4, 5]);
    expect(got[0]!.resetSeconds).toBe(60);
    expect(hits.calls.batches).toBe(2);
    expect(Number(await up.redis.get(`${prefix}kv:src:2`))).toBe(5);
  });
});
