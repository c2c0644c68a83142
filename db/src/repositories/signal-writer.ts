import type { EnigmaDb } from '../db-type.ts';
import {
  type AcceptedOutcome,
  type AcceptedSignalRow,
  insertAcceptedSignals,
  insertOneAcceptedSignal,
} from './intake-signals.ts';

/**
 * Writes accepted signals (the row that must be durable before intake answers 2xx). Resolves only
 * after the row holding the key is committed, with whether this call created it.
 */
export interface AcceptedSignalWriter {
  insertAccepted(row: AcceptedSignalRow): Promise<AcceptedOutcome>;
}

/**
 * One INSERT per signal: the worker (workerd cannot share connections between requests); over Neon's
 * SQL-over-HTTP a constant statement text with parameters (`insertOneAcceptedSignal`).
 */
export function singleInsertWriter(db: EnigmaDb): AcceptedSignalWriter {
  return { insertAccepted: (row) => insertOneAcceptedSignal(db, row) };
}

/** Tuning of {@link BatchingSignalWriter}. */
export interface BatchingOptions {
  /** rows per INSERT statement at most (19 parameters each) */
  maxRows?: number;
  /** statements in flight at once; while all are busy, new rows queue up for the next one */
  maxInFlight?: number;
}

interface Waiter {
  row: AcceptedSignalRow;
  resolve(outcome: AcceptedOutcome): void;
  reject(error: unknown): void;
}

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * Group commit for the Node path: accepted signals arriving together are written by one multi-row
 * INSERT … ON CONFLICT (idempotency_key) DO NOTHING, one commit for all. No timer adds latency: a row
 * waits only for the rest of the current event-loop turn, or, while `maxInFlight` statements are
 * already running, for one of them to finish (under load that wait is what fills the next batch).
 *
 * Each waiter gets its own outcome (inserted, or the id of the row that holds its key, also when two
 * rows of one batch share a key: the earlier one wins). If a statement fails, every row of it is
 * retried alone, so one bad row (e.g. a payload PostgreSQL refuses) fails only its own request;
 * when the database itself is down, every waiter is rejected. Nothing resolves before its statement
 * has committed.
 */
export class BatchingSignalWriter implements AcceptedSignalWriter {
  readonly #queue: Waiter[] = [];
  readonly #maxRows: number;
  readonly #maxInFlight: number;
  #inFlight = 0;
  #scheduled = false;
  /** statements executed so far (tests and benchmarks read it) */
  statements = 0;

  constructor(
    private readonly db: EnigmaDb,
    options: BatchingOptions = {},
  ) {
    this.#maxRows = Math.max(1, options.maxRows ?? 100);
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  }

  insertAccepted(row: AcceptedSignalRow): Promise<AcceptedOutcome> {
    return new Promise<AcceptedOutcome>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    nextTurn(() => {
      this.#scheduled = false;
      while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxRows);
        this.#inFlight++;
        void this.#write(batch).finally(() => {
          this.#inFlight--;
          this.#schedule();
        });
      }
    });
  }

  async #write(batch: Waiter[]): Promise<void> {
    let outcomes: AcceptedOutcome[];
    try {
      this.statements++;
      // one row (every alert arriving alone): the prepared statement; several: one multi-row INSERT
      outcomes =
        batch.length === 1
          ? [await insertOneAcceptedSignal(this.db, batch[0]!.row)]
          : await insertAcceptedSignals(
              this.db,
              batch.map((w) => w.row),
            );
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      await Promise.all(batch.map((w) => this.#write([w])));
      return;
    }
    batch.forEach((w, i) => {
      w.resolve(outcomes[i]!);
    });
  }
}
