import { type EnigmaDb, rowsOf } from '@enigma/db/db-type';
import { signals } from '@enigma/db/schema/index';
import { eq, type SQL, sql } from 'drizzle-orm';

/** A signal row as intake writes it. */
export interface IntakeSignalRow {
  id?: string;
  sourceId: string | null;
  source: string;
  idempotencyKey?: string | null;
  status: 'received' | 'rejected' | 'duplicate' | 'stale' | 'invalid' | 'failed';
  reason?: string | null;
  symbol?: string | null;
  rawSymbol?: string | null;
  action?: 'buy' | 'sell' | 'close' | 'reverse' | null;
  interval?: string | null;
  alertTime?: Date | null;
  receivedAt: Date;
  clientIp?: string | null;
  payload?: unknown;
  price?: string | null;
  contracts?: string | null;
  size?: string | null;
  duplicateOf?: string | null;
  metadata?: Record<string, unknown>;
}

/**
 * The INSERT as one SQL statement with parameters: intake's hot path, where drizzle's insert builder
 * cost more CPU than the rest of the request (see workers/bench/intake.bench.ts).
 */
function insertStatement(row: IntakeSignalRow, idempotent: boolean): SQL {
  const ts = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  return sql`insert into signals (id, source_id, source, idempotency_key, status, reason, symbol, raw_symbol,
      action, interval, alert_time, received_at, client_ip, payload, price, contracts, size, duplicate_of, metadata)
    values (coalesce(${row.id ?? null}::uuid, gen_random_uuid()), ${row.sourceId}, ${row.source},
      ${idempotent ? (row.idempotencyKey ?? null) : null}, ${row.status}, ${row.reason ?? null}, ${row.symbol ?? null},
      ${row.rawSymbol ?? null}, ${row.action ?? null}, ${row.interval ?? null}, ${ts(row.alertTime)}::timestamptz,
      ${ts(row.receivedAt)}::timestamptz, ${row.clientIp ?? null}, ${json(row.payload)}::jsonb, ${row.price ?? null}::numeric,
      ${row.contracts ?? null}::numeric, ${row.size ?? null}::numeric, ${row.duplicateOf ?? null}::uuid,
      coalesce(${json(row.metadata)}::jsonb, '{}'::jsonb))
    ${idempotent ? sql`on conflict (idempotency_key) do nothing` : sql``}
    returning id`;
}

/**
 * Insert an accepted signal unless one with the same idempotency key exists; returns the id of the
 * row that holds the key and whether this call created it (the database backstop behind SET NX).
 */
export async function insertAcceptedSignal(
  db: EnigmaDb,
  row: IntakeSignalRow & { id: string; idempotencyKey: string },
): Promise<{ id: string; inserted: boolean }> {
  const [inserted] = rowsOf<{ id: string }>(await db.execute(insertStatement(row, true)));
  if (inserted) return { id: inserted.id, inserted: true };
  const existing = await db
    .select({ id: signals.id })
    .from(signals)
    .where(eq(signals.idempotencyKey, row.idempotencyKey))
    .limit(1);
  if (!existing[0]) throw new Error('idempotency key conflict without a row');
  return { id: existing[0].id, inserted: false };
}

/** Insert a record of a refused or duplicate request (no idempotency key); returns its id. */
export async function insertSignalRecord(db: EnigmaDb, row: IntakeSignalRow): Promise<string> {
  const [r] = rowsOf<{ id: string }>(await db.execute(insertStatement(row, false)));
  return r!.id;
}

/** Change a signal's status after intake (e.g. publish failed). */
export async function setSignalStatus(
  db: EnigmaDb,
  id: string,
  status: 'failed',
  reason: string,
): Promise<void> {
  await db.update(signals).set({ status, reason }).where(eq(signals.id, id));
}
