import { type BusPublisher, EVENTS_PREFIX } from '@enigma/core/bus/index';
import type { EnigmaDb } from '@enigma/db/db-type';
import {
  claimDueOutboxEntries,
  claimOutboxEntry,
  deleteOutboxEntries,
  type OutboxEntry,
  releaseOutboxEntry,
} from '@enigma/db/repositories/outbox';
import type { Logger } from '../deps.ts';

/** What publishing needs: the database holding the outbox, the bus, and how to forget published entries. */
export interface OutboxDeps {
  db: EnigmaDb;
  bus: BusPublisher;
  /** forgets published entries; default: one DELETE per entry, awaited */
  outboxDone?: OutboxDone;
}

/** Forgets entries that reached their stream. */
export interface OutboxDone {
  done(id: string): Promise<void>;
}

/**
 * Publish an entry whose lease the caller holds: append it to its stream, then forget it. When the
 * append fails the lease is released at once, so a resend or the relay publishes it; returns whether
 * the entry reached the stream. An entry that was appended but whose deletion was lost is published
 * again by the relay after its lease: at-least-once, consumers dedupe by the payload's id.
 */
export async function publishHeldEntry(deps: OutboxDeps, entry: OutboxEntry): Promise<boolean> {
  try {
    // `events:*` entries are dashboard events (pub/sub), the rest stream entries.
    if (entry.stream.startsWith(EVENTS_PREFIX)) await deps.bus.publish(entry.stream, entry.payload);
    else await deps.bus.append(entry.stream, entry.payload);
  } catch (e) {
    await releaseOutboxEntry(deps.db, entry.id, `append failed: ${(e as Error).message}`).catch(() => {});
    return false;
  }
  // Published: a failure to forget it changes nothing the sender should hear (a 500 for an alert stored
  // and published would only bring a resend); the relay publishes it once more after its lease.
  try {
    if (deps.outboxDone) await deps.outboxDone.done(entry.id);
    else await deleteOutboxEntries(deps.db, [entry.id]);
  } catch {
    // at-least-once: consumers dedupe by the payload's id
  }
  return true;
}

/**
 * A resend of a delivery already stored: when its entry never reached the stream (its append failed, or
 * its writer died before appending and its lease ran out), take the entry over and publish it. True when
 * this call published it; false when it is gone (published) or still someone else's.
 */
export async function publishAbandonedEntry(deps: OutboxDeps, id: string): Promise<boolean> {
  const held = await claimOutboxEntry(deps.db, id);
  return held !== null && (await publishHeldEntry(deps, held));
}

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * Group deletion for the Node path: the entries published in one event-loop turn are forgotten with
 * one DELETE, off the request's path (the lease keeps the relay away meanwhile). A failed DELETE is
 * logged and left to the relay (the entry is published once more: at-least-once).
 */
export class BatchingOutboxDone implements OutboxDone {
  #ids: string[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: EnigmaDb,
    private readonly logger?: Logger,
  ) {}

  done(id: string): Promise<void> {
    this.#ids.push(id);
    if (!this.#scheduled) {
      this.#scheduled = true;
      nextTurn(() => {
        const ids = this.#ids;
        this.#ids = [];
        this.#scheduled = false;
        const p: Promise<void> = deleteOutboxEntries(this.db, ids)
          .catch((e: unknown) =>
            this.logger?.warn({ err: String(e), entries: ids.length }, 'outbox: could not forget entries'),
          )
          .finally(() => this.#inFlight.delete(p));
        this.#inFlight.add(p);
      });
    }
    return Promise.resolve();
  }

  /** Resolves when the deletions queued so far are done (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.#scheduled || this.#inFlight.size > 0) {
      if (this.#scheduled) await new Promise<void>((r) => nextTurn(r));
      await Promise.all([...this.#inFlight]);
    }
  }
}

/** One pass of the relay: what it published and what failed again. */
export interface RelayPass {
  published: number;
  failed: number;
}

/**
 * Re-publish outbox entries whose lease has run out (their writer failed to append them or died),
 * oldest first, up to `limit` per pass. Safe to run in several processes at once (claims skip
 * entries another relay holds).
 *
 * @example await relayOutbox({ db, bus }) // { published: 3, failed: 0 }
 */
export async function relayOutbox(deps: OutboxDeps, limit = 100): Promise<RelayPass> {
  const due = await claimDueOutboxEntries(deps.db, limit);
  let published = 0;
  let failed = 0;
  for (const entry of due) {
    if (await publishHeldEntry(deps, entry)) published++;
    else failed++;
  }
  return { published, failed };
}

/** A relay running every `intervalMs` on Node (`enigma start`, the long-running side). */
export interface RunningRelay {
  stop(): Promise<void>;
}

/**
 * Run `relayOutbox` every `intervalMs` (default 2 s) until stopped; a pass that fills its limit is
 * followed at once by the next.
 *
 * @example const relay = startOutboxRelay({ db, bus, logger }); … await relay.stop();
 */
export function startOutboxRelay(
  deps: OutboxDeps & { logger: Logger },
  options: { intervalMs?: number; limit?: number } = {},
): RunningRelay {
  const intervalMs = options.intervalMs ?? 2000;
  const limit = options.limit ?? 100;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      let pass: RelayPass = { published: 0, failed: 0 };
      try {
        pass = await relayOutbox(deps, limit);
        if (pass.published + pass.failed > 0) deps.logger.info({ ...pass }, 'outbox relay');
      } catch (e) {
        deps.logger.warn({ err: String(e) }, 'outbox relay pass failed');
      }
      if (!stopped) timer = setTimeout(tick, pass.published === limit ? 0 : intervalMs);
    })();
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
