/**
 * The bus: durable streams read by consumer groups (at-least-once, explicit ack, reclaim, dead-letter)
 * and fire-and-forget pub/sub events. One interface, several adapters (in-process, Redis, an
 * append-only edge publisher); every full adapter passes the shared contract suite.
 *
 * Payloads and events are JSON-serialisable plain objects. Adapters store them as JSON text, so a
 * consumer always receives a fresh copy, never the publisher's object.
 */

/** A JSON-serialisable plain object (the payload of a stream entry or a pub/sub event). */
export type BusPayload = Record<string, unknown>;

/** Well-known stream and channel names, so publishers and consumers cannot drift apart. */
export const STREAMS = {
  /** Validated TradingView / internal signals, written by intake, read by the engine. */
  signalsIncoming: 'signals:incoming',
  /** Operator and system commands to the engine (kill switch, cancel-all, ...). */
  commands: 'commands',
} as const;

/** Pub/sub channels are `events:<topic>`; subscribe to `events:*` for all of them. */
export const EVENTS_PREFIX = 'events:';

/**
 * The one field of a Redis stream entry: the payload as JSON text. Every Redis-backed writer (the
 * Redis adapter, the Upstash edge publisher) and reader uses it, so they interoperate.
 */
export const STREAM_PAYLOAD_FIELD = 'payload';

/** Suffix of the dead-letter stream that belongs to a stream: `<stream>:dlq`. */
export const DLQ_SUFFIX = ':dlq';

/** The dead-letter stream of `stream`. */
export function dlqStreamOf(stream: string): string {
  return stream + DLQ_SUFFIX;
}

/** One entry as delivered to a consumer. */
export interface StreamEntry<T = BusPayload> {
  /** Stream id, `<ms>-<seq>` (Redis format in every adapter); ids increase in append order. */
  id: string;
  payload: T;
  /**
   * How many times this entry has been delivered to the group, this delivery included (>= 1);
   * 0 when listed outside a group (`deadLetters`).
   */
  deliveries: number;
}

export interface AppendOptions {
  /** Trim the stream to about this many entries (Redis `MAXLEN ~`). Trimming can drop unacked entries. */
  maxLen?: number;
}

export interface EnsureGroupOptions {
  /**
   * Where a NEW group starts: `'beginning'` (default: every entry still in the stream, so nothing
   * appended before the consumer first started is lost) or `'end'` (only entries appended from now on).
   * Ignored when the group already exists.
   */
  start?: 'beginning' | 'end';
}

export interface ReadGroupOptions {
  /** At most this many entries (default 10). */
  count?: number;
  /** Wait up to this long for new entries when there are none; omitted or 0 returns at once. */
  blockMs?: number;
}

export interface ReclaimOptions {
  /** Only entries pending (unacked) for at least this long are taken over. */
  minIdleMs: number;
  /** At most this many entries (default 10). */
  count?: number;
  /**
   * When set, claimed entries whose delivery count now exceeds it are moved to `<stream>:dlq` (and
   * acked in the origin) instead of being returned.
   */
  maxDeliveries?: number;
}

/** `pending(stream, group)`: entries delivered to the group and not yet acked. */
export interface PendingSummary {
  count: number;
  /** Smallest and largest pending id, null when nothing is pending. */
  minId: string | null;
  maxId: string | null;
  /** Pending entries per consumer name (consumers with none are omitted). */
  consumers: Record<string, number>;
}

/** The payload of an entry in `<stream>:dlq`. */
export interface DeadLetter {
  /** The stream the entry came from (without the `:dlq` suffix). */
  stream: string;
  group: string;
  /** The entry's id in the origin stream. */
  originId: string;
  /** Why it was dead-lettered (validation error, "exceeded maxDeliveries (5)", last handler error, ...). */
  reason: string;
  deliveries: number;
  /** The original payload, unchanged. */
  payload: unknown;
  /** ISO-8601 time it was dead-lettered. */
  deadLetteredAt: string;
}

export interface RedriveOptions {
  /** Only these DLQ entry ids (default: all, oldest first, up to `count`). */
  ids?: readonly string[];
  /** At most this many (default: all). */
  count?: number;
}

/** Called for each event on a channel the handler subscribed to (directly or through a pattern). */
export type EventHandler<E = BusPayload> = (event: E, channel: string) => void | Promise<void>;

/** Stops one subscription; other subscriptions to the same channel are unaffected. */
export type Unsubscribe = () => Promise<void>;

/** The append-and-publish half of the bus: all an edge publisher has to implement. */
export interface BusPublisher {
  /**
   * Append `payload` to `stream`; returns the new entry id. Throws `BusError('INVALID_PAYLOAD')`
   * (and appends nothing) when the payload is not a JSON-serialisable plain object.
   */
  append(stream: string, payload: BusPayload, options?: AppendOptions): Promise<string>;
  /** Publish an event to every current subscriber of `channel`; returns how many received it (best effort). */
  publish(channel: string, event: BusPayload): Promise<number>;
}

/**
 * The full bus. Delivery is at-least-once: an entry stays pending for its group until acked, and a
 * consumer that dies leaves its entries to be taken over with `reclaim`. Consumers must be idempotent.
 *
 * @example
 * await bus.ensureGroup('signals:incoming', 'engine');
 * const entries = await bus.readGroup('signals:incoming', 'engine', 'engine-1', { count: 10, blockMs: 1000 });
 * for (const e of entries) { await handle(e.payload); await bus.ack('signals:incoming', 'engine', [e.id]); }
 */
export interface Bus extends BusPublisher {
  /** Create the consumer group (and the stream) when missing; idempotent. */
  ensureGroup(stream: string, group: string, options?: EnsureGroupOptions): Promise<void>;
  /**
   * Deliver entries never delivered to the group before, to `consumer` (they become pending for it).
   * Throws `BusError('NO_GROUP')` when the group does not exist.
   */
  readGroup(
    stream: string,
    group: string,
    consumer: string,
    options?: ReadGroupOptions,
  ): Promise<StreamEntry[]>;
  /** Acknowledge entries (they stop being pending); returns how many were pending. */
  ack(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /**
   * Take over entries pending for at least `minIdleMs` (any consumer, including `consumer` itself),
   * oldest first, incrementing their delivery count: Redis XAUTOCLAIM semantics. Entries trimmed from
   * the stream meanwhile are dropped from the pending list.
   */
  reclaim(stream: string, group: string, consumer: string, options: ReclaimOptions): Promise<StreamEntry[]>;
  /**
   * Move one delivered entry to `<stream>:dlq` with `reason`, and ack it in the origin, atomically.
   * Returns the DLQ entry id, or null (and writes nothing) when the entry was no longer pending
   * (already acked or dead-lettered elsewhere), so an entry is never dead-lettered twice.
   */
  deadLetter(
    stream: string,
    group: string,
    entry: StreamEntry<unknown>,
    reason: string,
  ): Promise<string | null>;
  /** The oldest entries of `<stream>:dlq` (default up to 100), without consuming them. */
  deadLetters(stream: string, options?: { count?: number }): Promise<StreamEntry<DeadLetter>[]>;
  /** Append dead letters' original payloads back to `stream` (new ids) and remove them from the DLQ; returns how many. */
  redrive(stream: string, options?: RedriveOptions): Promise<number>;
  /** Summary of what is pending for the group. Throws `BusError('NO_GROUP')` when it does not exist. */
  pending(stream: string, group: string): Promise<PendingSummary>;
  /** Number of entries in the stream (acked or not, until trimmed); 0 for a missing stream. */
  length(stream: string): Promise<number>;
  /**
   * Subscribe to a channel, or to a glob pattern (`*`, `?`, `[...]`, as Redis PSUBSCRIBE) such as
   * `events:*`. Resolves once the subscription is active: events published after that are delivered.
   */
  subscribe<E extends BusPayload = BusPayload>(
    channelOrPattern: string,
    handler: EventHandler<E>,
  ): Promise<Unsubscribe>;
  /** Stop subscriptions, wake blocked reads (they return or throw `BusError('CLOSED')`), release connections. Idempotent. */
  close(): Promise<void>;
}

export type BusErrorCode = 'INVALID_PAYLOAD' | 'NO_GROUP' | 'CLOSED' | 'INVALID_ARGUMENT';

/** The one error type adapters throw for bus-level misuse. */
export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
  ) {
    super(message);
  }
}
