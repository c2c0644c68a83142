import type { Bus } from '@enigma/core/bus/index';
import type { Logger } from 'pino';
import { createMemoryBus } from './memory.ts';
import { createRedisBus } from './redis.ts';

export { type ConsumeOptions, consume } from './consume.ts';
export { createMemoryBus, type MemoryBusOptions } from './memory.ts';
export { busMetrics } from './metrics.ts';
export { createRedisBus, type RedisBusOptions } from './redis.ts';

export interface CreateBusOptions {
  /** REDIS_URL from the deployable's env.ts; unset means the in-process bus (embedded default). */
  redisUrl?: string;
  keyPrefix?: string;
  /** Default approximate MAXLEN per stream on Redis. */
  maxLen?: number;
  logger?: Logger;
}

/**
 * The bus for this process: Redis when a URL is configured, otherwise in-process.
 *
 * @example
 * const bus = createBus({ redisUrl: env.REDIS_URL, logger });
 */
export function createBus(options: CreateBusOptions = {}): Bus {
  const { redisUrl, ...rest } = options;
  return redisUrl ? createRedisBus({ url: redisUrl, ...rest }) : createMemoryBus({ logger: rest.logger });
}
