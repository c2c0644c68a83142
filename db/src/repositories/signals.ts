import { and, desc, eq, gte, inArray, isNotNull, lt, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import {
  commands,
  fills,
  indicatorSnapshots,
  modelScores,
  orderIntents,
  orders,
  riskEvents,
  SIGNAL_ACTIONS,
  SIGNAL_STATUSES,
  type SignalStatus,
  signals,
} from '../schema/index.ts';
import { type NumericInput, numericOrNull } from './numeric.ts';
import { placeholderSet, prepared } from './prepared.ts';

/** A stored signal. Numeric columns come back as exact decimal strings. */
export type Signal = typeof signals.$inferSelect;

/** Input of the insert functions: the row without generated columns, numerics as Decimal/string/number. */
export type SignalInput = Omit<
  typeof signals.$inferInsert,
  'id' | 'updatedAt' | 'price' | 'contracts' | 'size' | 'score'
> & {
  price?: NumericInput | null;
  contracts?: NumericInput | null;
  size?: NumericInput | null;
  score?: NumericInput | null;
};

function toRow(input: SignalInput): typeof signals.$inferInsert {
  if (!SIGNAL_STATUSES.includes(input.status)) throw new RangeError(`unknown signal status: ${input.status}`);
  if (input.action != null && !SIGNAL_ACTIONS.includes(input.action)) {
    throw new RangeError(`unknown signal action: ${input.action}`);
  }
  if (!input.source) throw new TypeError('source must be a non-empty string');
  return {
    ...input,
    price: numericOrNull(input.price, 'price'),
    contracts: numericOrNull(input.contracts, 'contracts'),
    size: numericOrNull(input.size, 'size'),
    score: numericOrNull(input.score, 'score'),
  };
}

/**
 * Insert a signal keyed by its idempotency key, exactly once: `INSERT … ON CONFLICT (idempotency_key) DO
 * NOTHING`, then read the existing row when the key was already taken. Safe under concurrent calls.
 *
 * @example const { signal, created } = await insertSignalIdempotent(db, { source: 'tradingview', idempotencyKey, status: 'received', ... });
 */
export async function insertSignalIdempotent(
  db: EnigmaDb,
  row: SignalInput & { idempotencyKey: string },
): Promise<{ signal: Signal; created: boolean }> {
  if (!row.idempotencyKey) throw new TypeError('idempotencyKey must be a non-empty string');
  const [inserted] = await db
    .insert(signals)
    .values(toRow(row))
    .onConflictDoNothing({ target: signals.idempotencyKey })
    .returning();
  if (inserted) return { signal: inserted, created: true };
  const [existing] = await db.select().from(signals).where(eq(signals.idempotencyKey, row.idempotencyKey));
  if (!existing)
    throw new Error(`signal with idempotency key ${row.idempotencyKey} vanished after a conflict`);
  return { signal: existing, created: false };
}

/**
 * Insert a record that must not take an idempotency key (rejected, invalid, duplicate, stale alerts), so the
 * dashboard can show why an alert was refused.
 */
export async function insertSignalRecord(
  db: EnigmaDb,
  row: Omit<SignalInput, 'idempotencyKey'>,
): Promise<Signal> {
  const [inserted] = await db
    .insert(signals)
    .values({ ...toRow(row), idempotencyKey: null })
    .returning();
  return inserted!;
}

/** Filters and keyset page of `listSignals`. `cursor` is the `nextCursor` of the previous page. */
export interface ListSignalsQuery {
  status?: SignalStatus | SignalStatus[];
  symbol?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Signals newest first (received_at, then id), filtered, one keyset page at a time. `from` is inclusive,
 * `to` exclusive.
 */
export async function listSignals(
  db: EnigmaDb,
  q: ListSignalsQuery,
): Promise<{ items: Signal[]; nextCursor: string | null }> {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > 1000) {
    throw new RangeError('limit must be an integer from 1 to 1000');
  }
  const where: SQL[] = [];
  if (q.status !== undefined) {
    const statuses = Array.isArray(q.status) ? q.status : [q.status];
    for (const s of statuses)
      if (!SIGNAL_STATUSES.includes(s)) throw new RangeError(`unknown signal status: ${s}`);
    where.push(inArray(signals.status, statuses));
  }
  if (q.symbol !== undefined) where.push(eq(signals.symbol, q.symbol));
  if (q.from !== undefined) where.push(gte(signals.receivedAt, q.from));
  if (q.to !== undefined) where.push(lt(signals.receivedAt, q.to));
  if (q.cursor) {
    if (!UUID.test(q.cursor)) throw new RangeError('invalid cursor');
    // Compare against the cursor row's own timestamp in SQL: JS Dates would truncate microseconds.
    where.push(
      sql`(${signals.receivedAt}, ${signals.id}) < (select s.received_at, s.id from signals s where s.id = ${q.cursor})`,
    );
  }
  const rows = await db
    .select()
    .from(signals)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(signals.receivedAt), desc(signals.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  const nextCursor = rows.length > q.limit ? (items[items.length - 1]?.id ?? null) : null;
  return { items, nextCursor };
}

/** Move a signal to a new status with the reason; returns the updated row or null if no such signal. */
export async function updateSignalStatus(
  db: EnigmaDb,
  id: string,
  status: SignalStatus,
  reason: string | null = null,
): Promise<boolean> {
  if (!SIGNAL_STATUSES.includes(status)) throw new RangeError(`unknown signal status: ${status}`);
  return advanceSignal(db, id, { status, reason });
}

/** One signal by id, or null. */
export async function getSignal(db: EnigmaDb, id: string): Promise<Signal | null> {
  const [row] = await db.select().from(signals).where(eq(signals.id, id));
  return row ?? null;
}

/** The status and reason of each of `ids` that exists, in one query (a run's outcome, a poll until settled). */
export async function signalStatuses(
  db: EnigmaDb,
  ids: readonly string[],
): Promise<Map<string, { status: SignalStatus; reason: string | null }>> {
  const out = new Map<string, { status: SignalStatus; reason: string | null }>();
  for (let i = 0; i < ids.length; i += 1_000) {
    const rows = await db
      .select({ id: signals.id, status: signals.status, reason: signals.reason })
      .from(signals)
      .where(inArray(signals.id, ids.slice(i, i + 1_000) as string[]));
    for (const r of rows) out.set(r.id, { status: r.status as SignalStatus, reason: r.reason });
  }
  return out;
}

/** Everything recorded about one signal, for the dashboard's drill-down (`GET /api/signals/{id}`). */
export interface SignalDetail {
  signal: Signal;
  /** the indicator values the engine computed when it scored the signal, oldest first */
  indicators: (typeof indicatorSnapshots.$inferSelect)[];
  /** the scorer's / model's output, oldest first */
  scores: (typeof modelScores.$inferSelect)[];
  /** risk decisions taken about it (blocks carry the rule's code), oldest first */
  riskEvents: (typeof riskEvents.$inferSelect)[];
  /** what the engine decided to do about it, when it got that far */
  intent: typeof orderIntents.$inferSelect | null;
  /** the orders it produced (by signal or by its intent), oldest first */
  orders: (typeof orders.$inferSelect)[];
  /** the fills of those orders, oldest first */
  fills: (typeof fills.$inferSelect)[];
  /** operator commands that acted on those orders, with their outcome */
  commands: (typeof commands.$inferSelect)[];
}

/** One signal with its indicator snapshot, model output, risk events, intent, orders, fills and commands; null if unknown. */
export async function getSignalDetail(db: EnigmaDb, id: string): Promise<SignalDetail | null> {
  const signal = await getSignal(db, id);
  if (!signal) return null;
  const [indicators, scores, risk, [intent]] = await Promise.all([
    db
      .select()
      .from(indicatorSnapshots)
      .where(eq(indicatorSnapshots.signalId, id))
      .orderBy(indicatorSnapshots.id),
    db.select().from(modelScores).where(eq(modelScores.signalId, id)).orderBy(modelScores.createdAt),
    db.select().from(riskEvents).where(eq(riskEvents.signalId, id)).orderBy(riskEvents.at),
    db.select().from(orderIntents).where(eq(orderIntents.signalId, id)),
  ]);
  const produced = await db
    .select()
    .from(orders)
    .where(intent ? or(eq(orders.signalId, id), eq(orders.intentId, intent.id)) : eq(orders.signalId, id))
    .orderBy(orders.createdAt);
  const orderIds = produced.map((o) => o.id);
  const commandIds = [...new Set(produced.flatMap((o) => (o.commandId ? [o.commandId] : [])))];
  const [orderFills, orderCommands] = await Promise.all([
    orderIds.length
      ? db.select().from(fills).where(inArray(fills.orderId, orderIds)).orderBy(fills.filledAt)
      : [],
    commandIds.length
      ? db.select().from(commands).where(inArray(commands.id, commandIds)).orderBy(commands.createdAt)
      : [],
  ]);
  return {
    signal,
    indicators,
    scores,
    riskEvents: risk,
    intent: intent ?? null,
    orders: produced,
    fills: orderFills,
    commands: orderCommands,
  };
}

/**
 * The engine's step on a signal: its new status with the reason, and optionally its score and extra
 * metadata (merged into the row's metadata). Only moves a signal that is in one of `from` (when given),
 * so two processes can never both act on it; returns false when it was not in such a state.
 */
export async function advanceSignal(
  db: EnigmaDb,
  id: string,
  to: {
    status: SignalStatus;
    reason?: string | null;
    score?: string | null;
    metadata?: Record<string, unknown>;
  },
  from?: readonly SignalStatus[],
): Promise<boolean> {
  if (!SIGNAL_STATUSES.includes(to.status)) throw new RangeError(`unknown signal status: ${to.status}`);
  const reason = to.reason?.slice(0, 1000) ?? null;
  if (to.score === undefined && !to.metadata) {
    // The engine's status moves: one prepared statement (the guard `from` as an array parameter).
    const statement = prepared(db, 'enigma_advance_signal', (d) =>
      d
        .update(signals)
        .set(placeholderSet({ status: 'text', reason: 'text' }) as never)
        .where(
          and(
            eq(signals.id, sql.placeholder('id')),
            sql`(${sql.placeholder('any')}::boolean or ${signals.status} = any(${sql.placeholder('from')}::text[]))`,
          ),
        )
        .returning({ id: signals.id })
        .prepare('enigma_advance_signal'),
    );
    const rows = await statement.execute({
      id,
      status: to.status,
      reason,
      any: from === undefined,
      from: [...(from ?? [])],
    });
    return rows.length > 0;
  }
  const set: Partial<typeof signals.$inferInsert> = { status: to.status, reason };
  if (to.score !== undefined) set.score = to.score;
  if (to.metadata) set.metadata = sql`${signals.metadata} || ${JSON.stringify(to.metadata)}::jsonb` as never;
  const where = from ? and(eq(signals.id, id), inArray(signals.status, [...from])) : eq(signals.id, id);
  const rows = await db.update(signals).set(set).where(where).returning({ id: signals.id });
  return rows.length > 0;
}

/** Signals the engine left mid-way (scored, ordered, filled) whose row has not moved since `before`. */
export async function signalsInProgress(db: EnigmaDb, before: Date, limit = 100): Promise<Signal[]> {
  return db
    .select()
    .from(signals)
    .where(
      and(
        or(
          inArray(signals.status, ['scored', 'ordered', 'filled']),
          // protected by its first fills while the rest of its orders (a TWAP's slices) were still to come
          and(
            eq(signals.status, 'protected'),
            sql`exists (select 1 from ${orderIntents} where ${orderIntents.signalId} = ${signals.id} and ${orderIntents.status} = 'ordered')`,
          ),
        ),
        lt(signals.updatedAt, before),
      ),
    )
    .orderBy(signals.receivedAt)
    .limit(limit);
}

/**
 * The contracts that accepted signals (not refused, invalid or duplicate records) named since `since`:
 * the engine builds their scoring context before its first signal.
 */
export async function recentSignalSymbols(db: EnigmaDb, since: Date): Promise<string[]> {
  const rows = await db
    .selectDistinct({ symbol: signals.symbol })
    .from(signals)
    .where(
      and(
        gte(signals.receivedAt, since),
        isNotNull(signals.symbol),
        notInArray(signals.status, ['rejected', 'invalid', 'duplicate']),
      ),
    );
  return rows.flatMap((r) => (r.symbol ? [r.symbol] : []));
}
