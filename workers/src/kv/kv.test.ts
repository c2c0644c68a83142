import { describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import type { KvPort } from '../deps.ts';
import { MemoryKv } from './memory.ts';
import { UpstashKv } from './upstash.ts';
import { UpstashBatcher } from './upstash-batcher.ts';
import { UpstashRest } from './upstash-rest.ts';

const prefix = `enigma_t_kv_${crypto.randomUUID().slice(0, 8)}:`;
const clock = { now: Date.UTC(2024, 4, 1, 12, 0, 0) };
const up = useUpstashBridge('kv', { prefix });

/** The same contract for both implementations of the port. */
describe.each([
  ['MemoryKv', () => new MemoryKv(() => clock.now) as KvPort],
  ['UpstashKv over the bridge', () => new UpstashKv(up.redis, prefix, () => clock.now) as KvPort],
  [
    'UpstashKv with shared pipelines',
    () => new UpstashKv(up.redis, prefix, () => clock.now, new UpstashBatcher(up.redis)) as KvPort,
  ],
  [
    'UpstashKv over plain REST calls (the worker)',
    () => new UpstashKv(up.redis, prefix, () => clock.now, new UpstashRest(up.bridge.url, 'kv')) as KvPort,
  ],
])('%s', (_name, make) => {
  it('sets a key only if absent, and reads and deletes it', async () => {
    const kv = make();
    const key = `nx:${crypto.randomUUID()}`;
    expect(await kv.setNx(key, 'first', 60)).toBe(true);
    expect(await kv.setNx(key, 'second', 60)).toBe(false);
    expect(await kv.get(key)).toBe('first');
    await kv.del(key);
    expect(await kv.get(key)).toBeNull();
    expect(await kv.setNx(key, 'third', 60)).toBe(true);
  });

  it('gives exactly one winner among concurrent SET NX calls', async () => {
    const kv = make();
    const key = `race:${crypto.randomUUID()}`;
    const wins = await Promise.all(Array.from({ length: 50 }, (_, i) => kv.setNx(key, String(i), 60)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('counts hits per fixed window and says when the window resets', async () => {
    const kv = make();
    const key = `rl:${crypto.randomUUID()}`;
    clock.now = Date.UTC(2024, 4, 1, 12, 0, 15);
    expect(await kv.hit(key, 60)).toEqual({ count: 1, resetSeconds: 45 });
    expect((await kv.hit(key, 60)).count).toBe(2);
    clock.now = Date.UTC(2024, 4, 1, 12, 1, 0);
    expect((await kv.hit(key, 60)).count).toBe(1);
  });
});

describe('UpstashKv window keys', () => {
  it.each([
    ['one command per hit (the edge)', () => new UpstashKv(up.redis, prefix, () => clock.now)],
    [
      'shared pipelines (Node)',
      () => new UpstashKv(up.redis, prefix, () => clock.now, new UpstashBatcher(up.redis)),
    ],
    [
      'plain REST calls (the worker)',
      () => new UpstashKv(up.redis, prefix, () => clock.now, new UpstashRest(up.bridge.url, 'kv')),
    ],
  ])('%s: a window key expires after its window (TTL set by its first hit)', async (_name, make) => {
    const kv = make();
    const key = `rl:ttl:${crypto.randomUUID()}`;
    clock.now = Date.UTC(2024, 4, 1, 12, 0, 15);
    await kv.hit(key, 60);
    await kv.hit(key, 60);
    const [full] = await up.redis.keys(`${prefix}${key}:*`);
    const ttl = await up.redis.ttl(full!);
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(61);
  });
});

describe('MemoryKv expiry', () => {
  it('forgets a key once its TTL has passed on the injected clock', async () => {
    const kv = new MemoryKv(() => clock.now);
    expect(await kv.setNx('ttl', 'a', 10)).toBe(true);
    clock.now += 9_999;
    expect(await kv.setNx('ttl', 'b', 10)).toBe(false);
    clock.now += 1;
    expect(await kv.get('ttl')).toBeNull();
    expect(await kv.setNx('ttl', 'c', 10)).toBe(true);
  });
});

describe('MemoryKv memory bound', () => {
  it('holds at most maxEntries keys, dropping the least recently used, with O(1) setNx', async () => {
    const kv = new MemoryKv(() => clock.now, 1_000);
    for (let i = 0; i < 5_000; i++) await kv.setNx(`k${i}`, 'v', 3600);
    expect(kv.size).toBe(1_000);
    expect(await kv.get('k0')).toBeNull();
    expect(await kv.get('k4999')).toBe('v');
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) await kv.setNx(`m${i}`, 'v', 3600);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
