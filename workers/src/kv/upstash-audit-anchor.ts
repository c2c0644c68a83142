import { type AuditAnchor, type AuditAnchorValue, parseAuditAnchor } from '@enigma/db/repositories/audit';
import type { Redis } from '@upstash/redis';

/**
 * The Worker's audit anchor: the chain head kept in Upstash Redis, outside the database, as the one
 * member of a sorted set scored by seq. `raise` adds the head and trims the set to its highest
 * member, so concurrent raises in any order leave the highest head: never lowered.
 *
 * @example new UpstashAuditAnchor(redis, 'enigma:audit:anchor')
 */
export class UpstashAuditAnchor implements AuditAnchor {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  async read(): Promise<AuditAnchorValue | null> {
    const [top] = await this.redis.zrange<string[]>(this.key, -1, -1);
    return parseAuditAnchor(top === undefined ? null : String(top));
  }

  async raise(value: AuditAnchorValue): Promise<void> {
    await this.redis
      .pipeline()
      .zadd(this.key, { score: value.seq, member: JSON.stringify({ seq: value.seq, hash: value.hash }) })
      .zremrangebyrank(this.key, 0, -2)
      .exec();
  }
}
