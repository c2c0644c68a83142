import { Redis } from '@upstash/redis';
import { afterAll, beforeAll } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from '../dev/upstash-bridge.ts';

/**
 * The Upstash stand-in for a test file: the local bridge (the Upstash REST protocol into the real Redis)
 * started before the file's tests with `token`, a `@upstash/redis` client on it, and at the end every key
 * under `prefix` deleted (pass `cleanup` to delete something else) and the bridge closed.
 */
export function useUpstashBridge(
  token: string,
  opts: { prefix?: string; cleanup?: (redis: Redis) => Promise<unknown> } = {},
): { readonly bridge: UpstashBridge; readonly redis: Redis } {
  let bridge: UpstashBridge | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    bridge = await startUpstashBridge({ token });
    redis = new Redis({ url: bridge.url, token, automaticDeserialization: false, enableTelemetry: false });
  });
  afterAll(async () => {
    if (redis && opts.cleanup) await opts.cleanup(redis);
    else if (redis && opts.prefix) {
      const keys = await redis.keys(`${opts.prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    await bridge?.close();
  });
  return {
    get bridge() {
      if (!bridge) throw new Error('the Upstash bridge starts in beforeAll');
      return bridge;
    },
    get redis() {
      if (!redis) throw new Error('the Upstash bridge starts in beforeAll');
      return redis;
    },
  };
}
