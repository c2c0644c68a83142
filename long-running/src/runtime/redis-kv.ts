import type { KvPort } from '@enigma/workers';
import { Redis } from 'ioredis';

/**
 * KvPort on a TCP Redis (REDIS_URL), for `enigma start` against real Redis: the same semantics the
 * edge gets from Upstash (SET NX EX for idempotency, fixed-window INCR for rate limits).
 */
export class RedisKv implements KvPort {
  readonly #redis: Redis;

  constructor(
    url: string,
    private readonly prefix = 'enigma:kv:',
    private readonly now: () => number = Date.now,
  ) {
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  }

  async setNx(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#redis.set(this.prefix + key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async get(key: string): Promise<string | null> {
    return this.#redis.get(this.prefix + key);
  }

  async del(key: string): Promise<void> {
    await this.#redis.del(this.prefix + key);
  }

  async hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }> {
    const now = this.now();
    const window = Math.floor(now / (windowSeconds * 1000));
    const full = `${this.prefix}${key}:${window}`;
    const [[, count]] = (await this.#redis
      .multi()
      .incr(full)
      .expire(full, windowSeconds + 1)
      .exec()) as [[null, number]];
    const resetMs = (window + 1) * windowSeconds * 1000 - now;
    return { count, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
