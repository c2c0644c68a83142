import { describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { UpstashAuditAnchor } from './upstash-audit-anchor.ts';

// The Worker's audit anchor over the Upstash REST protocol (the local bridge into the real Redis).

const key = `enigma_t_anchor_${crypto.randomUUID().slice(0, 8)}`;
const hash = (c: string) => c.repeat(64);
const up = useUpstashBridge('anchor', { cleanup: (redis) => redis.del(key) });

describe('UpstashAuditAnchor', () => {
  it('reads nothing before the first raise, then the highest head; never lowered, in any order', async () => {
    const anchor = new UpstashAuditAnchor(up.redis, key);
    expect(await anchor.read()).toBeNull();
    await anchor.raise({ seq: 3, hash: hash('a') });
    expect(await anchor.read()).toEqual({ seq: 3, hash: hash('a') });
    await anchor.raise({ seq: 2, hash: hash('b') });
    expect(await anchor.read()).toEqual({ seq: 3, hash: hash('a') });
    await Promise.all([5, 9, 7, 4].map((seq) => anchor.raise({ seq, hash: hash(String(seq)) })));
    expect(await anchor.read()).toEqual({ seq: 9, hash: hash('9') });
    // one member is kept
    expect(await up.redis.zcard(key)).toBe(1);
  });

  it('a member that is not an anchor reads as none', async () => {
    const other = `${key}:bad`;
    await up.redis.zadd(other, { score: 1, member: 'not json' });
    try {
      expect(await new UpstashAuditAnchor(up.redis, other).read()).toBeNull();
    } finally {
      await up.redis.del(other);
    }
  });
});
