import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db-type.ts';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { insertIndicatorSnapshot } from './notices.ts';

// An indicator delivery is stored once, the database deciding by the row's unique delivery id: a copy
// arriving while the first is stored, after its entry was published and forgotten, or days later,
// stores nothing and is told which row holds it.
describe.each(['neon-http', 'pg', 'pglite'] as const)('insertIndicatorSnapshot (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  const store = (deliveryId: string, rsi = 55.5) =>
    insertIndicatorSnapshot(
      h.db,
      { symbol: 'XBTUSDTM', timeframe: '15', at: new Date(), values: { rsi } },
      {
        id: deliveryId,
        stream: 'indicators:raw',
        payload: { snapshotId: 1, symbol: 'XBTUSDTM', values: { rsi } },
      },
    );
  const rowsOfDelivery = async (id: string) =>
    rowsOf<{ id: number | string }>(
      await h.db.execute(sql`select id from indicator_snapshots where delivery_id = ${id}::uuid`),
    ).map((r) => Number(r.id));
  const entryOf = async (id: string) =>
    rowsOf<{ payload: unknown }>(
      await h.db.execute(sql`select payload from outbox where id = ${id}::uuid`),
    )[0];

  it('stores the row and its entry, the entry naming the row', async () => {
    const d = crypto.randomUUID();
    const stored = await store(d);
    if ('duplicate' in stored) throw new Error('not stored');
    expect(await rowsOfDelivery(d)).toEqual([stored.snapshotId]);
    expect(stored.payload['snapshotId']).toBe(stored.snapshotId);
    const entry = await entryOf(d);
    const payload = typeof entry?.payload === 'string' ? JSON.parse(entry.payload) : entry?.payload;
    expect(payload).toMatchObject({ snapshotId: stored.snapshotId });
  });

  it('stores a repeat nothing, also once the first entry is published and forgotten, and names the row', async () => {
    const d = crypto.randomUUID();
    const first = await store(d);
    if ('duplicate' in first) throw new Error('not stored');
    expect(await store(d, 60)).toEqual({ duplicate: first.snapshotId });
    await h.db.execute(sql`delete from outbox where id = ${d}::uuid`);
    expect(await store(d, 61)).toEqual({ duplicate: first.snapshotId });
    expect(await rowsOfDelivery(d)).toEqual([first.snapshotId]);
    expect(await entryOf(d)).toBeUndefined();
  });

  it('stores one row of concurrent copies', async () => {
    const d = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 6 }, () => store(d)));
    const stored = answers.filter((a) => !('duplicate' in a));
    expect(stored).toHaveLength(1);
    expect(await rowsOfDelivery(d)).toHaveLength(1);
  });
});
