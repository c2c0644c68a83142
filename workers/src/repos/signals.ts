import type { EnigmaDb } from '@enigma/db/db-type';
import { signals } from '@enigma/db/schema/index';
import { eq } from 'drizzle-orm';

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
 * Insert an accepted signal unless one with the same idempotency key exists; returns the id of the
 * row that holds the key and whether this call created it (the database backstop behind SET NX).
 */
export async function insertAcceptedSignal(
  db: EnigmaDb,
  row: IntakeSignalRow & { id: string; idempotencyKey: string },
): Promise<{ id: string; inserted: boolean }> {
  const inserted = await db
    .insert(signals)
    .values(row)
    .onConflictDoNothing({ target: signals.idempotencyKey })
    .returning({ id: signals.id });
  if (inserted[0]) return { id: inserted[0].id, inserted: true };
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
  const [r] = await db
    .insert(signals)
    .values({ ...row, idempotencyKey: null })
    .returning({ id: signals.id });
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
