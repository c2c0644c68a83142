import type { input, output, ZodType } from 'zod';
import {
  type AppendOptions,
  type Bus,
  BusError,
  type BusPayload,
  type ReadGroupOptions,
  type ReclaimOptions,
  type StreamEntry,
} from './types.ts';

/** A stream bound to a zod schema: validated on append, parsed on read. */
export interface TypedStream<In, Out> {
  readonly name: string;
  readonly bus: Bus;
  /**
   * Validate and append. The wire form is what the publisher passed (the schema's input), so
   * transforms (e.g. string → Decimal) run on the consumer side. Invalid → `BusError('INVALID_PAYLOAD')`.
   */
  append(payload: In, options?: AppendOptions): Promise<string>;
  /** `bus.readGroup`, parsed; an entry that fails the schema is dead-lettered with the validation error and skipped. */
  readGroup(group: string, consumer: string, options?: ReadGroupOptions): Promise<StreamEntry<Out>[]>;
  /** `bus.reclaim`, parsed the same way. */
  reclaim(group: string, consumer: string, options: ReclaimOptions): Promise<StreamEntry<Out>[]>;
  ack(group: string, ids: readonly string[]): Promise<number>;
  deadLetter(group: string, entry: StreamEntry<unknown>, reason: string): Promise<string | null>;
}

export interface TypedStreamOptions {
  /** Told about every entry that failed the schema on read, after it was dead-lettered (for metrics, logs). */
  onInvalid?: (entry: StreamEntry, reason: string) => void;
}

/**
 * Bind a stream to a zod schema so a malformed entry never reaches (or crashes) a consumer.
 *
 * @example
 * const signals = typedStream(bus, STREAMS.signalsIncoming, signalSchema);
 * await signals.append(signal);
 * for (const e of await signals.readGroup('engine', 'engine-1')) e.payload; // typed, validated
 */
export function typedStream<S extends ZodType>(
  bus: Bus,
  name: string,
  schema: S,
  options: TypedStreamOptions = {},
): TypedStream<input<S>, output<S>> {
  async function parseAll(group: string, entries: StreamEntry[]): Promise<StreamEntry<output<S>>[]> {
    const valid: StreamEntry<output<S>>[] = [];
    for (const entry of entries) {
      const result = schema.safeParse(entry.payload);
      if (result.success) {
        valid.push({ id: entry.id, deliveries: entry.deliveries, payload: result.data as output<S> });
      } else {
        const reason = `validation: ${formatIssues(result.error.issues)}`;
        await bus.deadLetter(name, group, entry, reason);
        options.onInvalid?.(entry, reason);
      }
    }
    return valid;
  }

  return {
    name,
    bus,
    async append(payload, options) {
      const result = schema.safeParse(payload);
      if (!result.success) {
        throw new BusError('INVALID_PAYLOAD', `${name}: ${formatIssues(result.error.issues)}`);
      }
      return bus.append(name, payload as BusPayload, options);
    },
    async readGroup(group, consumer, options) {
      return parseAll(group, await bus.readGroup(name, group, consumer, options));
    },
    async reclaim(group, consumer, options) {
      return parseAll(group, await bus.reclaim(name, group, consumer, options));
    },
    ack: (group, ids) => bus.ack(name, group, ids),
    deadLetter: (group, entry, reason) => bus.deadLetter(name, group, entry, reason),
  };
}

/** "path.to.field: message; other: message" — short enough for a DLQ reason or a 400 body. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}
