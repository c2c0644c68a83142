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
 * `snapshotId` is filled in from the new row) in one statement, once per delivery: the row's unique
 * `delivery_id` is the delivery's (its idempotency key's digest as a UUID, also the entry's id), so
 * however many copies arrive, concurrently or days apart, one row is stored. Returns the new snapshot's
 * id and the entry's payload, or `{ duplicate }` naming the row an earlier copy stored.
 */
export async function insertIndicatorSnapshot(
  db: EnigmaDb,
  row: { symbol: string; timeframe: string; at: Date; values: Record<string, number> },
  entry: { id: string; stream: string; payload: Record<string, unknown> },
): Promise<{ snapshotId: number; payload: Record<string, unknown> } | { duplicate: number }> {
  const [r] = rowsOf<{ id: number | string; payload: unknown }>(
    await db.execute(sql`with s as (insert into indicator_snapshots (delivery_id, symbol, timeframe, at, values)
        values (${entry.id}::uuid, ${row.symbol}, ${row.timeframe}, ${row.at.toISOString()}::timestamptz,
          ${JSON.stringify(row.values)}::jsonb)
        on conflict (delivery_id) do nothing
        returning id),
      o as (insert into outbox (id, stream, payload, lease_until)
        select ${entry.id}::uuid, ${entry.stream},
          jsonb_set(${JSON.stringify(entry.payload)}::jsonb, '{snapshotId}', to_jsonb(s.id)),
          now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS})
        from s
        on conflict (id) do update set stream = excluded.stream, payload = excluded.payload,
          lease_until = excluded.lease_until, attempts = 0, last_error = null
        returning payload)
      select s.id, o.payload from s, o`),
  );
  if (!r) {
    // a copy stored it first (when it was still being stored, the insert above waited for its commit):
    // a new statement sees that row, which the one above, begun before it was committed, does not
    const [d] = rowsOf<{ id: number | string }>(
      await db.execute(sql`select id from indicator_snapshots where delivery_id = ${entry.id}::uuid`),
    );
    if (!d) throw new Error('indicator snapshot neither stored nor found');
    return { duplicate: Number(d.id) };
  }
  const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<
    string,
    unknown
  >;
  return { snapshotId: Number(r.id), payload };
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
