import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { UpstashBusPublisher } from '../bus/upstash.ts';
import { UpstashKv } from './upstash.ts';
import { UpstashBatcher } from './upstash-batcher.ts';

const prefix = `enigma_t_batch_${crypto.randomUUID().slice(0, 8)}:`;
const up = useUpstashBridge('batch', { prefix });

describe('UpstashBatcher', () => {
  it('shares pipelines between concurrent callers and gives each its own replies in order', async () => {
    const batcher = new UpstashBatcher(up.redis, { maxInFlight: 1 });
    const keys = Array.from({ length: 30 }, (_, i) => `${prefix}n:${i}`);
    const replies = await Promise.all(
      keys.map((k, i) => batcher.run(3, (p) => p.set(k, String(i)).incr(k).get(k))),
    );
    expect(replies).toEqual(keys.map((_, i) => ['OK', i + 1, String(i + 1)]));
    expect(batcher.requests).toBeLessThan(keys.length);
  });

  it('rejects only the caller whose command failed', async () => {
    const batcher = new UpstashBatcher(up.redis, { maxInFlight: 1 });
    const text = `${prefix}text`;
    await up.redis.set(text, 'not a number');
    const settled = await Promise.allSettled([
      batcher.run(1, (p) => p.incr(`${prefix}ok:1`)),
      batcher.run(1, (p) => p.incr(text)),
      batcher.run(1, (p) => p.incr(`${prefix}ok:2`)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batcher.requests).toBe(1);
  });

  it('rejects every caller when the request fails', async () => {
    const wrong = new Redis({
      url: up.bridge.url,
      token: 'wrong-token',
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: false,
    });
    const batcher = new UpstashBatcher(wrong);
    const settled = await Promise.allSettled([
      batcher.run(1, (p) => p.incr(`${prefix}x`)),
      batcher.run(1, (p) => p.incr(`${prefix}y`)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('carries idempotency and stream appends for many requests: one winner, one entry each', async () => {
    const batcher = new UpstashBatcher(up.redis);
    const kv = new UpstashKv(up.redis, prefix, Date.now, batcher);
    const bus = new UpstashBusPublisher(up.redis, prefix, batcher);
    const wins = await Promise.all(Array.from({ length: 40 }, (_, i) => kv.setNx('idem', String(i), 60)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => bus.append('s', { i })));
    expect(new Set(ids).size).toBe(40);
    expect(Number(await up.redis.xlen(`${prefix}s`))).toBe(40);
  });
});
