import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db-type.ts';
import { indicatorSnapshots } from '../schema/index.ts';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { insertIndicatorSnapshot, withdrawIndicatorSnapshot } from './notices.ts';
import { claimDueOutboxEntries } from './outbox.ts';

// A copy of an indicator delivery that learns, after storing, that another copy was stored first takes
// its own snapshot back — but only while its entry is still its own, never published.
describe.each(['neon-http', 'pg', 'pglite'] as const)('withdrawIndicatorSnapshot (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  async function store() {
    const entryId = crypto.randomUUID();
    const stored = await insertIndicatorSnapshot(
      h.db,
      { symbol: 'XBTUSDTM', timeframe: '15', at: new Date(), values: { rsi: 55.5 } },
      {
        id: entryId,
        stream: 'indicators:raw',
        payload: { snapshotId: 1, symbol: 'XBTUSDTM', values: { rsi: 55.5 } },
      },
    );
    if (!stored) throw new Error('not stored');
    return { snapshotId: stored.snapshotId, entryId };
  }
  async function snapshotExists(id: number) {
    return (await h.db.select().from(indicatorSnapshots).where(eq(indicatorSnapshots.id, id))).length === 1;
  }
  async function entryOf(id: string) {
    const [r] = rowsOf<{ attempts: number }>(
      await h.db.execute(sql`select attempts from outbox where id = ${id}::uuid`),
    );
    return r;
  }

  it('takes back a snapshot and its entry while the entry is still held by its writer', async () => {
    const s = await store();
    await withdrawIndicatorSnapshot(h.db, s);
    expect(await snapshotExists(s.snapshotId)).toBe(false);
    expect(await entryOf(s.entryId)).toBeUndefined();
  });

  it('leaves a snapshot whose entry the relay has taken (it is being or was published)', async () => {
    const s = await store();
    // the writer stalled past its lease (30 s); the relay takes the entry over and appends it
    await h.db.execute(
      sql`update outbox set lease_until = now() - interval '1 second' where id = ${s.entryId}::uuid`,
    );
    const claimed = await claimDueOutboxEntries(h.db);
    expect(claimed.map((e) => e.id)).toContain(s.entryId);
    // the writer wakes, finds the other copy's marker, and withdraws: the entry on the stream names
    // this snapshot, so the row stays (a double, never a published entry whose row is gone), and the
    // relay's entry stays for the relay to forget
    await withdrawIndicatorSnapshot(h.db, s);
    expect(await snapshotExists(s.snapshotId)).toBe(true);
    expect(await entryOf(s.entryId)).toEqual({ attempts: 1 });
  });

  it('leaves a snapshot whose entry was already published and forgotten', async () => {
    const s = await store();
    await h.db.execute(sql`delete from outbox where id = ${s.entryId}::uuid`);
    await withdrawIndicatorSnapshot(h.db, s);
    expect(await snapshotExists(s.snapshotId)).toBe(true);
  });
});
