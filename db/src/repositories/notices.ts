import { and, desc, inArray, isNull, sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';
import { alertNotices } from '../schema/index.ts';
import { OUTBOX_LEASE_SECONDS } from './outbox.ts';

/**
 * The rows behind the two webhook routes that are never traded, each written with its outbox entry in
 * one statement (see `outbox.ts`), like accepted signals.
 */

/**
 * Store an indicator snapshot posted by a sender and its `indicators:raw` entry (the entry's
 * `snapshotId` is filled in from the new row), once per entry id: the id comes from the delivery's
 * idempotency key, and the entry is inserted first, `ON CONFLICT (id) DO NOTHING`, the row only with
 * it. Null when an entry with that id is held (the delivery is being or was just stored; the snapshot
 * row itself has no column for the key, and the entry is forgotten once published). Returns the
 * snapshot id and the entry's payload.
 */
export async function insertIndicatorSnapshot(
  db: EnigmaDb,
  row: { symbol: string; timeframe: string; at: Date; values: Record<string, number> },
  entry: { id: string; stream: string; payload: Record<string, unknown> },
): Promise<{ snapshotId: number; payload: Record<string, unknown> } | null> {
  const [r] = rowsOf<{ id: number | string; payload: unknown }>(
    await db.execute(sql`with n as (select nextval(pg_get_serial_sequence('indicator_snapshots', 'id')) as id),
      o as (insert into outbox (id, stream, payload, lease_until)
        select ${entry.id}::uuid, ${entry.stream},
          jsonb_set(${JSON.stringify(entry.payload)}::jsonb, '{snapshotId}', to_jsonb(n.id)),
          now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS})
        from n
        on conflict (id) do nothing
        returning payload),
      s as (insert into indicator_snapshots (id, symbol, timeframe, at, values)
        select (o.payload->>'snapshotId')::bigint, ${row.symbol}, ${row.timeframe},
          ${row.at.toISOString()}::timestamptz, ${JSON.stringify(row.values)}::jsonb
        from o
        returning id)
      select s.id, o.payload from s, o`),
  );
  if (!r) return null;
  const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<
    string,
    unknown
  >;
  return { snapshotId: Number(r.id), payload };
}

/**
 * Take back a snapshot this caller stored moments ago, with its entry, on learning another copy of the
 * same delivery was stored first. One statement, and only while the entry is still the caller's: never
 * claimed (`attempts = 0`; the relay or a resend takes an entry only by claiming it, and appends it only
 * after). An entry already taken over or gone means the snapshot is on (or about to reach) the stream:
 * it stays, a double, rather than a published entry whose row is gone. True when it was taken back.
 */
export async function withdrawIndicatorSnapshot(
  db: EnigmaDb,
  stored: { snapshotId: number; entryId: string },
): Promise<boolean> {
  const rows = rowsOf<{ id: number | string }>(
    await db.execute(sql`with o as (delete from outbox
        where id = ${stored.entryId}::uuid and payload->>'snapshotId' = ${String(stored.snapshotId)}
          and attempts = 0
        returning id)
      delete from indicator_snapshots where id = ${stored.snapshotId} and exists (select 1 from o)
      returning id`),
  );
  return rows.length > 0;
}

/**
 * Store a notice posted to `/webhooks/alerts` and its `events:alerts` entry (same id), once per id: the
 * id comes from the delivery's idempotency key, so a repeat (or a resend after the first writer died)
 * stores nothing. True when this call stored it.
 */
export async function insertAlertNotice(
  db: EnigmaDb,
  row: {
    id: string;
    sourceId: string | null;
    source: string;
    kind: string;
    symbol: string | null;
    message: string;
    severity: string;
    payload: Record<string, unknown>;
    receivedAt: Date;
  },
  entry: { stream: string; payload: Record<string, unknown> },
): Promise<boolean> {
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`with a as (
      insert into alert_notices (id, source_id, source, kind, symbol, message, severity, payload, received_at)
      values (${row.id}::uuid, ${row.sourceId}::uuid, ${row.source}, ${row.kind}, ${row.symbol}, ${row.message},
        ${row.severity}, ${JSON.stringify(row.payload)}::jsonb, ${row.receivedAt.toISOString()}::timestamptz)
      on conflict (id) do nothing
      returning id),
    o as (insert into outbox (id, stream, payload, lease_until)
      select a.id, ${entry.stream}, ${JSON.stringify(entry.payload)}::jsonb,
        now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS}) from a)
    select id from a`),
  );
  return rows.length > 0;
}

/** Notices not read yet (the dashboard's badge). */
export async function countUnreadAlertNotices(db: EnigmaDb): Promise<number> {
  const [r] = rowsOf<{ n: number | string }>(
    await db.execute(sql`select count(*)::int as n from alert_notices where read_at is null`),
  );
  return Number(r?.n ?? 0);
}

/** A stored notice as the dashboard's alert list shows it. */
export type AlertNoticeRow = Omit<typeof alertNotices.$inferSelect, 'payload' | 'sourceId'>;

/** The newest notices first (only the unread ones when asked). */
export async function listAlertNotices(
  db: EnigmaDb,
  opts: { unreadOnly?: boolean; limit: number },
): Promise<AlertNoticeRow[]> {
  return db
    .select({
      id: alertNotices.id,
      source: alertNotices.source,
      kind: alertNotices.kind,
      symbol: alertNotices.symbol,
      message: alertNotices.message,
      severity: alertNotices.severity,
      receivedAt: alertNotices.receivedAt,
      readAt: alertNotices.readAt,
    })
    .from(alertNotices)
    .where(opts.unreadOnly ? isNull(alertNotices.readAt) : undefined)
    .orderBy(desc(alertNotices.receivedAt), desc(alertNotices.id))
    .limit(opts.limit);
}

/**
 * Mark notices read: the given ids, or every unread one. Already-read notices keep their first
 * `read_at`. Returns the ids that changed.
 */
export async function markAlertNoticesRead(
  db: EnigmaDb,
  which: { ids: readonly string[] } | { all: true },
  now: Date,
): Promise<string[]> {
  const rows = await db
    .update(alertNotices)
    .set({ readAt: now })
    .where(
      'all' in which
        ? isNull(alertNotices.readAt)
        : and(isNull(alertNotices.readAt), inArray(alertNotices.id, [...which.ids])),
    )
    .returning({ id: alertNotices.id });
  return rows.map((r) => r.id);
}
