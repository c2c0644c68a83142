import { outbox, signals } from '@enigma/db/schema/index';
import { acceptedSignalRow } from '@enigma/db/testing/accepted-signal';
import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatheredSignalWriter } from './gathered-inserts.ts';

// The worker's writer over Neon's SQL over HTTP (the local stand-in, real PostgreSQL): rows of
// concurrent requests group-committed, each caller with its own outcome.

let h: TestHandle;
beforeAll(async () => {
  h = await openTestDatabase('neon-http');
});
afterAll(() => h?.cleanup());

const withEntry = (extra: Parameters<typeof acceptedSignalRow>[0] = {}) => {
  const r = acceptedSignalRow(extra);
  return { ...r, outbox: { stream: 'signals:incoming', payload: { signalId: r.id } } };
};

describe('gatheredSignalWriter (neon-http)', () => {
  it('writes the rows of concurrent callers, with their outbox entries, in fewer statements', async () => {
    const w = gatheredSignalWriter(h.db);
    const rows = Array.from({ length: 20 }, () => withEntry());
    const outcomes = await Promise.all(rows.map((r) => w.insertAccepted(r)));
    expect(outcomes).toEqual(rows.map((r) => ({ id: r.id, inserted: true })));
    expect(w.calls.batches).toBeLessThan(rows.length);
    const ids = rows.map((r) => r.id);
    expect(await h.db.select({ id: signals.id }).from(signals).where(inArray(signals.id, ids))).toHaveLength(
      20,
    );
    const entries = await h.db.select().from(outbox).where(inArray(outbox.id, ids));
    expect(entries).toHaveLength(20);
    expect(entries.every((e) => e.leaseUntil !== null && e.leaseUntil.getTime() > Date.now())).toBe(true);
  });

  it('a key already held, or held twice in one batch: the first row wins and the others are told whose', async () => {
    const w = gatheredSignalWriter(h.db);
    const first = withEntry();
    expect(await w.insertAccepted(first)).toEqual({ id: first.id, inserted: true });
    const again = withEntry({ idempotencyKey: first.idempotencyKey });
    const twinA = withEntry();
    const twinB = withEntry({ idempotencyKey: twinA.idempotencyKey });
    const lead = withEntry();
    const [, ...outcomes] = await Promise.all([lead, again, twinA, twinB].map((r) => w.insertAccepted(r)));
    expect(outcomes).toEqual([
      { id: first.id, inserted: false },
      { id: twinA.id, inserted: true },
      { id: twinA.id, inserted: false },
    ]);
    expect(
      await h.db
        .select()
        .from(outbox)
        .where(inArray(outbox.id, [again.id, twinB.id])),
    ).toHaveLength(0);
  });

  it('a row PostgreSQL refuses fails only its own caller', async () => {
    const w = gatheredSignalWriter(h.db);
    const lead = withEntry();
    const good = [withEntry(), withEntry()];
    // jsonb refuses the NUL character
    const bad = withEntry({ payload: { text: 'nul \u0000 here' } });
    const results = await Promise.allSettled([lead, good[0]!, bad, good[1]!].map((r) => w.insertAccepted(r)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(
      await h.db
        .select({ id: signals.id })
        .from(signals)
        .where(inArray(signals.id, [bad.id, ...good.map((g) => g.id)])),
    ).toHaveLength(2);
  });
});
