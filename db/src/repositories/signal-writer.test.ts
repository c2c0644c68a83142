import { type DbHandle, migrate, openDatabase } from '@enigma/db/client';
import { rowsOf } from '@enigma/db/db-type';
import { signals } from '@enigma/db/schema/index';
import { acceptedSignalRow } from '@enigma/db/testing/accepted-signal';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchingSignalWriter } from './signal-writer.ts';

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DbHandle;

beforeAll(async () => {
  tdb = await createTestDatabase();
  handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
});
afterAll(async () => {
  await handle.close();
  await tdb.drop();
});

const row = acceptedSignalRow;

async function stored(ids: string[]) {
  return handle.db.select().from(signals).where(inArray(signals.id, ids));
}

describe('BatchingSignalWriter', () => {
  it('writes rows arriving together with one statement and gives each waiter its own row', async () => {
    const writer = new BatchingSignalWriter(handle.db, { maxInFlight: 1 });
    const rows = Array.from({ length: 20 }, () => row());
    const outcomes = await Promise.all(rows.map((r) => writer.insertAccepted(r)));
    expect(outcomes).toEqual(rows.map((r) => ({ id: r.id, inserted: true })));
    expect(writer.statements).toBe(1);
    const found = await stored(rows.map((r) => r.id));
    expect(found.map((f) => f.idempotencyKey).sort()).toEqual(rows.map((r) => r.idempotencyKey).sort());
    expect(found.find((f) => f.id === rows[3]!.id)?.payload).toEqual(rows[3]!.payload);
  });

  it('resolves a duplicate key within one batch to the earlier row, and a repeat of a stored key to the stored row', async () => {
    const writer = new BatchingSignalWriter(handle.db, { maxInFlight: 1 });
    const first = row();
    const [original] = await Promise.all([writer.insertAccepted(first)]);
    expect(original).toEqual({ id: first.id, inserted: true });

    const a = row();
    const b = row({ idempotencyKey: a.idempotencyKey });
    const repeat = row({ idempotencyKey: first.idempotencyKey });
    const other = row();
    const before = writer.statements;
    const outcomes = await Promise.all([a, b, repeat, other].map((r) => writer.insertAccepted(r)));
    expect(writer.statements).toBe(before + 1);
    expect(outcomes).toEqual([
      { id: a.id, inserted: true },
      { id: a.id, inserted: false },
      { id: first.id, inserted: false },
      { id: other.id, inserted: true },
    ]);
    expect(await stored([b.id, repeat.id])).toEqual([]);
    const holders = await handle.db
      .select({ id: signals.id })
      .from(signals)
      .where(eq(signals.idempotencyKey, a.idempotencyKey));
    expect(holders).toEqual([{ id: a.id }]);
  });

  it('queues rows while the statements in flight are busy and writes them in arrival order', async () => {
    const writer = new BatchingSignalWriter(handle.db, { maxInFlight: 1, maxRows: 7 });
    const rows = Array.from({ length: 30 }, () => row());
    const outcomes = await Promise.all(rows.map((r) => writer.insertAccepted(r)));
    expect(outcomes.every((o, i) => o.id === rows[i]!.id && o.inserted)).toBe(true);
    // 30 rows, at most 7 a statement.
    expect(writer.statements).toBe(5);
    const found = await handle.db
      .select({ id: signals.id })
      .from(signals)
      .where(
        inArray(
          signals.id,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(signals.receivedAt);
    expect(found.map((f) => f.id)).toEqual(rows.map((r) => r.id));
  });

  it('fails only the row the database refuses when the rest of its batch is good', async () => {
    const writer = new BatchingSignalWriter(handle.db, { maxInFlight: 1 });
    const good = [row(), row()];
    // PostgreSQL's jsonb cannot hold U+0000: the multi-row statement fails, the retry isolates the row.
    const bad = row({ payload: { comment: 'nul \u0000 inside' } });
    const settled = await Promise.allSettled([good[0]!, bad, good[1]!].map((r) => writer.insertAccepted(r)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // the failed three-row statement, then each row alone
    expect(writer.statements).toBe(4);
    expect((await stored(good.map((g) => g.id))).length).toBe(2);
    expect(await stored([bad.id])).toEqual([]);
  });

  it('rejects every waiter of a batch when the database is unreachable', async () => {
    const tdb2 = await createTestDatabase();
    const h2 = await openDatabase({ url: tdb2.url });
    await migrate(h2);
    await h2.close();
    await tdb2.drop();
    const writer = new BatchingSignalWriter(h2.db, { maxInFlight: 1 });
    const settled = await Promise.allSettled([row(), row(), row()].map((r) => writer.insertAccepted(r)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('answers only after the row is committed: another connection sees it when the promise resolves', async () => {
    const writer = new BatchingSignalWriter(handle.db, { maxInFlight: 2 });
    // A pool of its own: it sees only what another session has committed.
    const observer = await openDatabase({ url: tdb.url });
    try {
      const rows = Array.from({ length: 40 }, () => row());
      const seen = await Promise.all(
        rows.map(async (r) => {
          await writer.insertAccepted(r);
          return rowsOf(await observer.db.execute(sql`select 1 from signals where id = ${r.id}`)).length;
        }),
      );
      expect(seen).toEqual(rows.map(() => 1));
    } finally {
      await observer.close();
    }
  });
});
