import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge.ts';

let bridge: UpstashBridge;
const prefix = `enigma_t_bridge_${crypto.randomUUID().slice(0, 8)}:`;
beforeAll(async () => {
  bridge = await startUpstashBridge({ token: 'tok' });
});
afterAll(async () => {
  const redis = new Redis({ url: bridge.url, token: 'tok', enableTelemetry: false });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await bridge.close();
});

function client(opts: { base64?: boolean; token?: string } = {}) {
  return new Redis({
    url: bridge.url,
    token: opts.token ?? 'tok',
    responseEncoding: opts.base64 === false ? false : 'base64',
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: false,
  });
}

describe('Upstash REST bridge', () => {
  it('runs single commands for the real @upstash/redis client, with and without base64', async () => {
    for (const base64 of [true, false]) {
      const r = client({ base64 });
      const k = `${prefix}k${base64}`;
      expect(await r.set(k, 'héllo ✓', { nx: true, ex: 30 })).toBe('OK');
      expect(await r.set(k, 'other', { nx: true, ex: 30 })).toBeNull();
      expect(await r.get(k)).toBe('héllo ✓');
    }
  });

  it('runs pipelines in order and multi-exec atomically', async () => {
    const r = client();
    const k = `${prefix}counter`;
    expect(await r.pipeline().incr(k).incr(k).expire(k, 30).exec()).toEqual([1, 2, 1]);
    expect(await r.multi().incr(k).get(k).exec()).toEqual([3, '3']);
  });

  it('appends to streams as the bus publisher does', async () => {
    const r = client();
    const id = await r.xadd(`${prefix}s`, '*', { payload: '{"a":1}' });
    expect(id).toMatch(/^\d+-\d+$/);
    expect(await r.xlen(`${prefix}s`)).toBe(1);
  });

  it('keeps each request its own replies when concurrent requests share one Redis write', async () => {
    const r = client({ base64: false });
    const k = `${prefix}shared`;
    const bad = `${prefix}shared-stream`;
    await r.xadd(bad, '*', { payload: '{}' });
    // requests arriving together go to Redis as one pipeline: every reply must still be its caller's
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 5 === 4
          ? r
              .pipeline()
              .incr(bad)
              .get(k)
              .exec()
              .then(
                () => 'no error',
                (e: Error) => e.message,
              )
          : r.pipeline().incr(k).get(`${prefix}missing`).echo(`req-${i}`).exec(),
      ),
    );
    const counts: number[] = [];
    answers.forEach((a, i) => {
      if (i % 5 === 4) expect(a).toMatch(/WRONGTYPE/);
      else {
        const [n, missing, echo] = a as [number, null, string];
        expect(missing).toBeNull();
        expect(echo).toBe(`req-${i}`);
        counts.push(n);
      }
    });
    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it('refuses a wrong token and reports command errors', async () => {
    await expect(client({ token: 'bad' }).get(`${prefix}x`)).rejects.toThrow();
    // its own stream: INCR on a stream is Redis's WRONGTYPE error, whatever ran before
    const r = client();
    await r.xadd(`${prefix}errors`, '*', { payload: '{}' });
    await expect(r.incr(`${prefix}errors`)).rejects.toThrow(/WRONGTYPE/);
  });

  it('speaks the documented wire format', async () => {
    const res = await fetch(`${bridge.url}/`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok', 'upstash-encoding': 'base64' },
      body: JSON.stringify(['ECHO', 'hi']),
    });
    expect(await res.json()).toEqual({ result: btoa('hi') });
    const unauth = await fetch(`${bridge.url}/pipeline`, { method: 'POST', body: '[]' });
    expect(unauth.status).toBe(401);
  });
});
