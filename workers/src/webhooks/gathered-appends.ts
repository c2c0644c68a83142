import { EVENTS_PREFIX } from '@enigma/core/bus/index';
import type { EnigmaDb } from '@enigma/db/db-type';
import { type OutboxEntry, releaseOutboxEntry } from '@enigma/db/repositories/outbox';
import type { UpstashBusPublisher } from '../bus/upstash.ts';
import type { Logger } from '../deps.ts';
import type { UpstashReply, UpstashRest } from '../kv/upstash-rest.ts';

/** A request's `ctx.waitUntil`: work that may run after its answer. */
export interface WaitUntil {
  waitUntil(p: Promise<unknown>): void;
}

/** What the gatherer needs: the isolate's Upstash and SQL-over-HTTP clients, and where published ids go. */
export interface GatheredAppendsDeps {
  rest: UpstashRest;
  /** builds the XADD / PUBLISH commands (the bus's stream layout and key prefix) */
  bus: UpstashBusPublisher;
  /** the outbox's database, to release the entries whose append failed */
  db: EnigmaDb;
  logger: Logger;
  /** entries that reached their stream: forget them (after this, in `ctx`) */
  published(ids: readonly string[], ctx: WaitUntil): void;
  /** how long entries wait to be sent together (default 10 ms) */
  delayMs?: number;
}

/** A flush not started within this long is taken for lost (its request was cancelled): the next starts another. */
const STALE_MS = 2_000;
/** At most this many commands per `/pipeline` request. */
const MAX_PER_PIPELINE = 500;

/**
 * The worker's stream appends after the answer, gathered across the isolate's requests: an accepted
 * alert is durable once its row and outbox entry commit (one statement, before the answer); its XADD
 * can follow. `later` queues the entry; the first request to queue one schedules, in its own
 * `ctx.waitUntil`, one Upstash `/pipeline` call for every entry queued in the next `delayMs` (one
 * subrequest for several alerts instead of one each, and none on the answer's path). Then, per entry:
 * appended → `published` (the outbox entry is forgotten); failed (that command, or the whole call) →
 * its lease is released at once, so a resend or the relay publishes it, as when an inline append fails.
 * A flush that never runs (isolate evicted, request cancelled) leaves its entries leased: the relay
 * publishes them after the lease (at-least-once; the engine dedupes by `signalId`).
 *
 * Only plain data crosses requests: the flushing request makes the call and handles every reply in its
 * own context; no request awaits a promise another one resolves.
 */
export class GatheredAppends {
  #entries: OutboxEntry[] = [];
  #scheduledAt: number | undefined;
  /** `/pipeline` calls made so far (tests, benches) */
  calls = 0;

  constructor(private readonly deps: GatheredAppendsDeps) {}

  /** Queue a stored entry whose lease this request holds; it is appended after the answer. */
  later(entry: OutboxEntry, ctx: WaitUntil): void {
    this.#entries.push(entry);
    const now = Date.now();
    if (this.#scheduledAt !== undefined && now - this.#scheduledAt < STALE_MS) return;
    this.#scheduledAt = now;
    const delay = this.deps.delayMs ?? 10;
    ctx.waitUntil(new Promise((r) => setTimeout(r, delay)).then(() => this.#flush(ctx)));
  }

  async #flush(ctx: WaitUntil): Promise<void> {
    this.#scheduledAt = undefined;
    const all = this.#entries.splice(0);
    for (let i = 0; i < all.length; i += MAX_PER_PIPELINE) {
      await this.#send(all.slice(i, i + MAX_PER_PIPELINE), ctx);
    }
  }

  async #send(entries: OutboxEntry[], ctx: WaitUntil): Promise<void> {
    const { bus, rest, db, logger } = this.deps;
    let replies: UpstashReply[];
    try {
      const commands = entries.map((e) =>
        e.stream.startsWith(EVENTS_PREFIX)
          ? bus.publishCommand(e.stream, e.payload)
          : bus.appendCommand(e.stream, e.payload),
      );
      this.calls++;
      replies = await rest.pipeline(commands);
    } catch (e) {
      replies = entries.map(() => ({ error: (e as Error).message }));
    }
    const appended: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const error = replies[i]?.error;
      if (error === undefined) {
        appended.push(entry.id);
        continue;
      }
      logger.warn(
        { signalId: entry.id, stream: entry.stream, err: error },
        'stored but not yet on the stream: left to a resend or the outbox relay',
      );
      await releaseOutboxEntry(db, entry.id, `append failed: ${error}`).catch(() => {});
    }
    if (appended.length > 0) this.deps.published(appended, ctx);
  }
}
