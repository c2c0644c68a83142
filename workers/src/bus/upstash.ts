import {
  type AppendOptions,
  type BusPayload,
  type BusPublisher,
  encodePayload,
  STREAM_PAYLOAD_FIELD,
} from '@enigma/core/bus/index';
import type { Redis } from '@upstash/redis';
import type { UpstashBatcher } from '../kv/upstash-batcher.ts';
import { UpstashRest } from '../kv/upstash-rest.ts';

/**
 * The edge half of the bus over Upstash REST: `append` is XADD `<stream> * payload <json>` (the
 * entry layout the Redis bus adapter reads), `publish` is PUBLISH. `prefix` namespaces stream and
 * channel names (tests, environments sharing one Redis). On Node, an `UpstashBatcher` over the same
 * client shares round trips between requests; in the worker, an `UpstashRest` sends each command as a
 * plain REST call.
 *
 * @example await new UpstashBusPublisher(redis).append('signals:incoming', { signalId })
 */
export class UpstashBusPublisher implements BusPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = '',
    private readonly via?: UpstashBatcher | UpstashRest,
  ) {}

  async append(stream: string, payload: BusPayload, options: AppendOptions = {}): Promise<string> {
    const via = this.via;
    if (via instanceof UpstashRest)
      return String(await via.command(this.appendCommand(stream, payload, options)));
    const json = encodePayload(payload);
    const key = this.prefix + stream;
    if (via) {
      const trim =
        options.maxLen === undefined
          ? {}
          : { trim: { type: 'MAXLEN' as const, comparison: '~' as const, threshold: options.maxLen } };
      const [id] = await via.run(1, (p) => p.xadd(key, '*', { [STREAM_PAYLOAD_FIELD]: json }, trim));
      return String(id);
    }
    if (options.maxLen !== undefined) {
      return String(
        await this.redis.xadd(
          key,
          '*',
          { [STREAM_PAYLOAD_FIELD]: json },
          { trim: { type: 'MAXLEN', comparison: '~', threshold: options.maxLen } },
        ),
      );
    }
    return String(await this.redis.xadd(key, '*', { [STREAM_PAYLOAD_FIELD]: json }));
  }

  /**
   * The REST command `append` sends (XADD with the payload field, and `MAXLEN ~` when asked): for a caller
   * that sends several appends in one `/pipeline` (the worker's `GatheredAppends`).
   */
  appendCommand(stream: string, payload: BusPayload, options: AppendOptions = {}): (string | number)[] {
    const trim = options.maxLen === undefined ? [] : ['MAXLEN', '~', options.maxLen];
    return ['XADD', this.prefix + stream, ...trim, '*', STREAM_PAYLOAD_FIELD, encodePayload(payload)];
  }

  /** The REST command `publish` sends (PUBLISH of the encoded event). */
  publishCommand(channel: string, event: BusPayload): (string | number)[] {
    return ['PUBLISH', this.prefix + channel, encodePayload(event)];
  }

  async publish(channel: string, event: BusPayload): Promise<number> {
    if (this.via instanceof UpstashRest)
      return Number(await this.via.command(this.publishCommand(channel, event)));
    return Number(await this.redis.publish(this.prefix + channel, encodePayload(event)));
  }
}
