import {
  type AppendOptions,
  assertName,
  assertOptionalInt,
  type Bus,
  BusError,
  type BusPayload,
  type DeadLetter,
  decodePayload,
  dlqStreamOf,
  type EnsureGroupOptions,
  type EventHandler,
  encodePayload,
  globToRegExp,
  isPattern,
  type PendingSummary,
  type ReadGroupOptions,
  type ReclaimOptions,
  type RedriveOptions,
  type StreamEntry,
  type Unsubscribe,
} from '@enigma/core/bus/index';
import pino, { type Logger } from 'pino';
import {
  compareStreamIds,
  formatStreamId,
  nextStreamId,
  parseStreamId,
  type StreamId,
  ZERO_ID,
} from './stream-id.ts';

export interface MemoryBusOptions {
  logger?: Logger;
  /** Wall clock in ms; injectable so idle times can be tested without waiting. */
  now?: () => number;
}

interface StoredEntry {
  id: StreamId;
  key: string;
  text: string;
}

interface PendingEntry {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  lastDelivered: StreamId;
  /** Keyed by entry id string; Map keeps delivery order, reclaim sorts by id. */
  pel: Map<string, PendingEntry>;
}

interface MemStream {
  entries: StoredEntry[];
  last: StreamId;
  groups: Map<string, Group>;
  wakers: Set<() => void>;
}

interface Subscription {
  key: string;
  match: (channel: string) => boolean;
  handler: EventHandler;
}

/**
 * The embedded bus: the same stream and pub/sub semantics as the Redis adapter (ids, consumer groups,
 * pending lists, delivery counts, reclaim, DLQ) inside one process, with nothing durable. The default
 * for `enigma start` without REDIS_URL, and for backtests.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const logger = options.logger ?? pino({ name: 'bus' });
  const now = options.now ?? Date.now;
  const streams = new Map<string, MemStream>();
  const subscriptions = new Set<Subscription>();
  let closed = false;

  function open(): void {
    if (closed) throw new BusError('CLOSED', 'bus is closed');
  }

  function streamOf(name: string): MemStream {
    let s = streams.get(name);
    if (!s) {
      s = { entries: [], last: ZERO_ID, groups: new Map(), wakers: new Set() };
      streams.set(name, s);
    }
    return s;
  }

  function groupOf(stream: string, group: string): Group {
    const g = streams.get(stream)?.groups.get(group);
    if (!g) throw new BusError('NO_GROUP', `no consumer group "${group}" on stream "${stream}"`);
    return g;
  }

  function appendText(stream: string, text: string, maxLen?: number): string {
    const s = streamOf(stream);
    const id = nextStreamId(s.last, now());
    s.last = id;
    const key = formatStreamId(id);
    s.entries.push({ id, key, text });
    if (maxLen !== undefined && s.entries.length > maxLen) s.entries.splice(0, s.entries.length - maxLen);
    for (const wake of s.wakers) wake();
    return key;
  }

  /** Index of the first entry with id > `after` (binary search: entries are sorted by id). */
  function firstAfter(s: MemStream, after: StreamId): number {
    let lo = 0;
    let hi = s.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareStreamIds(s.entries[mid]!.id, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function findEntry(s: MemStream, key: string): StoredEntry | undefined {
    const id = parseStreamId(key);
    if (!id) return undefined;
    const candidate = s.entries[firstAfter(s, id) - 1];
    return candidate?.key === key ? candidate : undefined;
  }

  function deliverNew(stream: string, group: string, consumer: string, count: number): StreamEntry[] {
    const s = streamOf(stream);
    const g = groupOf(stream, group);
    const from = firstAfter(s, g.lastDelivered);
    const batch = s.entries.slice(from, from + count);
    const at = now();
    return batch.map((e) => {
      g.lastDelivered = e.id;
      g.pel.set(e.key, { consumer, deliveredAt: at, deliveries: 1 });
      return { id: e.key, payload: decodePayload(e.text), deliveries: 1 };
    });
  }

  function waitForAppend(s: MemStream, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        s.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      s.wakers.add(wake);
    });
  }

  function deadLetterNow(
    stream: string,
    group: string,
    entry: StreamEntry<unknown>,
    reason: string,
  ): string | null {
    const pel = streams.get(stream)?.groups.get(group)?.pel;
    if (!pel?.delete(entry.id)) return null;
    const record: DeadLetter = {
      stream,
      group,
      originId: entry.id,
      reason,
      deliveries: entry.deliveries,
      payload: entry.payload,
      deadLetteredAt: new Date(now()).toISOString(),
    };
    return appendText(dlqStreamOf(stream), encodePayload(record));
  }

  const bus: Bus = {
    async append(stream: string, payload: BusPayload, opts: AppendOptions = {}) {
      open();
      assertName('stream', stream);
      assertOptionalInt('maxLen', opts.maxLen, 0);
      return appendText(stream, encodePayload(payload), opts.maxLen);
    },

    async ensureGroup(stream: string, group: string, opts: EnsureGroupOptions = {}) {
      open();
      assertName('stream', stream);
      assertName('group', group);
      const s = streamOf(stream);
      if (s.groups.has(group)) return;
      s.groups.set(group, { lastDelivered: opts.start === 'end' ? s.last : ZERO_ID, pel: new Map() });
    },

    async readGroup(stream: string, group: string, consumer: string, opts: ReadGroupOptions = {}) {
      open();
      assertName('consumer', consumer);
      assertOptionalInt('count', opts.count, 1);
      assertOptionalInt('blockMs', opts.blockMs, 0);
      const count = opts.count ?? 10;
      // Real time, not the injectable clock: a frozen test clock must not make a block last forever.
      const deadline = Date.now() + (opts.blockMs ?? 0);
      for (;;) {
        const batch = deliverNew(stream, group, consumer, count);
        const left = deadline - Date.now();
        if (batch.length > 0 || left <= 0) return batch;
        await waitForAppend(streamOf(stream), left);
        if (closed) return [];
      }
    },

    async ack(stream: string, group: string, ids: readonly string[]) {
      open();
      const g = streams.get(stream)?.groups.get(group);
      if (!g) return 0;
      let n = 0;
      for (const id of ids) if (g.pel.delete(id)) n++;
      return n;
    },

    async reclaim(stream: string, group: string, consumer: string, opts: ReclaimOptions) {
      open();
      assertName('consumer', consumer);
      assertOptionalInt('minIdleMs', opts.minIdleMs, 0);
      assertOptionalInt('count', opts.count, 1);
      assertOptionalInt('maxDeliveries', opts.maxDeliveries, 0);
      const s = streamOf(stream);
      const g = groupOf(stream, group);
      const count = opts.count ?? 10;
      const at = now();
      const keys = [...g.pel.keys()].sort((a, b) => compareKeys(a, b));
      const out: StreamEntry[] = [];
      for (const key of keys) {
        if (out.length >= count) break;
        const p = g.pel.get(key)!;
        if (at - p.deliveredAt < opts.minIdleMs) continue;
        const stored = findEntry(s, key);
        if (!stored) {
          g.pel.delete(key);
          continue;
        }
        p.consumer = consumer;
        p.deliveredAt = at;
        p.deliveries += 1;
        const entry = { id: key, payload: decodePayload(stored.text), deliveries: p.deliveries };
        if (opts.maxDeliveries !== undefined && p.deliveries > opts.maxDeliveries) {
          deadLetterNow(stream, group, entry, `exceeded maxDeliveries (${opts.maxDeliveries})`);
        } else {
          out.push(entry);
        }
      }
      return out;
    },

    async deadLetter(stream: string, group: string, entry: StreamEntry<unknown>, reason: string) {
      open();
      return deadLetterNow(stream, group, entry, reason);
    },

    async deadLetters(stream: string, opts: { count?: number } = {}) {
      open();
      assertOptionalInt('count', opts.count, 1);
      const entries = streams.get(dlqStreamOf(stream))?.entries ?? [];
      return entries.slice(0, opts.count ?? 100).map((e) => ({
        id: e.key,
        payload: decodePayload(e.text) as unknown as DeadLetter,
        deliveries: 0,
      }));
    },

    async redrive(stream: string, opts: RedriveOptions = {}) {
      open();
      assertOptionalInt('count', opts.count, 1);
      const dlq = streams.get(dlqStreamOf(stream));
      if (!dlq) return 0;
      const wanted = opts.ids ? new Set(opts.ids) : null;
      const chosen = dlq.entries.filter((e) => !wanted || wanted.has(e.key)).slice(0, opts.count ?? Infinity);
      for (const e of chosen) {
        const record = decodePayload(e.text) as unknown as DeadLetter;
        appendText(stream, encodePayload(record.payload));
        dlq.entries.splice(dlq.entries.indexOf(e), 1);
      }
      return chosen.length;
    },

    async pending(stream: string, group: string): Promise<PendingSummary> {
      open();
      const g = groupOf(stream, group);
      const keys = [...g.pel.keys()].sort(compareKeys);
      const consumers: Record<string, number> = {};
      for (const p of g.pel.values()) consumers[p.consumer] = (consumers[p.consumer] ?? 0) + 1;
      return { count: keys.length, minId: keys[0] ?? null, maxId: keys.at(-1) ?? null, consumers };
    },

    async length(stream: string) {
      open();
      return streams.get(stream)?.entries.length ?? 0;
    },

    async publish(channel: string, event: BusPayload) {
      open();
      assertName('channel', channel);
      const text = encodePayload(event);
      let n = 0;
      for (const sub of subscriptions) {
        if (!sub.match(channel)) continue;
        n++;
        // Asynchronous, like a network hop: a handler never runs inside the publisher's call stack.
        setImmediate(() => runHandler(sub, decodePayload(text), channel));
      }
      return n;
    },

    async subscribe(channelOrPattern, handler): Promise<Unsubscribe> {
      open();
      assertName('channel', channelOrPattern);
      const re = isPattern(channelOrPattern) ? globToRegExp(channelOrPattern) : null;
      const sub: Subscription = {
        key: channelOrPattern,
        match: re ? (c) => re.test(c) : (c) => c === channelOrPattern,
        handler: handler as EventHandler,
      };
      subscriptions.add(sub);
      return async () => {
        subscriptions.delete(sub);
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      subscriptions.clear();
      for (const s of streams.values()) for (const wake of s.wakers) wake();
    },
  };

  function runHandler(sub: Subscription, event: BusPayload, channel: string): void {
    if (!subscriptions.has(sub)) return;
    try {
      const r = sub.handler(event, channel);
      if (r instanceof Promise) r.catch((error: unknown) => logHandlerError(sub, channel, error));
    } catch (error) {
      logHandlerError(sub, channel, error);
    }
  }

  function logHandlerError(sub: Subscription, channel: string, error: unknown): void {
    logger.error({ err: error, subscription: sub.key, channel }, 'bus event handler failed');
  }

  return bus;
}

function compareKeys(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
