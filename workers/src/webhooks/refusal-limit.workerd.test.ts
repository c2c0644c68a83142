/**
 * Refusals before authentication in workerd, with Cloudflare's rate-limiting binding (`REFUSAL_LIMITER`,
 * `[[ratelimits]]` in wrangler.toml; Miniflare runs it locally): the binding decides the 429, no Upstash
 * counter is kept for the address, sample rows stay bounded, and the owner's alerts from the flooding
 * address are accepted throughout.
 */
import { env, exports } from 'cloudflare:workers';
import { configureNeon, openNeonPool } from '@enigma/db/client.edge';
import { signals } from '@enigma/db/schema/index';
import { Redis } from '@upstash/redis/cloudflare';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

const b = env as unknown as Record<string, string>;
configureNeon({ wsProxy: b['NEON_WS_PROXY']! });
const { db, pool } = openNeonPool(b['DATABASE_URL']!);
const redis = new Redis({
  url: b['UPSTASH_REDIS_REST_URL']!,
  token: b['UPSTASH_REDIS_REST_TOKEN']!,
  automaticDeserialization: false,
  enableTelemetry: false,
});
afterAll(() => pool.end());

/** The binding's limit in wrangler.toml (`simple.limit`, per 60 s). */
const LIMIT = 600;

function post(ip: string, secret: string, orderId: string): Promise<Response> {
  return exports.default.fetch('http://edge.test/webhooks/tradingview?source=fuzz', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify({
      secret,
      timestamp: new Date().toISOString(),
      symbol: 'XBTUSDTM',
      action: 'buy',
      order_id: orderId,
    }),
  });
}

describe('refusals before authentication, with the rate-limiting binding (workerd)', () => {
  it('the binding decides the 429 (no Upstash counter) and the owner still gets through', async () => {
    expect(typeof (env as unknown as { REFUSAL_LIMITER?: { limit?: unknown } }).REFUSAL_LIMITER?.limit).toBe(
      'function',
    );
    // The binding counts in wall-clock minutes: start the flood early in one, so it fits in it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 35_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));

    const n = crypto.getRandomValues(new Uint8Array(2));
    const ip = `198.19.${n[0]}.${n[1]}`;
    const flood = LIMIT + 20;
    const statuses: number[] = [];
    const owner: number[] = [];
    let sent = 0;
    // 8 attackers at once; every 100th wrong secret the owner's own alert from the same address.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < flood) {
          const i = sent++;
          const res = await post(ip, `wrong-${i}`, `flood-${i}`);
          statuses.push(res.status);
          await res.arrayBuffer();
          if (i % 100 === 99) {
            const ok = await post(ip, b['TEST_FUZZ_SECRET']!, crypto.randomUUID());
            owner.push(ok.status);
            await ok.arrayBuffer();
          }
        }
      }),
    );
    // Past the limit the refusals are 429 (the binding's limit; the KV limiter would count too, but no
    // key of it exists for the address, below).
    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect({ '401': count(401), '429': count(429), total: statuses.length }).toEqual({
      '401': LIMIT,
      '429': flood - LIMIT,
      total: flood,
    });
    const last = await post(ip, 'wrong-again', crypto.randomUUID());
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last.json()) as { error: { code: string } }).error.code).toBe('rate_limited');

    // The owner's alerts from the flooding address, during the flood and after it: accepted.
    const after = await post(ip, b['TEST_FUZZ_SECRET']!, crypto.randomUUID());
    expect(after.status).toBe(202);
    expect(owner.length).toBeGreaterThanOrEqual(5);
    expect(owner.every((s) => s === 202)).toBe(true);

    // No Upstash window counter for the address: the binding replaced that round trip.
    const keys = await redis.keys(`${b['REDIS_KEY_PREFIX']}enigma:kv:rl:refused:${ip}*`);
    expect(keys).toEqual([]);

    // Sampled rows only (the 1st, 10th, 100th refusal of the minute), never a payload.
    const rows = await db
      .select({ status: signals.status, payload: signals.payload, reason: signals.reason })
      .from(signals)
      .where(sql`${signals.clientIp} = ${ip} and ${signals.status} <> 'received'`);
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.payload === null && r.status === 'rejected')).toBe(true);
  }, 120_000);
});
