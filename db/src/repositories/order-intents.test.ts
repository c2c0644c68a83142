import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import {
  acquireLease,
  CANCEL_REQUESTED,
  claimIntentSend,
  closeUnsentIntent,
  ensureAccount,
  insertFencedOrderIntent,
  requestIntentCancel,
  updateOrder,
} from './trading.ts';

/**
 * The writes that decide whether an `intent` row may still be sent or be given up as never sent: each
 * only while the row is still the intent its writer judged (PostgreSQL).
 */
describe('order intents: claim a send, ask for a cancel, close as never sent (PostgreSQL)', () => {
  let h: TestHandle;
  let accountId: string;
  let lease: { name: string; fence: number };
  let n = 0;
  beforeAll(async () => {
    h = await openTestDatabase('pg');
    accountId = await ensureAccount(h.db, 'intents', 'paper');
    const l = await acquireLease(h.db, 'engine:intents', 'test', 60_000, new Date());
    lease = { name: l!.name, fence: l!.fence };
  });
  afterAll(() => h?.cleanup());

  const intent = async () =>
    (
      await insertFencedOrderIntent(h.db, lease, {
        accountId,
        clientOid: `intent-${++n}`,
        intentId: null,
        signalId: null,
        commandId: null,
        symbol: 'XBTUSDTM',
        side: 'buy',
        purpose: 'entry',
        type: 'market',
        size: 1,
        reduceOnly: false,
      })
    ).order;
  const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

  it('a send is claimed (its start recorded) only while the row is an intent with no cancel waiting', async () => {
    const free = await intent();
    expect((await claimIntentSend(h.db, lease, free.id, at(1), null))?.submittedAt).toEqual(at(1));
    const asked = await intent();
    expect((await requestIntentCancel(h.db, asked.id, 'kill switch: drill'))?.reason).toBe(
      `${CANCEL_REQUESTED}kill switch: drill`,
    );
    expect(await claimIntentSend(h.db, lease, asked.id, at(2), null)).toBeNull();
    const answered = await intent();
    await updateOrder(h.db, answered.id, { status: 'open', exchangeOrderId: 'x1', submittedAt: at(1) });
    expect(await claimIntentSend(h.db, lease, answered.id, at(2), null)).toBeNull();
    expect(await requestIntentCancel(h.db, answered.id, 'late')).toBeNull();
    // a process whose lease was taken over claims nothing
    const stale = await intent();
    const taken = await acquireLease(h.db, lease.name, 'another', 60_000, new Date(Date.now() + 120_000));
    expect(await claimIntentSend(h.db, lease, stale.id, at(3), null)).toBeNull();
    lease = { name: taken!.name, fence: taken!.fence };
    expect((await claimIntentSend(h.db, lease, stale.id, at(3), null))?.submittedAt).toEqual(at(3));
  });

  it('an intent is closed as never sent only as judged: not once its send began again or it was answered', async () => {
    const row = await intent();
    await claimIntentSend(h.db, lease, row.id, at(5), null);
    // a second claim judged on the row before that one is refused (its send began meanwhile)
    expect(await claimIntentSend(h.db, lease, row.id, at(6), null)).toBeNull();
    // judged with no send start: its send began since (at 5 s)
    expect(await closeUnsentIntent(h.db, row.id, null, { reason: 'not_sent: x', doneAt: at(9) })).toBeNull();
    const closed = await closeUnsentIntent(h.db, row.id, at(5), { reason: 'not_sent: x', doneAt: at(9) });
    expect(closed).toMatchObject({ status: 'rejected', reason: 'not_sent: x' });
    // closed: no send may be claimed
    expect(await claimIntentSend(h.db, lease, row.id, at(10), at(5))).toBeNull();
    const answered = await intent();
    await updateOrder(h.db, answered.id, { status: 'open', exchangeOrderId: 'x2', submittedAt: at(1) });
    expect(
      await closeUnsentIntent(h.db, answered.id, null, { reason: 'not_sent: x', doneAt: at(9) }),
    ).toBeNull();
  });
});
