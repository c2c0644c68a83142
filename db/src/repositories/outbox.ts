import { sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';

/** A stream entry waiting in the outbox (see `schema/outbox.ts`). */
export interface OutboxEntry {
  id: string;
  stream: string;
  payload: Record<string, unknown>;
}

/** How long whoever wrote or claimed an entry has to append it before the relay may take it over. */
export const OUTBOX_LEASE_SECONDS = 30;

/** An entry to write beside its row, in the same statement (see `insertAcceptedSignals`). */
export interface NewOutboxEntry {
  stream: string;
  payload: Record<string, unknown>;
}

function entriesOf(rows: { id: string; stream: string; payload: unknown }[]): OutboxEntry[] {
  return rows.map((r) => ({
    id: r.id,
    stream: r.stream,
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
  }));
}

/**
 * Take over one entry whose lease has run out (its writer failed to append it or died), holding it
 * for `leaseSeconds`. Null when the entry is gone (published) or someone else holds it. Used when a
 * sender resends an alert whose first copy never reached the stream.
 */
export async function claimOutboxEntry(
  db: EnigmaDb,
  id: string,
  leaseSeconds = OUTBOX_LEASE_SECONDS,
): Promise<OutboxEntry | null> {
  const rows = rowsOf<{ id: string; stream: string; payload: unknown }>(
    await db.execute(sql`update outbox
      set lease_until = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1
      where id = ${id}::uuid and lease_until <= now()
      returning id, stream, payload`),
  );
  return entriesOf(rows)[0] ?? null;
}

/**
 * Claim up to `limit` entries whose lease has run out, oldest first (`FOR UPDATE SKIP LOCKED`, so
 * several relays never take the same entry), holding each for `leaseSeconds`.
 */
export async function claimDueOutboxEntries(
  db: EnigmaDb,
  limit = 100,
  leaseSeconds = OUTBOX_LEASE_SECONDS,
): Promise<OutboxEntry[]> {
  const rows = rowsOf<{ id: string; stream: string; payload: unknown; created_at: unknown }>(
    await db.execute(sql`update outbox o
      set lease_until = now() + make_interval(secs => ${leaseSeconds}), attempts = o.attempts + 1
      from (select id from outbox where lease_until <= now() order by created_at, id
            limit ${limit} for update skip locked) due
      where o.id = due.id
      returning o.id, o.stream, o.payload, o.created_at`),
  );
  rows.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  return entriesOf(rows);
}

/**
 * The entries are on their streams: forget them. The ids go as one array parameter (a PostgreSQL array
 * literal), so the statement is the same text for any number of them and costs no SQL building per id
 * (a parameter per id cost the worker ~0.2 ms of CPU per alert in drizzle's builder).
 */
export async function deleteOutboxEntries(db: EnigmaDb, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const list = `{${ids.map((id) => `"${id.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
  await db.execute(sql`delete from outbox where id = any(${list}::uuid[])`);
}

/** The append failed: give the entry up at once (a resend or the relay may take it), noting why. */
export async function releaseOutboxEntry(db: EnigmaDb, id: string, error: string): Promise<void> {
  await db.execute(
    sql`update outbox set lease_until = now(), last_error = ${error.slice(0, 500)} where id = ${id}::uuid`,
  );
}

/** Entries still waiting (tests, metrics). */
export async function countOutboxEntries(db: EnigmaDb): Promise<number> {
  const [r] = rowsOf<{ n: number | string }>(await db.execute(sql`select count(*)::int as n from outbox`));
  return Number(r?.n ?? 0);
}

/**
 * Hold `entry` in the outbox, leased for `OUTBOX_LEASE_SECONDS` to its writer (who appends it to its
 * stream right after its transaction commits; if that fails, the relay takes it over when the lease
 * runs out). Call it inside the transaction that stores the entry's row.
 */
export async function holdOutboxEntry(db: EnigmaDb, entry: OutboxEntry): Promise<void> {
  await db.execute(sql`insert into outbox (id, stream, payload, lease_until)
    values (${entry.id}::uuid, ${entry.stream}, ${JSON.stringify(entry.payload)}::jsonb,
      now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS}))`);
}
