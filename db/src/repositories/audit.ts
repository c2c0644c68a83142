import { canonicalJson } from '@enigma/core/canonical-json';
import { asc, desc, eq, gt, lt } from 'drizzle-orm';
import { fromBase64, sha256Hex, toHex, utf8 } from '../crypto/encoding.ts';
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

/** The link the chain starts from (the head row's initial value, seeded by migration 0002). */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** WebCrypto key type without depending on the DOM or Node global type declarations. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * The secret the chain is keyed with (HMAC-SHA256). It must be held outside the database (the master
 * key's environment or file), so someone who can write to the database cannot recompute the chain.
 */
export interface AuditKey {
  readonly hmac: CryptoKey;
}

/** An audit key from raw secret bytes (at least 32). */
export async function importAuditKey(secret: Uint8Array<ArrayBuffer>): Promise<AuditKey> {
  if (secret.length < 32) throw new RangeError(`audit key must be at least 32 bytes, got ${secret.length}`);
  const hmac = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return { hmac };
}

/**
 * The audit key derived from the master key (base64, 32 bytes; `ENIGMA_MASTER_KEY` or
 * `.data/master.key`) with HKDF-SHA256, so the deployment holds one secret and the envelope key and
 * the audit key are still independent. Rotating the master key therefore starts a new audit key: keep
 * the old master key to verify the rows written before (see docs/security.md).
 *
 * @example const key = await auditKeyFromMasterKey(env.ENIGMA_MASTER_KEY);
 */
export async function auditKeyFromMasterKey(base64: string): Promise<AuditKey> {
  const raw = fromBase64(base64.trim());
  if (raw.length !== 32) throw new RangeError(`master key must be 32 bytes, got ${raw.length}`);
  const ikm = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8('enigma-audit-mac-v2') },
    ikm,
    256,
  );
  return importAuditKey(new Uint8Array(bits));
}

/** JSON with object keys sorted at every level, so jsonb's key reordering does not change the hash (now in core, where intake compares values with it too). */
export { canonicalJson };

function rowContent(version: string, row: Omit<AuditRow, 'hash'>): string {
  return JSON.stringify([
    version,
    String(row.seq),
    row.at.toISOString(),
    row.actor,
    row.action,
    row.entity,
    row.entityId ?? null,
    canonicalJson(row.data),
    row.prevHash,
  ]);
}

/**
 * HMAC-SHA256 (hex) under the audit key over the canonical serialisation of a row's content and its
 * predecessor's MAC: what `appendAudit` stores in `hash`.
 */
export async function auditMac(key: AuditKey, row: Omit<AuditRow, 'hash'>): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', key.hmac, utf8(rowContent('enigma-audit-v2', row)));
  return toHex(new Uint8Array(mac));
}

/**
 * The unkeyed SHA-256 link of the first version of the chain. Only read, to verify rows written
 * before the chain was keyed (a leading run of them, reported as `legacyRows`); anyone can recompute
 * it, which is why it was replaced.
 */
export function legacyAuditHash(row: Omit<AuditRow, 'hash'>): Promise<string> {
  return sha256Hex(rowContent('enigma-audit-v1', row));
}

/**
 * Append one entry to the MAC chain. Writers are serialised by locking the chain head row
 * (`SELECT … FOR UPDATE` in a transaction), so concurrent appends get consecutive seqs and a correct
 * prev_hash. Pass the transaction that makes the change the entry records, so the change and its
 * audit row commit or roll back together (inside it, this runs as a savepoint). Must run on a driver
 * with interactive transactions (pg, PGlite, Neon Pool — not neon-http).
 *
 * @example await db.transaction(async (tx) => { await change(tx); await appendAudit(tx, key, entry); });
 */
export async function appendAudit(db: EnigmaDb, key: AuditKey, entry: AuditEntry): Promise<AuditRow> {
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
    const row: AuditRow = { ...base, hash: await auditMac(key, base) };
    await tx.insert(auditLog).values(row);
    await tx.update(auditHead).set({ seq: row.seq, hash: row.hash }).where(eq(auditHead.id, 1));
    return row;
  });
}

/**
 * Outcome of `verifyAuditLog`: all good, or the first row found deleted, edited or inserted.
 * `legacyRows` counts the leading rows written before the chain was keyed (checked with the unkeyed
 * hash; they prove less: see `legacyAuditHash`).
 */
export type AuditVerification =
  | { ok: true; rows: number; legacyRows: number; anchoredSeq?: number }
  | {
      ok: false;
      firstBadSeq: number;
      problem: 'edited' | 'deleted' | 'inserted';
      rows: number;
      legacyRows: number;
      anchoredSeq?: number;
    };

/** The chain head as it was seen committed: its seq and MAC. */
export interface AuditAnchorValue {
  seq: number;
  hash: string;
}

/**
 * A copy of the chain head kept OUTSIDE the database (Redis/KV on the edge, a file under the data dir
 * on Node). A database writer who deletes the newest rows and rewinds `audit_head` leaves a valid,
 * shorter chain; only a head kept elsewhere shows it. `raise` never lowers the stored anchor.
 */
export interface AuditAnchor {
  read(): Promise<AuditAnchorValue | null>;
  /** Store `value` unless the stored anchor is already at or past its seq. */
  raise(value: AuditAnchorValue): Promise<void>;
}

/** Parse a stored anchor (`{"seq":n,"hash":"<64 hex>"}`); anything else is null. */
export function parseAuditAnchor(text: string | null | undefined): AuditAnchorValue | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq > 0) {
      if (typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash)) return { seq: v.seq, hash: v.hash };
    }
  } catch {}
  return null;
}

/**
 * Copy the committed chain head into `anchor`. Call it after the transaction that appended has
 * committed: a head read inside it could still roll back, and would then look like a deleted tail.
 * Appends that commit between two calls are anchored by the next call; the rows newer than the
 * anchor are what a database writer could still delete unseen.
 *
 * @example await db.transaction(async (tx) => { …; await appendAudit(tx, key, entry); }); await anchorAuditHead(db, anchor);
 */
export async function anchorAuditHead(db: EnigmaDb, anchor: AuditAnchor): Promise<AuditAnchorValue | null> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head || head.seq === 0) return null;
  const value = { seq: head.seq, hash: head.hash };
  await anchor.raise(value);
  return value;
}

/**
 * Walk the whole chain in seq order and name the first problem:
 * - a gap in seq (or a head pointing past the last row) → `deleted`, naming the missing seq;
 * - a row whose stored MAC does not match its content under the key → `edited` (without the key, an
 *   attacker cannot make a MAC that matches, so an edit re-"hashed" by a database writer shows here);
 * - a row whose own MAC is valid but whose prev_hash does not match its predecessor (or which lies
 *   past the head) → `inserted` (a valid row replayed or reordered).
 * Rows with the unkeyed v1 hash are accepted only before the first keyed row. With `anchor` (the
 * head kept outside the database, see `AuditAnchor`), a chain that ends before it → `deleted` (the
 * tail was cut and `audit_head` rewound), and a different row at its seq → `inserted`.
 *
 * @example const v = await verifyAuditLog(db, await auditKeyFromMasterKey(env.ENIGMA_MASTER_KEY));
 */
export async function verifyAuditLog(
  db: EnigmaDb,
  key: AuditKey,
  opts: { pageSize?: number; anchor?: AuditAnchorValue | null } = {},
): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  const anchor = opts.anchor ?? null;
  const anchored = anchor ? { anchoredSeq: anchor.seq } : {};
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let rows = 0;
  let legacyRows = 0;
  let keyed = false;
  let hashAtAnchor: string | undefined;
  const bad = (firstBadSeq: number, problem: 'edited' | 'deleted' | 'inserted') =>
    ({ ok: false, firstBadSeq, problem, rows, legacyRows, ...anchored }) as const;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expectedSeq - 1))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    for (const row of page) {
      if (row.seq !== expectedSeq) return bad(expectedSeq, 'deleted');
      if ((await auditMac(key, row)) === row.hash) keyed = true;
      else if (!keyed && (await legacyAuditHash(row)) === row.hash) legacyRows++;
      else return bad(row.seq, 'edited');
      if (row.prevHash !== prevHash) return bad(row.seq, 'inserted');
      if (row.seq === anchor?.seq) hashAtAnchor = row.hash;
      prevHash = row.hash;
      expectedSeq++;
      rows++;
    }
    if (page.length < pageSize) break;
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const lastSeq = expectedSeq - 1;
  if (!head) return bad(expectedSeq, 'deleted');
  if (head.seq > lastSeq) return bad(lastSeq + 1, 'deleted');
  if (head.seq < lastSeq) return bad(head.seq + 1, 'inserted');
  if (head.hash !== prevHash) return bad(lastSeq, 'inserted');
  if (anchor) {
    // The head kept outside the database: the tail up to it was deleted (and audit_head rewound), or
    // the row at its seq is not the one that was anchored (the chain was cut and written again).
    if (anchor.seq > lastSeq) return bad(lastSeq + 1, 'deleted');
    if (hashAtAnchor !== anchor.hash) return bad(anchor.seq, 'inserted');
  }
  return { ok: true, rows, legacyRows, ...anchored };
}

/** The newest audit rows first, `limit` of them, older than `beforeSeq` when given (the next page). */
export async function listAuditEntries(
  db: EnigmaDb,
  opts: { limit: number; beforeSeq?: number },
): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(opts.beforeSeq === undefined ? undefined : lt(auditLog.seq, opts.beforeSeq))
    .orderBy(desc(auditLog.seq))
    .limit(opts.limit);
}
