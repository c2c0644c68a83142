import { asc, eq, gt } from 'drizzle-orm';
import { sha256Hex } from '../crypto/encoding.ts';
import type { EnigmaDb } from '../db-type.ts';
import { auditHead, auditLog } from '../schema/index.ts';

/** A stored audit row. */
export type AuditRow = typeof auditLog.$inferSelect;

/** What the caller records; `at` defaults to now. `data` must be JSON-serialisable. */
export interface AuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId?: string | null;
  data?: unknown;
  at?: Date;
}

/** The hash the chain starts from (the head row's initial value, seeded by migration 0002). */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so jsonb's key reordering does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** SHA-256 (hex) over the canonical serialisation of a row's content and its predecessor's hash. */
export function auditHash(row: Omit<AuditRow, 'hash'>): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      'enigma-audit-v1',
      String(row.seq),
      row.at.toISOString(),
      row.actor,
      row.action,
      row.entity,
      row.entityId ?? null,
      canonicalJson(row.data),
      row.prevHash,
    ]),
  );
}

/**
 * Append one entry to the hash chain. Writers are serialised by locking the chain head row
 * (`SELECT … FOR UPDATE` in a transaction), so concurrent appends get consecutive seqs and a correct
 * prev_hash. Must run on a driver with interactive transactions (pg, PGlite, Neon Pool — not neon-http).
 */
export async function appendAudit(db: EnigmaDb, entry: AuditEntry): Promise<AuditRow> {
  if (!entry.actor || !entry.action || !entry.entity) {
    throw new TypeError('audit entry needs actor, action and entity');
  }
  const at = entry.at ?? new Date();
  if (Number.isNaN(at.getTime())) throw new TypeError('audit entry has an invalid date');
  // Round-trip through JSON now, so what we hash is exactly what jsonb will give back (undefined dropped).
  const data: unknown = JSON.parse(JSON.stringify(entry.data ?? {}));
  return db.transaction(async (tx) => {
    const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
    if (!head) throw new Error('audit_head row is missing: run the migrations');
    const base = {
      seq: head.seq + 1,
      at,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entityId: entry.entityId ?? null,
      data,
      prevHash: head.hash,
    };
    const row: AuditRow = { ...base, hash: await auditHash(base) };
    await tx.insert(auditLog).values(row);
    await tx.update(auditHead).set({ seq: row.seq, hash: row.hash }).where(eq(auditHead.id, 1));
    return row;
  });
}

/** Outcome of `verifyAuditLog`: all good, or the first row found deleted, edited or inserted. */
export type AuditVerification =
  | { ok: true; rows: number }
  | { ok: false; firstBadSeq: number; problem: 'edited' | 'deleted' | 'inserted'; rows: number };

/**
 * Walk the whole chain in seq order and name the first problem:
 * - a gap in seq (or a head pointing past the last row) → `deleted`, naming the missing seq;
 * - a row whose stored hash does not match its content → `edited`;
 * - a row whose own hash is valid but whose prev_hash does not match its predecessor (or which lies past the
 *   head) → `inserted` (forged or reordered).
 * A row edited and then re-hashed by the attacker shows up as `inserted` at the next row, because only the
 * link to the following row betrays it.
 */
export async function verifyAuditLog(
  db: EnigmaDb,
  opts: { pageSize?: number } = {},
): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let rows = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expectedSeq - 1))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    for (const row of page) {
      if (row.seq !== expectedSeq) return { ok: false, firstBadSeq: expectedSeq, problem: 'deleted', rows };
      if ((await auditHash(row)) !== row.hash)
        return { ok: false, firstBadSeq: row.seq, problem: 'edited', rows };
      if (row.prevHash !== prevHash) return { ok: false, firstBadSeq: row.seq, problem: 'inserted', rows };
      prevHash = row.hash;
      expectedSeq++;
      rows++;
    }
    if (page.length < pageSize) break;
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const lastSeq = expectedSeq - 1;
  if (!head) return { ok: false, firstBadSeq: expectedSeq, problem: 'deleted', rows };
  if (head.seq > lastSeq) return { ok: false, firstBadSeq: lastSeq + 1, problem: 'deleted', rows };
  if (head.seq < lastSeq) return { ok: false, firstBadSeq: head.seq + 1, problem: 'inserted', rows };
  if (head.hash !== prevHash) return { ok: false, firstBadSeq: lastSeq, problem: 'inserted', rows };
  return { ok: true, rows };
}
