import type { Redis } from '@upstash/redis';
import type { KvPort } from '../deps.ts';
import type { GatheredHits } from './gathered-hits.ts';
import type { UpstashBatcher } from './upstash-batcher.ts';
import { UpstashRest } from './upstash-rest.ts';

/**
 * KvPort over Upstash Redis REST (the edge), or the local Upstash bridge in tests. Every key gets
 * `prefix`, so tests and environments sharing one Redis stay apart.
 *
 * On Node, pass an `UpstashBatcher` over the same client to share round trips between requests; in
 * the worker, an `UpstashRest` for the same database sends every command as one plain REST call.
 *
 * @example new UpstashKv(new Redis({ url, token, automaticDeserialization: false }), 'enigma:')
 */
export class UpstashKv implements KvPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '',
    private readonly now: () => number = Date.now,
    private readonly via?: UpstashBatcher | UpstashRest,
    /** the worker: window-counter hits of the isolate's concurrent requests in one call (`GatheredHits`) */
    private readonly hits?: GatheredHits,
  ) {}

  private get batcher(): UpstashBatcher | undefined {
    return this.via instanceof UpstashRest ? undefined : this.via;
  }

  private get rest(): UpstashRest | undefined {
    return this.via instanceof UpstashRest ? this.via : undefined;
  }

  async setNx(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const k = this.prefix + key;
    if (this.rest) return (await this.rest.command(['SET', k, value, 'NX', 'EX', ttlSeconds])) === 'OK';
    const r = this.batcher
      ? (await this.batcher.run(1, (p) => p.set(k, value, { nx: true, ex: ttlSeconds })))[0]
      : await this.redis.set(k, value, { nx: true, ex: ttlSeconds });
    return r === 'OK';
  }

  async get(key: string): Promise<string | null> {
    const k = this.prefix + key;
    const v = this.rest
      ? await this.rest.command(['GET', k])
      : this.batcher
        ? (await this.batcher.run(1, (p) => p.get(k)))[0]
        : await this.redis.get<string>(k);
    return v === null || v === undefined ? null : String(v);
  }

  async del(key: string): Promise<void> {
    const k = this.prefix + key;
    if (this.rest) await this.rest.command(['DEL', k]);
    else if (this.batcher) await this.batcher.run(1, (p) => p.del(k));
    else await this.redis.del(k);
  }

  async hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }> {
    const now = this.now();
    const window = Math.floor(now / (windowSeconds * 1000));
    const full = `${this.prefix}${key}:${window}`;
    let count: number;
    if (this.batcher) {
      // Shared round trips (Node): INCR and the expiry together in the batch.
      [count] = (await this.batcher.run(2, (p) => p.incr(full).expire(full, windowSeconds + 1))) as [
        number,
        number,
      ];
    } else if (this.hits) {
      // The isolate's concurrent hits in one call, each with the count it would have got alone.
      count = await this.hits.hit(full, windowSeconds + 1);
    } else if (this.rest) {
      // One REST call per hit (the worker); the window's first hit sets the expiry, as below.
      count = Number(await this.rest.command(['INCR', full]));
      if (count === 1) await this.rest.command(['EXPIRE', full, windowSeconds + 1]);
    } else {
      // One command per hit: the window's first hit sets the expiry, once per key and window.
      // A pipeline would cost the client a Pipeline object per call; the key names its window, so
      // one whose EXPIRE was lost is never counted again, it only lingers.
      count = Number(await this.redis.incr(full));
      if (count === 1) await this.redis.expire(full, windowSeconds + 1);
    }
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowSeconds * 1000 - now) / 1000));
    return { count, resetSeconds };
  }
}
