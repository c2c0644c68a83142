import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { fills, orderIntents, orders, positions, signals } from './index.ts';

// The architecture's invariants that the database itself enforces, whatever the application does.
describe.each(['pg', 'pglite'] as const)('schema invariants (%s)', (kind) => {
  let h: TestHandle;
  let signalId: string;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    const [s] = await h.db.insert(signals).values({ source: 'tradingview', status: 'scored' }).returning();
    signalId = s!.id;
  });
  afterAll(() => h?.cleanup());

  it('turns a signal into at most one order intent', async () => {
    await h.db.insert(orderIntents).values({ signalId, symbol: 'XBTUSDTM', side: 'buy', size: 1 });
    await expect(
      h.db.insert(orderIntents).values({ signalId, symbol: 'XBTUSDTM', side: 'buy', size: 1 }),
    ).rejects.toThrow();
  });

  it('allows one live entry order per intent, a new one once the first is done, and stops alongside', async () => {
    const [intent] = await h.db
      .insert(orderIntents)
      .values({ symbol: 'XBTUSDTM', side: 'sell', size: 2 })
      .returning();
    const entry = {
      intentId: intent!.id,
      symbol: 'XBTUSDTM',
      side: 'sell' as const,
      type: 'market',
      size: 2,
    };
    const [first] = await h.db
      .insert(orders)
      .values({ ...entry, clientOid: 'i1-a', status: 'open' })
      .returning();
    await expect(
      h.db.insert(orders).values({ ...entry, clientOid: 'i1-b', status: 'intent' }),
    ).rejects.toThrow();
    await h.db.insert(orders).values({ ...entry, clientOid: 'i1-stop', purpose: 'stop', status: 'open' });
    await h.db.update(orders).set({ status: 'canceled' }).where(eq(orders.id, first!.id));
    await h.db.insert(orders).values({ ...entry, clientOid: 'i1-c', status: 'intent' });
  });

  it('never stores the same clientOid twice', async () => {
    const o = { symbol: 'XBTUSDTM', side: 'buy' as const, type: 'limit', size: 1, clientOid: 'dup-oid' };
    await h.db.insert(orders).values(o);
    await expect(h.db.insert(orders).values(o)).rejects.toThrow();
  });

  it('ignores a replayed fill and one position per account and symbol', async () => {
    const fill = {
      tradeId: 't-1',
      symbol: 'XBTUSDTM',
      side: 'buy' as const,
      price: '97000.1',
      size: 1,
      filledAt: new Date(),
    };
    await h.db.insert(fills).values(fill);
    const replay = await h.db.insert(fills).values(fill).onConflictDoNothing().returning();
    expect(replay).toEqual([]);
    await h.db.insert(positions).values({ symbol: 'XBTUSDTM', qty: 1 });
    await expect(h.db.insert(positions).values({ symbol: 'XBTUSDTM', qty: 2 })).rejects.toThrow();
  });

  it('rejects non-positive sizes and unknown sides', async () => {
    await expect(
      h.db.insert(orderIntents).values({ symbol: 'XBTUSDTM', side: 'buy', size: 0 }),
    ).rejects.toThrow();
    await expect(
      h.db.insert(orderIntents).values({ symbol: 'XBTUSDTM', side: 'hold' as never, size: 1 }),
    ).rejects.toThrow();
  });
});
