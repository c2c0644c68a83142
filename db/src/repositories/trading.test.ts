import { closedTradeReturns } from '@enigma/core/contract/math';
import { CONTRACTS } from '@enigma/core/contract/specs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { claimCommand, finishCommand, getCommand, insertCommand } from './commands.ts';
import { getSignal, insertSignalIdempotent } from './signals.ts';
import {
  acquireLease,
  commitDecision,
  ensureAccount,
  FencedError,
  getOrderByClientOid,
  getPosition,
  insertClosedTrade,
  insertFencedOrderIntent,
  insertFill,
  insertOrderIntent,
  listClosedTrades,
  releaseLease,
  savePosition,
  updateOrder,
  updatePosition,
} from './trading.ts';

describe.each(['pg', 'pglite'] as const)('engine repositories (%s)', (kind) => {
  let h: TestHandle;
  let accountId: string;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
    accountId = await ensureAccount(h.db, 'default', 'paper');
  });
  afterAll(() => h?.cleanup());

  it('creates the account once', async () => {
    expect(await ensureAccount(h.db, 'default', 'paper')).toBe(accountId);
  });

  it('gives the lease to one holder; another takes over only after it expires, with a new fence', async () => {
    const t0 = new Date('2026-12-01T00:00:00Z');
    const a = await acquireLease(h.db, 'engine:x', 'a', 10_000, t0);
    expect(a).toMatchObject({ holder: 'a', fence: 1 });
    // renewal by the holder keeps the fence
    expect(await acquireLease(h.db, 'engine:x', 'a', 10_000, new Date(t0.getTime() + 3_000))).toMatchObject({
      fence: 1,
    });
    // a late renewal by the holder itself (paused past its expiry, nobody took over) keeps the fence
    expect(
      await acquireLease(h.db, 'engine:x', 'a', 10_000, new Date(t0.getTime() - 1_000 + 13_000 + 20_000)),
    ).toMatchObject({
      fence: 1,
    });
    expect(await acquireLease(h.db, 'engine:x', 'a', 10_000, new Date(t0.getTime() + 3_000))).toMatchObject({
      fence: 1,
    });
    // another process waits while the lease runs
    expect(await acquireLease(h.db, 'engine:x', 'b', 10_000, new Date(t0.getTime() + 12_000))).toBeNull();
    // expired (13 s after the last renewal at +3 s): taken over, fence incremented
    const b = await acquireLease(h.db, 'engine:x', 'b', 10_000, new Date(t0.getTime() + 13_001));
    expect(b).toMatchObject({ holder: 'b', fence: 2 });
    // the old holder cannot renew, and its fenced writes are refused
    expect(await acquireLease(h.db, 'engine:x', 'a', 10_000, new Date(t0.getTime() + 14_000))).toBeNull();
    const intent = {
      accountId,
      clientOid: 'lease0001',
      signalId: null,
      commandId: null,
      intentId: null,
      symbol: 'XBTUSDTM',
      side: 'buy' as const,
      purpose: 'entry' as const,
      type: 'market' as const,
      size: 1,
      reduceOnly: false,
    };
    await expect(
      insertFencedOrderIntent(h.db, { name: 'engine:x', fence: 1 }, intent),
    ).rejects.toBeInstanceOf(FencedError);
    expect(await insertFencedOrderIntent(h.db, { name: 'engine:x', fence: 2 }, intent)).toMatchObject({
      created: true,
    });
    // releasing hands it over at once (a new fence again)
    await releaseLease(h.db, 'engine:x', 'b', 2);
    expect(await acquireLease(h.db, 'engine:x', 'a', 10_000, new Date(t0.getTime() + 14_500))).toMatchObject({
      fence: 3,
    });
  });

  it('writes exactly the fields of an order patch: absent ones kept, null ones cleared, inside a transaction too', async () => {
    const { order } = await insertOrderIntent(h.db, {
      accountId,
      clientOid: 'patch0001',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price: '100.5',
      size: 4,
      purpose: 'entry',
    });
    const at = new Date('2026-12-06T10:00:00.123Z');
    const open = await updateOrder(h.db, order.id, {
      status: 'open',
      exchangeOrderId: 'ex-patch-1',
      submittedAt: at,
    });
    expect(open).toMatchObject({
      status: 'open',
      exchangeOrderId: 'ex-patch-1',
      price: '100.5',
      filledSize: 0,
    });
    expect(open.submittedAt?.toISOString()).toBe(at.toISOString());
    const partly = await updateOrder(h.db, order.id, {
      status: 'partially_filled',
      filledSize: 3,
      avgFillPrice: '100.25',
      reason: 'partly',
      raw: { a: [1, 'x'] },
    });
    expect(partly).toMatchObject({
      exchangeOrderId: 'ex-patch-1',
      filledSize: 3,
      avgFillPrice: '100.25',
      reason: 'partly',
    });
    expect(partly.raw).toEqual({ a: [1, 'x'] });
    expect(partly.submittedAt?.toISOString()).toBe(at.toISOString());
    // null clears, undefined keeps; the same prepared statement inside a transaction
    const cleared = await h.db.transaction((tx) =>
      updateOrder(tx as never, order.id, { reason: null, slippageBps: '1.5', shortfall: undefined }),
    );
    expect(cleared).toMatchObject({
      reason: null,
      slippageBps: '1.5',
      shortfall: null,
      filledSize: 3,
      status: 'partially_filled',
    });
    expect(cleared.updatedAt.getTime()).toBeGreaterThanOrEqual(partly.updatedAt.getTime());
    // the table's CHECKs still guard it: more filled than the size is refused and changes nothing
    await expect(updateOrder(h.db, order.id, { filledSize: 5 })).rejects.toThrow();
    expect((await getOrderByClientOid(h.db, 'patch0001'))?.filledSize).toBe(3);
    await expect(updateOrder(h.db, crypto.randomUUID(), { status: 'canceled' })).rejects.toThrow(/no order/);
  });

  it('never moves an order backwards: a late answer after the fill changes only what is still empty', async () => {
    const { order } = await insertOrderIntent(h.db, {
      accountId,
      clientOid: 'late0001',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
      purpose: 'entry',
    });
    // the socket's report lands first (filled, with the exchange's id), the order's answer after it
    const filled = await updateOrder(h.db, order.id, {
      status: 'filled',
      exchangeOrderId: 'ex-late-1',
      filledSize: 2,
      avgFillPrice: '100',
      doneAt: new Date('2026-12-06T10:00:01Z'),
    });
    expect(filled.submittedAt).toBeNull();
    const at = new Date('2026-12-06T10:00:00.5Z');
    const late = await updateOrder(h.db, order.id, {
      status: 'open',
      exchangeOrderId: 'ex-other',
      submittedAt: at,
    });
    expect(late).toMatchObject({ status: 'filled', exchangeOrderId: 'ex-late-1', filledSize: 2 });
    expect(late.submittedAt?.toISOString()).toBe(at.toISOString());
    // a lost answer's `unknown`, a stale report and a cancel after the fill: nothing moves
    for (const patch of [
      { status: 'unknown', reason: 'outcome_unknown: timeout' },
      { status: 'partially_filled', filledSize: 1 },
      { status: 'canceled', reason: 'late cancel' },
    ] as const) {
      expect(await updateOrder(h.db, order.id, patch)).toMatchObject({
        status: 'filled',
        filledSize: 2,
        reason: null,
      });
    }
    // a patch without a status is not guarded (the router's quality figures on a finished order)
    expect(await updateOrder(h.db, order.id, { slippageBps: '2.5' })).toMatchObject({ slippageBps: '2.5' });
    // and a move the table allows still happens: unknown → open once the lookup finds it
    const second = await insertOrderIntent(h.db, {
      accountId,
      clientOid: 'late0002',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
      purpose: 'entry',
    });
    await updateOrder(h.db, second.order.id, { status: 'unknown' });
    expect(
      await updateOrder(h.db, second.order.id, { status: 'open', exchangeOrderId: 'ex-late-2' }),
    ).toMatchObject({
      status: 'open',
      exchangeOrderId: 'ex-late-2',
    });
    await expect(updateOrder(h.db, second.order.id, { status: 'nonsense' as never })).rejects.toThrow(
      RangeError,
    );
  });

  it('commits a fenced order intent in one statement: the row it returns is the stored one; a repeat or a stale fence writes nothing', async () => {
    const lease = (await acquireLease(h.db, 'engine:fenced', 'a', 60_000, new Date()))!;
    const fields = {
      accountId,
      clientOid: 'fenced0001',
      signalId: crypto.randomUUID(),
      commandId: null,
      intentId: null,
      symbol: 'XBTUSDTM',
      side: 'sell' as const,
      purpose: 'stop' as const,
      type: 'stop_market' as const,
      size: 3,
      stopPrice: '64000.5',
      stopPriceType: 'MP' as const,
      reduceOnly: true,
      marginMode: 'ISOLATED',
    };
    const first = await insertFencedOrderIntent(h.db, { name: lease.name, fence: lease.fence }, fields);
    expect(first.created).toBe(true);
    const stored = await getOrderByClientOid(h.db, 'fenced0001');
    // what the engine keeps in memory is exactly the stored row
    expect(first.order).toEqual(stored);
    expect(stored).toMatchObject({
      status: 'intent',
      fence: lease.fence,
      filledSize: 0,
      stopPrice: '64000.5',
    });
    const again = await insertFencedOrderIntent(
      h.db,
      { name: lease.name, fence: lease.fence },
      { ...fields, size: 9 },
    );
    expect(again).toMatchObject({ created: false, order: { id: stored!.id, size: 3 } });
    // a stale fence: refused, nothing written
    await expect(
      insertFencedOrderIntent(
        h.db,
        { name: lease.name, fence: lease.fence - 1 },
        { ...fields, clientOid: 'fenced0002' },
      ),
    ).rejects.toBeInstanceOf(FencedError);
    expect(await getOrderByClientOid(h.db, 'fenced0002')).toBeNull();
  });

  it('commits an order intent once per clientOid and returns the existing row on a repeat', async () => {
    const row = {
      accountId,
      clientOid: 'o0123abc',
      symbol: 'XBTUSDTM',
      side: 'buy' as const,
      type: 'market',
      size: 2,
      purpose: 'entry' as const,
    };
    const first = await insertOrderIntent(h.db, row);
    expect(first).toMatchObject({ created: true, order: { status: 'intent', clientOid: 'o0123abc' } });
    const again = await insertOrderIntent(h.db, { ...row, size: 5 });
    expect(again.created).toBe(false);
    expect(again.order).toMatchObject({ id: first.order.id, size: 2 });
    await expect(
      insertOrderIntent(h.db, { ...row, clientOid: 'bad-status', purpose: 'yolo' as never }),
    ).rejects.toThrow();
  });

  it('stores a decision in one statement: guard, snapshot, model score, intent and orders, or nothing', async () => {
    const lease = await acquireLease(h.db, 'engine:decide', 'a', 60_000, new Date());
    const signalId = crypto.randomUUID();
    await insertSignalIdempotent(h.db, {
      id: signalId,
      idempotencyKey: `t:${signalId}`,
      source: 'tv',
      status: 'received',
      symbol: 'XBTUSDTM',
      action: 'sell',
      receivedAt: new Date(),
    } as never);
    const decision = {
      lease: { name: 'engine:decide', fence: lease!.fence },
      accountId,
      signalId,
      symbol: 'XBTUSDTM',
      from: ['received'] as const,
      status: 'ordered' as const,
      reason: 'reverse: buy 2 reduce-only, buy 1',
      score: '61',
      metadata: { direction: 'short' },
      snapshot: { timeframe: '1m', at: new Date('2026-12-01T00:00:00Z'), values: { rsi: 55.5, atr: null } },
      modelScore: {
        modelName: 'scorer',
        modelVersion: 'scorer-only',
        score: '61',
        decision: 'short',
        features: { reasons: ['x'] },
      },
      intent: {
        side: 'buy' as const,
        size: 2,
        leverage: '3',
        reduceOnly: false,
        status: 'ordered',
        params: { label: 'reverse' },
        orders: [
          {
            clientOid: `c-${signalId}`,
            side: 'buy' as const,
            purpose: 'exit' as const,
            type: 'market' as const,
            size: 2,
            reduceOnly: true,
          },
          {
            clientOid: `o-${signalId}`,
            side: 'buy' as const,
            purpose: 'entry' as const,
            type: 'market' as const,
            size: 1,
            reduceOnly: false,
            leverage: '3',
            marginMode: 'ISOLATED',
          },
        ],
      },
    };
    // a stale fence writes nothing and says so
    await expect(
      commitDecision(h.db, { ...decision, lease: { ...decision.lease, fence: lease!.fence + 7 } }),
    ).rejects.toBeInstanceOf(FencedError);
    expect((await getSignal(h.db, signalId))!.status).toBe('received');
    expect(await getOrderByClientOid(h.db, `o-${signalId}`)).toBeNull();

    const done = await commitDecision(h.db, decision);
    expect(done.committed).toBe(true);
    if (!done.committed) return;
    expect(done.orders.map((o) => [o.clientOid, o.status, o.size, o.fence])).toEqual([
      [`c-${signalId}`, 'intent', 2, lease!.fence],
      [`o-${signalId}`, 'intent', 1, lease!.fence],
    ]);
    // what the function returns is what the database holds
    const stored = await getOrderByClientOid(h.db, `o-${signalId}`);
    expect(stored).toMatchObject({
      id: done.orders[1]!.id,
      intentId: done.intent!.id,
      signalId,
      purpose: 'entry',
      marginMode: 'ISOLATED',
      reduceOnly: false,
      status: 'intent',
      fence: lease!.fence,
    });
    expect(Number(stored!.leverage)).toBe(3);
    const sig = await getSignal(h.db, signalId);
    expect(sig).toMatchObject({ status: 'ordered', reason: 'reverse: buy 2 reduce-only, buy 1' });
    expect(Number(sig!.score)).toBe(61);
    expect(sig!.metadata).toMatchObject({ direction: 'short' });
    const snaps = (await h.db.execute(
      sql`select values from indicator_snapshots where signal_id = ${signalId}`,
    )) as unknown as { rows: { values: unknown }[] };
    expect(snaps.rows.map((r) => r.values)).toEqual([{ rsi: 55.5, atr: null }]);
    const scores = (await h.db.execute(
      sql`select model_name, decision from model_scores where signal_id = ${signalId}`,
    )) as unknown as { rows: unknown[] };
    expect(scores.rows).toEqual([{ model_name: 'scorer', decision: 'short' }]);

    // the guard: a second decision of the same signal stores nothing
    const again = await commitDecision(h.db, { ...decision, reason: 'again' });
    expect(again).toEqual({ committed: false, reason: 'signal_moved' });
    const count = (await h.db.execute(
      sql`select count(*)::int as n from orders where signal_id = ${signalId}`,
    )) as unknown as { rows: { n: number }[] };
    expect(count.rows[0]!.n).toBe(2);
    const snapCount = (await h.db.execute(
      sql`select count(*)::int as n from indicator_snapshots where signal_id = ${signalId}`,
    )) as unknown as { rows: { n: number }[] };
    expect(snapCount.rows[0]!.n).toBe(1);

    // the same prepared text serves a decision without the optional parts: a block (no snapshot, no
    // model output, no intent) writes only the status, and a snapshot alone writes only that
    const countFor = async (table: string, id: string) =>
      (
        (await h.db.execute(
          sql`select count(*)::int as n from ${sql.raw(table)} where signal_id = ${id}`,
        )) as unknown as { rows: { n: number }[] }
      ).rows[0]!.n;
    const bare = async (snapshot?: (typeof decision)['snapshot']) => {
      const id = crypto.randomUUID();
      await insertSignalIdempotent(h.db, {
        id,
        idempotencyKey: `t:${id}`,
        source: 'tv',
        status: 'scored',
        symbol: 'XBTUSDTM',
        action: 'buy',
        receivedAt: new Date(),
      } as never);
      const r = await commitDecision(h.db, {
        lease: decision.lease,
        accountId,
        signalId: id,
        symbol: 'XBTUSDTM',
        from: ['received', 'scored'],
        status: 'risk_blocked',
        reason: 'max_open_positions',
        ...(snapshot ? { snapshot } : {}),
      });
      expect(r).toEqual({ committed: true, intent: null, orders: [] });
      expect(await getSignal(h.db, id)).toMatchObject({
        status: 'risk_blocked',
        reason: 'max_open_positions',
      });
      return id;
    };
    const blocked = await bare();
    for (const table of ['indicator_snapshots', 'model_scores', 'order_intents', 'orders'])
      expect(await countFor(table, blocked)).toBe(0);
    const withSnapshot = await bare(decision.snapshot);
    expect(await countFor('indicator_snapshots', withSnapshot)).toBe(1);
    for (const table of ['model_scores', 'order_intents', 'orders'])
      expect(await countFor(table, withSnapshot)).toBe(0);
  });

  it('records a fill once per trade id', async () => {
    const fill = {
      accountId,
      tradeId: 't-1',
      symbol: 'XBTUSDTM',
      side: 'buy' as const,
      price: '65000.1',
      size: 2,
      fee: '0.078',
      filledAt: new Date(),
    };
    expect(await insertFill(h.db, fill)).toBe(true);
    expect(await insertFill(h.db, fill)).toBe(false);
  });

  it('saves a position read back whole, one row per account and symbol', async () => {
    const saved = await savePosition(h.db, {
      accountId,
      symbol: 'XBTUSDTM',
      qty: 2,
      avgEntryPrice: '65000.1',
      fees: '0.078',
    });
    const again = await savePosition(h.db, { ...saved, qty: 3 });
    expect(again.id).toBe(saved.id);
    expect(await getPosition(h.db, accountId, 'XBTUSDTM')).toMatchObject({
      qty: 3,
      avgEntryPrice: '65000.1',
      fees: '0.078',
    });
  });

  it('changes an existing position in place with exactly the patch, and tells a missing row apart', async () => {
    const saved = await savePosition(h.db, {
      accountId,
      symbol: 'ETHUSDTM',
      qty: -4,
      avgEntryPrice: '3000.5',
      stopPrice: '3100',
      takeProfits: [{ level: 1, price: '2900', lots: 2, clientOid: 'tp1' }],
    });
    const signalId = crypto.randomUUID();
    const at = new Date('2026-12-06T11:00:00.5Z');
    const moved = await updatePosition(h.db, {
      accountId,
      symbol: 'ETHUSDTM',
      qty: -6,
      signalId,
      stopConfirmedAt: at,
      stopPrice: null,
    });
    expect(moved).toMatchObject({
      id: saved.id,
      qty: -6,
      avgEntryPrice: '3000.5',
      signalId,
      stopPrice: null,
    });
    expect(moved?.stopConfirmedAt?.toISOString()).toBe(at.toISOString());
    expect(moved?.takeProfits).toEqual([{ level: 1, price: '2900', lots: 2, clientOid: 'tp1' }]);
    // a whole row read back with one change: its id and timestamps are not written
    const whole = await updatePosition(h.db, { ...moved!, accountId, fees: '0.5' });
    expect(whole).toMatchObject({ id: saved.id, qty: -6, fees: '0.5', signalId });
    expect(await updatePosition(h.db, { accountId, symbol: 'NOPEUSDTM', qty: 1 })).toBeNull();
    expect(await getPosition(h.db, accountId, 'NOPEUSDTM')).toBeNull();
  });

  it('keeps the leverage of the position a closed trade closed: its ROI on margin is net / (notional / leverage), exactly; unknown without it', async () => {
    const trade = {
      accountId,
      symbol: 'XBTUSDTM',
      side: 'long',
      size: 4,
      entryPrice: '61725',
      exitPrice: '62342.25',
      grossPnl: '2.469',
      fees: '0',
      funding: '0',
      netPnl: '2.469',
      openedAt: new Date('2026-12-07T10:00:00Z'),
      exitReason: 'stop',
    };
    await insertClosedTrade(h.db, { ...trade, closedAt: new Date('2026-12-07T11:00:00Z'), leverage: '5' });
    // an adopted position's leverage is not known: none is stored
    await insertClosedTrade(h.db, { ...trade, closedAt: new Date('2026-12-07T12:00:00Z') });
    const [adopted, leveraged] = await listClosedTrades(
      h.db,
      { symbol: 'XBTUSDTM' },
      { limit: 2, offset: 0 },
    );
    expect(leveraged!.leverage).toBe('5');
    expect(adopted!.leverage).toBeNull();
    // entry notional 4 lots × 0.001 × 61725 = 246.9 USDT; initial margin 246.9 / 5 = 49.38 USDT;
    // on margin 2.469 / 49.38 = 0.05 (5 %), on notional 2.469 / 246.9 = 0.01 (1 %)
    const xbt = CONTRACTS.XBTUSDTM!;
    expect(closedTradeReturns(xbt, leveraged!)).toEqual({ roiOnNotional: '0.01', roiOnMargin: '0.05' });
    expect(closedTradeReturns(xbt, adopted!)).toEqual({ roiOnNotional: '0.01', roiOnMargin: null });
  });

  it('stores a command once per issuer and key and tells a conflicting reuse apart', async () => {
    const base = {
      issuedBy: 'user:1',
      idempotencyKey: 'k1',
      type: 'cancel_all',
      command: { type: 'cancel_all' },
      fingerprint: 'f1',
    };
    const first = await insertCommand(h.db, { ...base, id: '6f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e' });
    expect(first).toMatchObject({ created: true, conflict: false });
    const replay = await insertCommand(h.db, { ...base, id: '7f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e' });
    expect(replay).toMatchObject({ created: false, conflict: false, command: { id: first.command.id } });
    const other = await insertCommand(h.db, {
      ...base,
      id: '8f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e',
      fingerprint: 'f2',
    });
    expect(other.conflict).toBe(true);
    expect(await claimCommand(h.db, first.command.id)).toBe(true);
    expect(await claimCommand(h.db, first.command.id)).toBe(false);
    await finishCommand(h.db, first.command.id, 'done', null, { cancelled: 0 });
    expect(await getCommand(h.db, first.command.id)).toMatchObject({
      status: 'done',
      result: { cancelled: 0 },
    });
  });
});
