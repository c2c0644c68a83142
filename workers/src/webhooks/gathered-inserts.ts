import type { EnigmaDb } from '@enigma/db/db-type';
import {
  type AcceptedOutcome,
  type AcceptedSignalRow,
  insertAcceptedSignals,
  insertOneAcceptedSignal,
} from '@enigma/db/repositories/intake-signals';
import type { AcceptedSignalWriter } from '@enigma/db/repositories/signal-writer';
import { GatheredCalls, type Settled } from './gathered-calls.ts';

/** Tuning of {@link gatheredSignalWriter}. */
export interface GatheredInsertOptions {
  /** rows per statement at most */
  maxRows?: number;
  /** statements out at once at most (while they all are, rows queue for the next) */
  maxInFlight?: number;
  /** how long a row waits for its batch before it is written alone */
  orphanMs?: number;
}

/**
 * The worker's accepted rows, group-committed across the isolate's concurrent requests over SQL over
 * HTTP (no connection is shared: each statement is one `fetch`, sent by a request whose row is in it;
 * see `GatheredCalls`). Each request still resolves only once the statement holding its row and outbox
 * entry has committed, with its own outcome (inserted, or the id of the row holding its key: of two rows
 * of one statement sharing a key the first wins, as on Node's `BatchingSignalWriter`). A statement that
 * fails is retried row by row, so one row PostgreSQL refuses fails only its own request. A row written
 * alone after its batch went silent and met its own row reports it as inserted.
 */
export function gatheredSignalWriter(
  db: EnigmaDb,
  options: GatheredInsertOptions = {},
): AcceptedSignalWriter & { readonly calls: GatheredCalls<AcceptedSignalRow, AcceptedOutcome> } {
  const one = (row: AcceptedSignalRow): Promise<Settled<AcceptedOutcome>> =>
    insertOneAcceptedSignal(db, row).then(
      (value) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, error }),
    );
  const calls = new GatheredCalls<AcceptedSignalRow, AcceptedOutcome>({
    async send(rows) {
      if (rows.length === 1) return [await one(rows[0]!)];
      let outcomes: AcceptedOutcome[];
      try {
        outcomes = await insertAcceptedSignals(db, rows);
      } catch {
        return Promise.all(rows.map(one));
      }
      return outcomes.map((value) => ({ ok: true, value }));
    },
    async alone(row) {
      const outcome = await insertOneAcceptedSignal(db, row);
      return outcome.id === row.id ? { id: row.id, inserted: true } : outcome;
    },
    maxBatch: options.maxRows ?? 100,
    maxInFlight: options.maxInFlight ?? 2,
    ...(options.orphanMs !== undefined ? { orphanMs: options.orphanMs } : {}),
  });
  return { calls, insertAccepted: (row) => calls.run(row) };
}
