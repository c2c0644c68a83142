import type { Redis } from '@upstash/redis';
import type { KvPort } from '../deps.ts';

/**
 * KvPort over Upstash Redis REST (the edge), or the local Upstash bridge in tests. Every key gets
 * `prefix`, so tests and environments sharing one Redis stay apart.
 *
 * @example new UpstashKv(new Redis({ url, token, automaticDeserialization: false }), 'enigma:')
 */
export class UpstashKv implements KvPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '',
    private readonly now: () => number = Date.now,
  ) {}

  async setNx(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const r = await this.redis.set(this.prefix + key, value, { nx: true, ex: ttlSeconds });
    return r === 'OK';
  }

  async get(key: string): Promise<string | null> {
    const v = await this.redis.get<string>(this.prefix + key);
    return v === null || v === undefined ? null : String(v);
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }> {
    const now = this.now();
    const window = Math.floor(now / (windowSeconds * 1000));
    const full = `${this.prefix}${key}:${window}`;
    // One round trip: INCR and the expiry together.
    const [count] = await this.redis
      .pipeline()
      .incr(full)
      .expire(full, windowSeconds + 1)
      .exec<[number, number]>();
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000));
    return { count, resetSeconds };
  }
}
