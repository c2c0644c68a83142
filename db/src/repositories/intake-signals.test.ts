import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db-type.ts';
import { outbox, signals } from '../schema/index.ts';
import { acceptedSignalRow } from '../testing/accepted-signal.ts';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { type AcceptedSignalRow, insertAcceptedSignal, insertOneAcceptedSignal } from './intake-signals.ts';
import { deleteOutboxEntries, OUTBOX_LEASE_SECONDS } from './outbox.ts';

/** A full row: every field intake fills, the outbox entry with it. */
function row(extra: Partial<AcceptedSignalRow> = {}): AcceptedSignalRow {
  const base = acceptedSignalRow();
  return {
    ...base,
    reason: null,
    rawSymbol: 'BTCUSDT.P',
    interval: '15',
    alertTime: new Date(base.receivedAt.getTime() - 1_000),
    clientIp: '52.89.214.238',
    payload: { ...(base.payload as Record<string, unknown>), nested: { é: '✓' } },
    contracts: '3',
    metadata: { route: 'tradingview', traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    outbox: { stream: 'signals:incoming', payload: { signalId: 'x', price: '64150.5' } },
    ...extra,
  };
}

/** The stored row without its id and key (they differ between the two writes compared). */
async function storedOf(h: TestHandle, id: string) {
  const [r] = await h.db.select().from(signals).where(eq(signals.id, id));
  const {
    id: _id,
    idempotencyKey: _key,
    createdAt: _c,
    updatedAt: _u,
    ...rest
  } = r as typeof r & {
    createdAt?: unknown;
    updatedAt?: unknown;
  };
  return rest;
}

// `neon-http` takes the constant statement (the worker's path); the others the general builder.
describe.each(['neon-http', 'pg', 'pglite'] as const)('insertOneAcceptedSignal (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('stores the same row and outbox entry as the general insert', async () => {
    const a = row();
    const b = { ...row(), payload: a.payload, alertTime: a.alertTime, receivedAt: a.receivedAt };
    expect(await insertOneAcceptedSignal(h.db, a)).toEqual({ id: a.id, inserted: true });
    expect(await insertAcceptedSignal(h.db, b)).toEqual({ id: b.id, inserted: true });
    expect(await storedOf(h, a.id)).toEqual(await storedOf(h, b.id));
    const [stored] = await h.db.select().from(signals).where(eq(signals.id, a.id));
    expect(stored).toMatchObject({
      idempotencyKey: a.idempotencyKey,
      price: '64150.5',
      contracts: '3',
      payload: a.payload,
      metadata: a.metadata,
      alertTime: a.alertTime,
    });
    const [entry] = await h.db.select().from(outbox).where(eq(outbox.id, a.id));
    expect(entry).toMatchObject({ stream: 'signals:incoming', payload: a.outbox!.payload });
    const [lease] = rowsOf<{ secs: number }>(
      await h.db.execute(
        sql`select extract(epoch from lease_until - now())::float8 as secs from outbox where id = ${a.id}`,
      ),
    );
    expect(Number(lease!.secs)).toBeGreaterThan(OUTBOX_LEASE_SECONDS - 5);
    expect(Number(lease!.secs)).toBeLessThanOrEqual(OUTBOX_LEASE_SECONDS);
  });

  it('names the row holding a repeated key, and writes neither row nor entry', async () => {
    const first = row();
    await insertOneAcceptedSignal(h.db, first);
    const again = row({ idempotencyKey: first.idempotencyKey, price: '1' });
    expect(await insertOneAcceptedSignal(h.db, again)).toEqual({ id: first.id, inserted: false });
    expect(await h.db.select().from(signals).where(eq(signals.id, again.id))).toEqual([]);
    expect(await h.db.select().from(outbox).where(eq(outbox.id, again.id))).toEqual([]);
  });

  it('makes exactly one row from concurrent deliveries of one key', async () => {
    const key = `race-${crypto.randomUUID()}`;
    const rows = Array.from({ length: 20 }, () => row({ idempotencyKey: key }));
    const outcomes = await Promise.all(rows.map((r) => insertOneAcceptedSignal(h.db, r)));
    expect(outcomes.filter((o) => o.inserted)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.id)).size).toBe(1);
    const held = await h.db.select().from(signals).where(eq(signals.idempotencyKey, key));
    expect(held.map((s) => s.id)).toEqual([outcomes[0]!.id]);
  });

  it('writes no outbox entry for a row without one, and keeps nulls null', async () => {
    const bare = row({
      outbox: undefined,
      alertTime: null,
      price: null,
      interval: null,
      metadata: undefined,
    });
    expect(await insertOneAcceptedSignal(h.db, bare)).toEqual({ id: bare.id, inserted: true });
    expect(await h.db.select().from(outbox).where(eq(outbox.id, bare.id))).toEqual([]);
    const [stored] = await h.db.select().from(signals).where(eq(signals.id, bare.id));
    expect(stored).toMatchObject({ alertTime: null, price: null, interval: null, metadata: {} });
  });

  it('forgets exactly the published entries, any number at once, in one statement', async () => {
    const rows = Array.from({ length: 7 }, () => row());
    for (const r of rows) await insertOneAcceptedSignal(h.db, r);
    const gone = rows.slice(0, 5).map((r) => r.id);
    await deleteOutboxEntries(h.db, gone);
    await deleteOutboxEntries(h.db, []);
    await deleteOutboxEntries(h.db, [crypto.randomUUID()]);
    const left = await h.db.select({ id: outbox.id }).from(outbox);
    for (const id of gone) expect(left.some((e) => e.id === id)).toBe(false);
    for (const r of rows.slice(5)) expect(left.some((e) => e.id === r.id)).toBe(true);
    await expect(deleteOutboxEntries(h.db, ['not-a-uuid"}'])).rejects.toThrow();
  });
});
