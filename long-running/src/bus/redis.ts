import {
  assertName,
  assertOptionalInt,
  type Bus,
  BusError,
  type BusPayload,
  type DeadLetter,
  decodePayload,
  dlqStreamOf,
  type EventHandler,
  encodePayload,
  isPattern,
  type PendingSummary,
  STREAM_PAYLOAD_FIELD,
  type StreamEntry,
  type Unsubscribe,
} from '@enigma/core/bus/index';
import { Redis, type RedisOptions } from 'ioredis';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { DEAD_LETTER_SCRIPT, RECLAIM_SCRIPT, REDRIVE_SCRIPT } from './redis-scripts.ts';

export interface RedisBusOptions {
  /** `redis://...` (REDIS_URL); default redis://127.0.0.1:6379. */
  url?: string;
  /** Prepended to every stream key and channel, so tests and tenants never see each other's data. */
  keyPrefix?: string;
  /** Default `MAXLEN ~` for every append (per-append `maxLen` wins); unset keeps everything. */
  maxLen?: number;
  logger?: Logger;
  /** Extra ioredis options (TLS, timeouts, ...). */
  redis?: RedisOptions;
}

type RawEntry = [id: string, fields: string[] | null];

/**
 * The production bus on Redis Streams (XADD / XREADGROUP / XACK / XAUTOCLAIM / XPENDING) and Redis
 * pub/sub (SUBSCRIBE / PSUBSCRIBE on a separate connection). Blocking reads get a connection per
 * consumer so they never stall other commands.
 */
export function createRedisBus(options: RedisBusOptions = {}): Bus {
  const logger = options.logger ?? createLogger({ name: 'bus', pretty: false });
  const prefix = options.keyPrefix ?? '';
  const url = options.url ?? 'redis://127.0.0.1:6379';
  let closed = false;
  const connect = () => {
    const conn = new Redis(url, { ...options.redis });
    // ioredis reconnects by itself; without a listener each failed attempt is an "unhandled error event".
    conn.on('error', (error: Error) => {
      if (!closed) logger.warn({ err: error }, 'bus Redis connection error (reconnecting)');
    });
    return conn;
  };
  const cmd = connect();
  const blocking = new Map<string, Redis>();
  let sub: Redis | null = null;
  /** Handlers per prefixed channel (`c:`) or pattern (`p:`); the server subscription lives while any remain. */
  const handlers = new Map<string, Set<EventHandler>>();
  /** Subscribe/unsubscribe calls run one at a time so the server-side state matches `handlers`. */
  let subQueue: Promise<unknown> = Promise.resolve();

  const key = (stream: string) => prefix + stream;

  function open(): void {
    if (closed) throw new BusError('CLOSED', 'bus is closed');
  }

  function mapError(error: unknown, stream: string, group: string): never {
    if (error instanceof Error && error.message.includes('NOGROUP')) {
      throw new BusError('NO_GROUP', `no consumer group "${group}" on stream "${stream}"`);
    }
    throw error;
  }

  function toEntry(raw: RawEntry, deliveries: number): StreamEntry | null {
    const [id, fields] = raw;
    if (!fields) return null;
    const i = fields.indexOf(STREAM_PAYLOAD_FIELD);
    if (i === -1 || i + 1 >= fields.length) {
      throw new BusError('INVALID_PAYLOAD', `stream entry ${id} has no payload field`);
    }
    return { id, payload: decodePayload(fields[i + 1]!), deliveries };
  }

  /**
   * Entries as delivered to a group. One that another writer left unreadable (no payload field, not
   * a JSON object) is dead-lettered with its raw fields instead of crashing every consumer on it.
   */
  async function delivered(
    stream: string,
    group: string,
    raws: [RawEntry, number][],
  ): Promise<StreamEntry[]> {
    const out: StreamEntry[] = [];
    for (const [raw, deliveries] of raws) {
      try {
        const entry = toEntry(raw, deliveries);
        if (entry) out.push(entry);
      } catch (error) {
        const reason = `unreadable entry: ${(error as Error).message}`;
        const fields: Record<string, string> = {};
        const list = raw[1] ?? [];
        for (let i = 0; i + 1 < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
        await deadLetterRaw(stream, group, { id: raw[0], payload: { fields }, deliveries }, reason);
        logger.warn({ stream, group, id: raw[0], reason }, 'bus entry dead-lettered');
      }
    }
    return out;
  }

  /**
   * A blocked XREADGROUP holds its connection until it returns, so each (stream, consumer) blocks on a
   * connection of its own: one consumer reading two streams (the engine: signals and commands) shared
   * one, and an entry on the first waited for the other's block to expire (up to its 200 ms).
   */
  function blockingFor(stream: string, consumer: string): Redis {
    const id = `${stream}\u0000${consumer}`;
    let conn = blocking.get(id);
    if (!conn) {
      conn = connect();
      blocking.set(id, conn);
    }
    return conn;
  }

  async function deadLetterRaw(stream: string, group: string, entry: StreamEntry<unknown>, reason: string) {
    const record: DeadLetter = {
      stream,
      group,
      originId: entry.id,
      reason,
      deliveries: entry.deliveries,
      payload: entry.payload,
      deadLetteredAt: new Date().toISOString(),
    };
    const id = await cmd.eval(
      DEAD_LETTER_SCRIPT,
      2,
      key(stream),
      key(dlqStreamOf(stream)),
      group,
      entry.id,
      encodePayload(record),
    );
    return typeof id === 'string' ? id : null;
  }

  function subscriber(): Redis {
    if (sub) return sub;
    const conn = connect();
    conn.on('message', (channel: string, message: string) => {
      dispatch(`c:${channel}`, channel, message);
    });
    conn.on('pmessage', (pattern: string, channel: string, message: string) => {
      dispatch(`p:${pattern}`, channel, message);
    });
    sub = conn;
    return conn;
  }

  function dispatch(handlerKey: string, prefixedChannel: string, message: string): void {
    const set = handlers.get(handlerKey);
    if (!set) return;
    const channel = prefixedChannel.slice(prefix.length);
    for (const handler of set) {
      let event: BusPayload;
      try {
        event = decodePayload(message);
      } catch (error) {
        logger.error({ err: error, channel }, 'bus event is not a JSON object');
        return;
      }
      try {
        const r = handler(event, channel);
        if (r instanceof Promise) r.catch((error: unknown) => logHandlerError(channel, error));
      } catch (error) {
        logHandlerError(channel, error);
      }
    }
  }

  function logHandlerError(channel: string, error: unknown): void {
    logger.error({ err: error, channel }, 'bus event handler failed');
  }

  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = subQueue.then(task, task);
    subQueue = run.catch(() => undefined);
    return run;
  }

  const bus: Bus = {
    async append(stream, payload, opts = {}) {
      open();
      assertName('stream', stream);
      assertOptionalInt('maxLen', opts.maxLen, 0);
      const text = encodePayload(payload);
      const maxLen = opts.maxLen ?? options.maxLen;
      const trim = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
      return (await cmd.call('XADD', key(stream), ...trim, '*', STREAM_PAYLOAD_FIELD, text)) as string;
    },

    async ensureGroup(stream, group, opts = {}) {
      open();
      assertName('stream', stream);
      assertName('group', group);
      try {
        await cmd.call('XGROUP', 'CREATE', key(stream), group, opts.start === 'end' ? '$' : '0', 'MKSTREAM');
      } catch (error) {
        if (!(error instanceof Error && error.message.includes('BUSYGROUP'))) throw error;
      }
    },

    async readGroup(stream, group, consumer, opts = {}) {
      open();
      assertName('consumer', consumer);
      assertOptionalInt('count', opts.count, 1);
      assertOptionalInt('blockMs', opts.blockMs, 0);
      const block = opts.blockMs ? ['BLOCK', opts.blockMs] : [];
      const conn = opts.blockMs ? blockingFor(stream, consumer) : cmd;
      let reply: [string, RawEntry[]][] | null;
      try {
        reply = (await conn.call(
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          opts.count ?? 10,
          ...block,
          'STREAMS',
          key(stream),
          '>',
        )) as [string, RawEntry[]][] | null;
      } catch (error) {
        if (closed) return [];
        mapError(error, stream, group);
      }
      const raw = reply?.[0]?.[1] ?? [];
      return delivered(
        stream,
        group,
        raw.map((r) => [r, 1]),
      );
    },

    async ack(stream, group, ids) {
      open();
      if (ids.length === 0) return 0;
      return (await cmd.call('XACK', key(stream), group, ...ids)) as number;
    },

    async reclaim(stream, group, consumer, opts) {
      open();
      assertName('consumer', consumer);
      assertOptionalInt('minIdleMs', opts.minIdleMs, 0);
      assertOptionalInt('count', opts.count, 1);
      assertOptionalInt('maxDeliveries', opts.maxDeliveries, 0);
      let reply: [string, string[] | null, number][];
      try {
        reply = (await cmd.eval(
          RECLAIM_SCRIPT,
          1,
          key(stream),
          group,
          consumer,
          opts.minIdleMs,
          opts.count ?? 10,
        )) as [string, string[] | null, number][];
      } catch (error) {
        mapError(error, stream, group);
      }
      const entries = await delivered(
        stream,
        group,
        reply.map(([id, fields, deliveries]) => [[id, fields], deliveries]),
      );
      const out: StreamEntry[] = [];
      for (const entry of entries) {
        if (opts.maxDeliveries !== undefined && entry.deliveries > opts.maxDeliveries) {
          await deadLetterRaw(stream, group, entry, `exceeded maxDeliveries (${opts.maxDeliveries})`);
        } else {
          out.push(entry);
        }
      }
      return out;
    },

    async deadLetter(stream, group, entry, reason) {
      open();
      return deadLetterRaw(stream, group, entry, reason);
    },

    async deadLetters(stream, opts = {}) {
      open();
      assertOptionalInt('count', opts.count, 1);
      const raw = (await cmd.call(
        'XRANGE',
        key(dlqStreamOf(stream)),
        '-',
        '+',
        'COUNT',
        opts.count ?? 100,
      )) as RawEntry[];
      return raw
        .map((r) => toEntry(r, 0))
        .filter((e): e is StreamEntry => e !== null)
        .map((e) => ({ ...e, payload: e.payload as unknown as DeadLetter }));
    },

    async redrive(stream, opts = {}) {
      open();
      assertOptionalInt('count', opts.count, 1);
      const dlqKey = key(dlqStreamOf(stream));
      let raw: RawEntry[];
      if (opts.ids) {
        raw = [];
        for (const id of opts.ids) raw.push(...((await cmd.call('XRANGE', dlqKey, id, id)) as RawEntry[]));
      } else {
        raw = (await cmd.call(
          'XRANGE',
          dlqKey,
          '-',
          '+',
          ...(opts.count ? ['COUNT', opts.count] : []),
        )) as RawEntry[];
      }
      let n = 0;
      for (const r of raw.slice(0, opts.count ?? raw.length)) {
        const entry = toEntry(r, 0);
        if (!entry) continue;
        const record = entry.payload as unknown as DeadLetter;
        const id = await cmd.eval(
          REDRIVE_SCRIPT,
          2,
          key(stream),
          dlqKey,
          entry.id,
          encodePayload(record.payload),
        );
        if (typeof id === 'string') n++;
      }
      return n;
    },

    async pending(stream, group): Promise<PendingSummary> {
      open();
      let reply: [number, string | null, string | null, [string, string][] | null];
      try {
        reply = (await cmd.call('XPENDING', key(stream), group)) as typeof reply;
      } catch (error) {
        mapError(error, stream, group);
      }
      const [count, minId, maxId, perConsumer] = reply;
      const consumers: Record<string, number> = {};
      for (const [name, n] of perConsumer ?? []) consumers[name] = Number(n);
      return { count: Number(count), minId, maxId, consumers };
    },

    async length(stream) {
      open();
      return (await cmd.call('XLEN', key(stream))) as number;
    },

    async publish(channel, event) {
      open();
      assertName('channel', channel);
      return (await cmd.call('PUBLISH', prefix + channel, encodePayload(event))) as number;
    },

    async subscribe(channelOrPattern, handler): Promise<Unsubscribe> {
      open();
      assertName('channel', channelOrPattern);
      const pattern = isPattern(channelOrPattern);
      const server = pattern ? escapeGlob(prefix) + channelOrPattern : prefix + channelOrPattern;
      const handlerKey = `${pattern ? 'p' : 'c'}:${server}`;
      const h = handler as EventHandler;
      await serial(async () => {
        let set = handlers.get(handlerKey);
        if (!set) {
          // Registered only once the server confirmed, so a failed subscribe leaves no phantom entry.
          await (pattern ? subscriber().psubscribe(server) : subscriber().subscribe(server));
          set = new Set();
          handlers.set(handlerKey, set);
        }
        set.add(h);
      });
      let done = false;
      return () => {
        if (done) return Promise.resolve();
        done = true;
        return serial(async () => {
          const set = handlers.get(handlerKey);
          if (!set?.delete(h) || set.size > 0) return;
          handlers.delete(handlerKey);
          if (closed || !sub) return;
          await (pattern ? sub.punsubscribe(server) : sub.unsubscribe(server));
        });
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      handlers.clear();
      for (const conn of blocking.values()) conn.disconnect();
      await Promise.allSettled([cmd.quit(), sub?.quit()]);
    },
  };

  return bus;
}

/** Escape glob metacharacters so a key prefix is matched literally inside a PSUBSCRIBE pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
