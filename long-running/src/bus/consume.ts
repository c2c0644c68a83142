import { setTimeout as sleep } from 'node:timers/promises';
import { exponentialBackoff } from '@enigma/core/backoff';
import { type Bus, type BusPayload, type StreamEntry, typedStream } from '@enigma/core/bus/index';
import type { Registry } from 'prom-client';
import type { ZodType } from 'zod';
import { createLogger, type Logger } from '../runtime/logger.ts';
import { busMetrics } from './metrics.ts';

export interface ConsumeOptions<T> {
  stream: string;
  group: string;
  /** Unique per live process (e.g. host + pid): pending entries are owned by consumer name. */
  consumer: string;
  /** Resolve to ack; throw to leave the entry pending for a retry after `reclaimIdleMs`. Must be idempotent. */
  handler: (entry: StreamEntry<T>, context: { signal: AbortSignal }) => unknown;
  /** Stops the loop (after the entry in hand); `consume` resolves once it has stopped. */
  signal: AbortSignal;
  /** Parse every entry; one that fails goes to the DLQ with the validation error instead of the handler. */
  schema?: ZodType<T>;
  /** Handler attempts before an entry is dead-lettered (default 5). */
  maxDeliveries?: number;
  /** An entry unacked this long is retried, ours or a dead consumer's (default 30 s). */
  reclaimIdleMs?: number;
  /** How often to look for such entries (default min(reclaimIdleMs, 5 s)). */
  reclaimEveryMs?: number;
  /** Entries per read (default 10). */
  count?: number;
  /** Longest wait for new entries per read, which also bounds how late an abort is noticed (default 1 s). */
  blockMs?: number;
  /** Where a group created by this call starts (default 'beginning'). */
  start?: 'beginning' | 'end';
  logger?: Logger;
  registry?: Registry;
}

/** Failed handler attempts remembered for the DLQ reason; bounded so a poison flood cannot grow memory. */
const MAX_REMEMBERED_ERRORS = 10_000;

/**
 * The standard consumer loop: read as `consumer` of `group`, run the handler, ack on success, leave
 * for retry on failure, periodically reclaim idle entries (its own failures and dead consumers'), and
 * dead-letter entries that failed `maxDeliveries` times with the last error as the reason.
 *
 * @example
 * const stop = new AbortController();
 * await consume(bus, { stream: STREAMS.signalsIncoming, group: 'engine', consumer: `engine-${pid}`,
 *   schema: signalSchema, handler: (e) => engine.onSignal(e.payload), signal: stop.signal });
 */
export async function consume<T = BusPayload>(bus: Bus, options: ConsumeOptions<T>): Promise<void> {
  const { stream, group, consumer, handler, signal } = options;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const reclaimIdleMs = options.reclaimIdleMs ?? 30_000;
  const reclaimEveryMs = options.reclaimEveryMs ?? Math.min(reclaimIdleMs, 5_000);
  const count = options.count ?? 10;
  const blockMs = options.blockMs ?? 1_000;
  const log = (options.logger ?? createLogger({ name: 'bus', pretty: false })).child({
    stream,
    group,
    consumer,
  });
  const metrics = busMetrics(options.registry);
  const labels = { stream, group };
  const lastError = new Map<string, string>();
  const source = options.schema
    ? typedStream(bus, stream, options.schema, {
        onInvalid: (entry, reason) => {
          metrics.entries.inc({ ...labels, outcome: 'invalid' });
          log.warn({ id: entry.id, reason }, 'bus entry failed its schema: dead-lettered');
        },
      })
    : null;
  const read = (): Promise<StreamEntry<T>[]> =>
    (source
      ? source.readGroup(group, consumer, { count, blockMs })
      : bus.readGroup(stream, group, consumer, { count, blockMs })) as Promise<StreamEntry<T>[]>;
  const reclaim = (): Promise<StreamEntry<T>[]> =>
    (source
      ? source.reclaim(group, consumer, { minIdleMs: reclaimIdleMs, count })
      : bus.reclaim(stream, group, consumer, { minIdleMs: reclaimIdleMs, count })) as Promise<
      StreamEntry<T>[]
    >;

  async function handle(entry: StreamEntry<T>): Promise<void> {
    if (entry.deliveries > maxDeliveries) {
      const last = lastError.get(entry.id);
      const reason = last
        ? `handler failed ${entry.deliveries - 1} times; last error: ${last}`
        : `exceeded maxDeliveries (${maxDeliveries})`;
      await bus.deadLetter(stream, group, entry, reason);
      lastError.delete(entry.id);
      metrics.entries.inc({ ...labels, outcome: 'dead_lettered' });
      log.warn({ id: entry.id, deliveries: entry.deliveries, reason }, 'bus entry dead-lettered');
      return;
    }
    const timer = metrics.handlerSeconds.startTimer(labels);
    try {
      await handler(entry, { signal });
    } catch (error) {
      timer();
      const message = error instanceof Error ? error.message : String(error);
      if (lastError.size >= MAX_REMEMBERED_ERRORS) lastError.delete(lastError.keys().next().value!);
      lastError.set(entry.id, message);
      metrics.entries.inc({ ...labels, outcome: 'failed' });
      log.warn({ id: entry.id, deliveries: entry.deliveries, err: error }, 'bus handler failed: will retry');
      return;
    }
    timer();
    await bus.ack(stream, group, [entry.id]);
    lastError.delete(entry.id);
    metrics.entries.inc({ ...labels, outcome: 'acked' });
  }

  await bus.ensureGroup(stream, group, { start: options.start ?? 'beginning' });
  log.info({ maxDeliveries, reclaimIdleMs }, 'bus consumer started');
  let nextReclaim = 0;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (Date.now() >= nextReclaim) {
        nextReclaim = Date.now() + reclaimEveryMs;
        let batch: StreamEntry<T>[];
        do {
          batch = await reclaim();
          if (batch.length) metrics.reclaimed.inc(labels, batch.length);
          for (const entry of batch) {
            if (signal.aborted) break;
            await handle(entry);
          }
        } while (batch.length === count && !signal.aborted);
      }
      for (const entry of await read()) {
        // Unhandled entries stay pending for us and are reclaimed after reclaimIdleMs.
        if (signal.aborted) break;
        await handle(entry);
      }
      failures = 0;
    } catch (error) {
      if (signal.aborted) break;
      const backoffMs = exponentialBackoff(failures++, { base: 100, max: 10_000 });
      log.error({ err: error, backoffMs }, 'bus consumer loop error: backing off');
      await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
    }
  }
  log.info('bus consumer stopped');
}
