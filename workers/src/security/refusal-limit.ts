import type { KvPort } from '../deps.ts';
import { MemoryKv } from '../kv/memory.ts';

/**
 * Cloudflare's rate-limiting binding as the Worker receives it (`[[ratelimits]]` in wrangler.toml):
 * `limit({ key })` counts one hit of `key` and answers whether it is within the namespace's
 * `simple.limit` per `simple.period` seconds.
 */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** One unauthenticated refusal of a client address, counted. */
export interface RefusalCount {
  /** refusals of this address this minute so far, this one included (decides which are sampled into a row) */
  count: number;
  /** the address is past its limit: answer 429 */
  limited: boolean;
  /** seconds until the address may try again */
  resetSeconds: number;
  /** the limit, when the limiter knows it (for the 429's message) */
  limit?: number;
}

/**
 * Counts refusals before authentication per client address (IPv6: per /64) and minute. Authenticated
 * requests never reach it, so a flood of wrong secrets cannot use up the owner's budget.
 */
export interface RefusalLimiter {
  refuse(clientKey: string): Promise<RefusalCount>;
}

/**
 * The limiter wherever no binding exists (Node, `enigma start`, a Worker deployed without the binding):
 * a fixed one-minute window counter in the KV port (Redis/Upstash or memory), 429 past `perMinute`.
 */
export function kvRefusalLimiter(kv: KvPort, perMinute: number): RefusalLimiter {
  return {
    async refuse(clientKey) {
      const { count, resetSeconds } = await kv.hit(`rl:refused:${clientKey}`, 60);
      return { count, limited: count > perMinute, resetSeconds, limit: perMinute };
    },
  };
}

/**
 * On Workers with the binding: Cloudflare's rate limiter decides the 429 (no Upstash round trip, counted
 * where the request lands), and a counter in the isolate's memory numbers the refusals for sampling, so
 * each isolate writes at most ⌊log10 n⌋ + 1 sample rows per address and minute. Cloudflare's counts
 * are per location and eventually consistent: a distributed flood is held back approximately, which is
 * what the sampling and the cheap refusal path are for.
 */
export function bindingRefusalLimiter(
  binding: RateLimitBinding,
  local: KvPort = new MemoryKv(Date.now, 10_000),
): RefusalLimiter {
  return {
    async refuse(clientKey) {
      const [{ count, resetSeconds }, { success }] = await Promise.all([
        local.hit(`refused:${clientKey}`, 60),
        binding.limit({ key: `refused:${clientKey}` }),
      ]);
      return { count, limited: !success, resetSeconds };
    },
  };
}

/** Whether a binding value is Cloudflare's rate limiter (has `limit`). */
export function isRateLimitBinding(value: unknown): value is RateLimitBinding {
  return typeof (value as { limit?: unknown } | null | undefined)?.limit === 'function';
}
