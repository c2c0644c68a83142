/**
 * An order whose answer was lost, against the simulator: judged never received only once its request
 * can no longer be in flight (its send + the KuCoin client's request timeout) plus the grace
 * (`unknownOrderGraceMs`), never sooner. The engine's client gives up after 2 s here (one look-up of
 * its own), so with the default 5 s grace an unknown order is judged 7 s after it was sent.
 */
import { randomUUID } from 'node:crypto';
import { clientOidFor } from '@enigma/core/engine/client-oid';
import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import {
  getOrderByClientOid,
  getSignal,
  insertFencedOrderIntent,
  listPositions,
  listRiskEvents,
  ordersOfSignal,
  putSetting,
  requestIntentCancel,
} from '@enigma/db';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../sim/test-helpers.ts';
import { DEFAULT_TUNING } from './context.ts';
import { turnKillSwitch, useSimEngine } from './testing/sim-engine.ts';

const ORDERS = '/api/v1/orders';
const TIMEOUT_MS = 2_000;
// A 1 % stop: the synthetic market has no stored candles for an ATR here.
const strategy: StrategyConfig = { ...DEFAULT_STRATEGY, stop: { kind: 'pct', pct: '1' } };

describe('an order whose answer was lost (engine against the simulator)', () => {
  // One engine for both tests (a start costs seconds): the first ends flat, the second opens a position.
  /** ms the engine's client holds its next order request before sending it (its futures pool spent) */
  let holdNextSend = 0;
  const f = useSimEngine({
    settings: { [strategyKey('tv')]: strategy },
    http: { timeoutMs: TIMEOUT_MS, resolveAttempts: 1, retryBaseMs: 50 },
    // An order goes on the wire within 4 s of its send's start (10 s by default): the 6 s hold below is
    // longer, so the engine waits it out itself and sends in a new window.
    tuning: { orderSendWindowMs: 4_000 },
    onPoint: (step) => {
      if (step !== 'before_send' || holdNextSend === 0 || !f.running) return;
      // KuCoin's quota spent until the window resets: the client waits before the request goes out
      const pool = f.running.engine.ctx.kucoin.limiter.state('futures');
      pool.remaining = 0;
      pool.resetAt = Date.now() + holdNextSend;
      holdNextSend = 0;
    },
  });
  const exchangeOrders = (clientOid: string) =>
    [...f.sim.engine.orders.values()].filter((o) => o.clientOid === clientOid);
  const exchangeQty = async () =>
    (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === 'XBTUSDTM')?.qty ?? 0;

  /**
   * An earlier run's resting buy limit (1 lot, 1 % under the bid): its `intent` row as that run wrote it
   * (not this process), and its order spec as the executor and the exchange take it.
   */
  async function earlierRunsLimit() {
    const { ctx } = f.running.engine;
    const ticker = await f.kucoin.market.ticker('XBTUSDTM');
    const spec = {
      clientOid: clientOidFor('command', randomUUID()),
      symbol: 'XBTUSDTM',
      side: 'buy' as const,
      type: 'limit' as const,
      price: ticker.bestBid.mul('0.99').toDecimalPlaces(0),
      size: 1,
      leverage: 5,
      marginMode: 'ISOLATED' as const,
      reduceOnly: false,
      purpose: 'manual' as const,
    };
    const { order } = await insertFencedOrderIntent(f.db, ctx.lease, {
      ...spec,
      price: spec.price.toFixed(),
      leverage: '5',
      accountId: ctx.accountId,
      intentId: null,
      signalId: null,
      commandId: null,
    });
    return { spec, order };
  }

  it('never received by the exchange: rejected as not_at_exchange, only after the timeout and the grace', async () => {
    // The placement is dropped unprocessed: the client's look-up finds nothing, nor do the engine's.
    f.sim.faults.set({ dropRequests: 1, pathPrefix: ORDERS });
    const { signalId } = await f.alert({ action: 'buy' });
    const status = await f.settled(signalId, 30_000);
    f.sim.faults.reset();
    const signal = await getSignal(f.db, signalId);
    expect(status).toBe('failed');
    expect(signal?.reason).toMatch(/^order_rejected: not_at_exchange/);
    const entry = (await ordersOfSignal(f.db, signalId)).find((o) => o.purpose === 'entry')!;
    expect(entry.status).toBe('rejected');
    expect(entry.reason).toMatch(/^not_at_exchange/);
    // Not before its request could last have been in flight, plus the grace.
    expect(entry.doneAt!.getTime() - entry.submittedAt!.getTime()).toBeGreaterThanOrEqual(
      TIMEOUT_MS + DEFAULT_TUNING.unknownOrderGraceMs,
    );
    // Never sent again: the exchange has no order of that clientOid, and no position.
    expect(exchangeOrders(entry.clientOid)).toHaveLength(0);
    expect(await exchangeQty()).toBe(0);
  }, 60_000);

  it('placed by the exchange 6 s after it was sent (its client gave up at 2 s): followed to its fill, not rejected', async () => {
    // The gateway holds the placement 6 s: the client times out, finds nothing, and the outcome is
    // unknown; the exchange places the order later, past the 5 s after which it used to be given up.
    f.sim.faults.set({ queueRequests: 1, queueMs: 6_000, pathPrefix: ORDERS });
    const { signalId } = await f.alert({ action: 'buy' });
    const status = await f.settled(signalId, 30_000);
    f.sim.faults.reset();
    expect(status, (await getSignal(f.db, signalId))?.reason ?? '').toBe('protected');
    const entry = (await ordersOfSignal(f.db, signalId)).find((o) => o.purpose === 'entry')!;
    // Its answer was lost indeed, and the exchange placed it after 5 s.
    expect(entry.reason).toMatch(/^outcome_unknown/);
    const theirs = exchangeOrders(entry.clientOid);
    expect(theirs).toHaveLength(1);
    expect(theirs[0]!.createdAt - entry.submittedAt!.getTime()).toBeGreaterThanOrEqual(5_000);
    // The real order: its exchange id, filled, the position the exchange holds (not adopted later). (Its
    // row may follow the signal's `protected` by a moment on a loaded machine: the follower's look-up.)
    await waitFor(
      async () =>
        (await getOrderByClientOid(f.db, entry.clientOid))?.status === 'filled' ? true : undefined,
      5_000,
    ).catch(() => {});
    expect(await getOrderByClientOid(f.db, entry.clientOid)).toMatchObject({
      status: 'filled',
      exchangeOrderId: theirs[0]!.id,
      filledSize: theirs[0]!.filledSize,
    });
    const pos = (await listPositions(f.db, f.accountId(), true)).find((p) => p.symbol === 'XBTUSDTM');
    expect(pos?.qty).toBeGreaterThan(0);
    expect(await exchangeQty()).toBe(pos?.qty);
    expect(pos?.signalId).toBe(signalId);
  }, 60_000);

  it('held 6 s by the rate limit (past its 4 s send window), then lost: delayed, never dropped; judged from when it went out, followed to its fill', async () => {
    const close = await f.alert({ action: 'close' });
    await f.settled(close.signalId);
    expect(await exchangeQty()).toBe(0);
    // The client holds the placement 6 s (its rate-limit window), then the gateway queues it 4 s: the
    // client gives up 2 s after it went out, and the exchange places it 10 s after the decision — within
    // its send + timeout + grace, but past the decision + timeout + grace.
    holdNextSend = 6_000;
    f.sim.faults.set({ queueRequests: 1, queueMs: 4_000, pathPrefix: ORDERS });
    const { signalId } = await f.alert({ action: 'buy' });
    const status = await f.settled(signalId, 40_000);
    f.sim.faults.reset();
    expect(status, (await getSignal(f.db, signalId))?.reason ?? '').toBe('protected');
    const entry = (await ordersOfSignal(f.db, signalId)).find((o) => o.purpose === 'entry')!;
    expect(entry.reason).toMatch(/^outcome_unknown/);
    // sent when it went out, not when it was decided
    expect(entry.submittedAt!.getTime() - entry.createdAt.getTime()).toBeGreaterThanOrEqual(5_500);
    const theirs = exchangeOrders(entry.clientOid);
    expect(theirs).toHaveLength(1);
    expect(entry).toMatchObject({ status: 'filled', exchangeOrderId: theirs[0]!.id });
    const pos = (await listPositions(f.db, f.accountId(), true)).find((p) => p.symbol === 'XBTUSDTM');
    expect(pos?.signalId).toBe(signalId);
    expect(await exchangeQty()).toBe(pos?.qty);
  }, 60_000);

  it('a crash-left entry intent the kill switch cancels that lands afterwards: followed and cancelled, never given up while it may land', async () => {
    const { ctx } = f.running.engine;
    // An earlier run's resting entry: its row written, its request on the wire when that run died.
    const { spec: order } = await earlierRunsLimit();
    await turnKillSwitch(f, { on: true, reason: 'drill' }, 'kill-crash-left');
    // The kill switch's cancel finds nothing at the exchange yet: the row stays an intent (it may land),
    // marked as waiting for its cancel
    await waitFor(async () => (ctx.killSwitch().on ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await getOrderByClientOid(f.db, order.clientOid)).toMatchObject({
      status: 'intent',
      reason: 'cancel_requested: kill switch: drill',
    });
    // A flow that owns the row resumes it (as a signal's leg or a router child is): it does not send it
    const resumed = f.running.engine.executor.submit(order);
    await new Promise((r) => setTimeout(r, 500));
    // …and the request lands: the exchange had no order of that clientOid (a second would be refused)
    await f.kucoin.trade.placeOrder(order);
    expect((await resumed).exchangeOrderId).toBe(exchangeOrders(order.clientOid)[0]!.id);
    const row = await waitFor(async () => {
      const r = await getOrderByClientOid(f.db, order.clientOid);
      return r?.status === 'canceled' ? r : undefined;
    }, 10_000).catch(async () => getOrderByClientOid(f.db, order.clientOid));
    expect(row).toMatchObject({ status: 'canceled', reason: 'kill switch: drill' });
    expect(exchangeOrders(order.clientOid).map((o) => o.status)).toEqual(['done']);
    await putSetting(f.db, 'risk.kill_switch', { on: false, reason: 'drill over' });
  }, 60_000);

  it('a crash-left intent another run sent, absent at the first look-up: not sent again while its request may land; it lands and is followed', async () => {
    // the earlier run's row, written by it (not by this process)
    const { spec } = await earlierRunsLimit();
    // resumed: the look-up finds nothing yet…
    const resumed = f.running.engine.executor.submit(spec);
    await new Promise((r) => setTimeout(r, 1_500));
    // …and the earlier run's request lands: the only order of that clientOid (no second one was sent)
    const theirs = await f.kucoin.trade.placeOrder(spec);
    const row = await resumed;
    expect(row).toMatchObject({ status: 'open', exchangeOrderId: theirs.orderId });
    expect(exchangeOrders(spec.clientOid)).toHaveLength(1);
    await f.running.engine.executor.cancel(row, 'test over');
  }, 30_000);

  it('an order the exchange already holds by its clientOid (300018): its send resolves to that order, it does not wait for itself', async () => {
    const { spec, order } = await earlierRunsLimit();
    const theirs = await f.kucoin.trade.placeOrder(spec);
    // sent straight (a decision's row is): KuCoin answers 300018, and the send looks the order up
    const row = await Promise.race([
      f.running.engine.executor.sendIntent(order, spec),
      new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
    ]);
    expect(row).toMatchObject({ status: 'open', exchangeOrderId: theirs.orderId });
    await f.running.engine.executor.cancel(row!, 'test over');
  }, 30_000);

  it('an intent a cancel was asked of (marked by an earlier run), found landed later: cancelled', async () => {
    const { spec, order } = await earlierRunsLimit();
    // the earlier run's cancel marked the row, and that run ended before the order landed
    const marked = await requestIntentCancel(f.db, order.id, 'cancel-all by test');
    await f.kucoin.trade.placeOrder(spec);
    // this run meets it (reconciliation refreshes such a row): landed, so it is cancelled
    await f.running.engine.executor.refresh(marked!);
    const row = await waitFor(async () => {
      const r = await getOrderByClientOid(f.db, spec.clientOid);
      return r?.status === 'canceled' ? r : undefined;
    }, 10_000).catch(async () => getOrderByClientOid(f.db, spec.clientOid));
    expect(row).toMatchObject({ status: 'canceled', reason: 'cancel-all by test' });
    expect(exchangeOrders(spec.clientOid).map((o) => o.status)).toEqual(['done']);
  }, 30_000);

  it('a crash-left close intent written 7 days ago is not sent: a clientOid look-up can no longer tell whether it was', async () => {
    const { ctx } = f.running.engine;
    // a long to close (the test before ends with one)
    if ((await exchangeQty()) === 0) await f.settled((await f.alert({ action: 'buy' })).signalId);
    const qty = await exchangeQty();
    expect(qty).toBeGreaterThan(0);
    const spec = {
      clientOid: clientOidFor('command', randomUUID()),
      symbol: 'XBTUSDTM',
      side: 'sell' as const,
      type: 'market' as const,
      size: 1,
      reduceOnly: true,
      purpose: 'exit' as const,
    };
    const { order } = await insertFencedOrderIntent(f.db, ctx.lease, {
      ...spec,
      accountId: ctx.accountId,
      intentId: null,
      signalId: null,
      commandId: null,
    });
    await f.db.execute(`update orders set created_at = now() - interval '7 days' where id = '${order.id}'`);
    // resumed as every crash-left intent is (a signal's leg, a router's child): submitted again
    const after = await f.running.engine.executor.submit(spec);
    expect(after.status).toBe('rejected');
    expect(after.reason).toMatch(/^not_sent: intent_too_old: written 7\.0 days ago/);
    expect(exchangeOrders(spec.clientOid)).toHaveLength(0);
    expect(await exchangeQty()).toBe(qty);
    const events = await listRiskEvents(f.db, { code: 'intent_too_old' });
    expect(events.map((e) => e.severity)).toEqual(['critical']);
  }, 30_000);
});
