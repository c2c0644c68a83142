import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisKv } from './redis-kv.ts';

describe('RedisKv (real Redis)', () => {
  let now = Date.UTC(2026, 0, 1, 0, 0, 10);
  const kv = new RedisKv('redis://127.0.0.1:6379', `enigma:test:${randomUUID()}:`, () => now);
  afterAll(() => kv.close());

  it('SET NX makes exactly one winner among concurrent callers', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => kv.setNx('alert-1', String(i), 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await kv.get('alert-1')).toBe(String(winner));
    await kv.del('alert-1');
    expect(await kv.get('alert-1')).toBeNull();
  });

  it('counts hits per fixed window and says when the window resets', async () => {
    expect(await kv.hit('ip:1.2.3.4', 60)).toEqual({ count: 1, resetSeconds: 50 });
    expect((await kv.hit('ip:1.2.3.4', 60)).count).toBe(2);
    now += 60_000;
    expect((await kv.hit('ip:1.2.3.4', 60)).count).toBe(1);
  });
});
