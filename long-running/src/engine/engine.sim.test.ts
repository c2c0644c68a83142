import { randomUUID } from 'node:crypto';
import { closedTradeReturns } from '@enigma/core/contract/math';
import { CONTRACTS } from '@enigma/core/contract/specs';
import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import { accountEventSchema, checkStreamPayload, type SignalEntryInput } from '@enigma/core/streams/catalog';
import {
  fillsOfAccount,
  getOrderByClientOid,
  getPosition,
  getSetting,
  getSignal,
  insertClosedTrade,
  listOrders,
  listPositions,
  listRiskEvents,
  ordersOfSignal,
  putSetting,
  recentClosedTrades,
  setBreaker,
} from '@enigma/db';
import { latestAccountBalance } from '@enigma/db/repositories/balances';
import Decimal from 'decimal.js';
import { register } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { waitFor } from '../sim/test-helpers.ts';
import { BALANCE_SAVE_EVERY_MS } from './risk-inputs.ts';
import { appendCommand, SETTINGS_REREAD_MS, turnKillSwitch, useSimEngine } from './testing/sim-engine.ts';

const SOURCE = 'tv';
// A 1 % stop: the synthetic market has no stored candles for an ATR here.
const strategy: StrategyConfig = { ...DEFAULT_STRATEGY, stop: { kind: 'pct', pct: '1' } };

const setups = [
  { name: 'embedded: PGlite + in-process bus', db: 'pglite' as const, redis: false },
  { name: 'PostgreSQL + Redis', db: 'pg' as const, redis: true },
];

describe.each(setups)('engine against the simulator ($name)', (setup) => {
  const f = useSimEngine({
    sim: { symbols: ['XBTUSDTM', 'ETHUSDTM'] },
    db: setup.db,
    redis: setup.redis,
    settings: {
      [strategyKey(SOURCE)]: strategy,
      [strategyKey('target')]: { ...strategy, mode: 'target', allowScaleIn: true },
    },
    source: SOURCE,
  });
  const { accountId, alert, settled } = f;

  async function exchangeQty(symbol = 'XBTUSDTM') {
    const list = await f.kucoin.positions.positions('USDT');
    return list.find((p) => p.symbol === symbol && p.qty !== 0)?.qty ?? 0;
  }
  async function exchangeStops(symbol = 'XBTUSDTM') {
    return (await f.kucoin.trade.stopOrders({ symbol })).items;
  }
  async function flat() {
    for (const p of await listPositions(f.db, accountId(), true)) {
      const { signalId } = await alert({ action: 'close', symbol: p.symbol });
      await settled(signalId);
    }
  }

  /**
   * Risk limits for one test over the stored ones, with the loss pause out of the way: the earlier tests'
   * reversals lose their spread and fees, and past maxConsecutiveLosses the pause (reduce-only) would
   * refuse the test's entries. Returns what puts the stored limits back.
   */
  async function limitsForTest(patch: Record<string, unknown>): Promise<() => Promise<void>> {
    const before = await getSetting(f.db, 'risk.limits');
    await putSetting(f.db, 'risk.limits', { ...(before as object), maxConsecutiveLosses: 1_000, ...patch });
    await new Promise((r) => setTimeout(r, SETTINGS_REREAD_MS)); // limits are re-read every settingsEveryMs
    await setBreaker(f.db, 'consecutive_losses', { state: 'active', updatedBy: 'test' });
    await waitFor(async () => (f.running.engine.breakers.state() === 'active' ? true : undefined), 5_000);
    return async () => {
      await putSetting(f.db, 'risk.limits', before ?? {});
    };
  }

  it('turns a buy into exactly one position with a confirmed exchange-side stop', async () => {
    const reports = async (source: 'push' | 'rest') =>
      ((await register.getSingleMetric('enigma_engine_order_reports_total')?.get())?.values ?? [])
        .filter((v) => v.labels.source === source)
        .reduce((n, v) => n + v.value, 0);
    const restBefore = await reports('rest');
    const { signalId } = await alert({ action: 'buy' });
    expect(await settled(signalId)).toBe('protected');
    const pos = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!;
    expect(pos.qty).toBeGreaterThan(0);
    expect(await exchangeQty()).toBe(pos.qty);
    expect(pos.stopConfirmedAt).not.toBeNull();
    const stops = await exchangeStops();
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({
      side: 'sell',
      size: pos.qty,
      reduceOnly: true,
      stop: 'down',
      stopPriceType: 'MP',
    });
    // 1 % below the average entry, on the tick.
    const entry = Number(pos.avgEntryPrice);
    expect(Number(stops[0]!.stopPrice)).toBeLessThan(entry);
    expect(Number(stops[0]!.stopPrice)).toBeGreaterThan(entry * 0.985);
    const mine = await ordersOfSignal(f.db, signalId);
    expect(mine.map((o) => [o.purpose, o.status]).sort()).toEqual([
      ['entry', 'filled'],
      ['stop', 'open'],
    ]);
    // The entry's done report came with the private socket's pushes (or its fills came first): no REST
    // look-up of the order; and the row says what the exchange's own order record says.
    expect(await reports('rest')).toBe(restBefore);
    const entryRow = mine.find((o) => o.purpose === 'entry')!;
    const theirs = await f.kucoin.trade.order(entryRow.exchangeOrderId!);
    expect(theirs.filledSize).toBe(entryRow.filledSize);
    expect(entryRow.avgFillPrice).toBe(
      (theirs.avgFillPrice ?? theirs.filledValue.div(theirs.filledSize)).toFixed(),
    );
  });

  it('with the private socket up, looks for a lost fill by time window every fillWindowEveryMs, not on every watchdog pass', async () => {
    const windows = async () =>
      ((await register.getSingleMetric('enigma_engine_fill_syncs_total')?.get())?.values ?? [])
        .filter((v) => v.labels.by === 'window')
        .reduce((n, v) => n + v.value, 0);
    // an open position for the watchdog (every 200 ms here) to look after
    if ((await exchangeQty()) === 0)
      expect(await settled((await alert({ action: 'buy' })).signalId)).toBe('protected');
    const before = await windows();
    await new Promise((r) => setTimeout(r, 2_000));
    // about ten watchdog passes; the window (5 s) at most once of them
    expect((await windows()) - before).toBeLessThanOrEqual(1);
  });

  it('publishes the exchange account on events:account (equity and balances, as the exchange says)', async () => {
    const seen: Record<string, unknown>[] = [];
    const off = await f.bus.subscribe('events:account', (e) => {
      seen.push(e);
    });
    try {
      const event = await waitFor(async () => seen.at(-1), 5_000);
      const parsed = accountEventSchema.parse(event);
      const overview = await f.kucoin.account.overview('USDT');
      expect(parsed.currency).toBe('USDT');
      // read a moment apart: the open position's unrealised P&L may move by cents in between
      expect(Math.abs(Number(parsed.equity) - overview.accountEquity.toNumber())).toBeLessThan(1);
      expect(Math.abs(Number(parsed.balance) - overview.marginBalance.toNumber())).toBeLessThan(1);
      expect(Math.abs(parsed.at - Date.now())).toBeLessThan(5_000);
      // and stores it for the order ticket's risk preview (account_balances) every few seconds: a row
      // written from now on holds exactly what the event of the same answer said
      const since = Date.now();
      const stored = await waitFor(async () => {
        const b = await latestAccountBalance(f.db, 'USDT', f.accountId());
        return b && b.at.getTime() >= since ? b : undefined;
      }, BALANCE_SAVE_EVERY_MS + 3_000);
      // the event was published before the row was written, but over Redis it may arrive after it
      const same = await waitFor(
        () => seen.map((e) => accountEventSchema.parse(e)).find((e) => e.at === stored.at.getTime()),
        5_000,
      );
      expect([Number(stored.equity), Number(stored.available)]).toEqual([
        Number(same.equity),
        Number(same.availableBalance),
      ]);
    } finally {
      await off();
    }
  });

  it('changes nothing when the same alert is delivered again', async () => {
    const before = await listOrders(f.db, accountId());
    const { entry } = await alert({ action: 'buy' }).then(async (first) => {
      await settled(first.signalId);
      return first;
    });
    const afterFirst = await listOrders(f.db, accountId());
    const qty = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!.qty;
    // TradingView's retry (or a redelivered stream entry): the same signal id again.
    await f.bus.append('signals:incoming', checkStreamPayload('signals:incoming', entry));
    await f.bus.append('signals:incoming', checkStreamPayload('signals:incoming', entry));
    await new Promise((r) => setTimeout(r, 800));
    expect((await listOrders(f.db, accountId())).length).toBe(afterFirst.length);
    expect((await getPosition(f.db, accountId(), 'XBTUSDTM'))!.qty).toBe(qty);
    // the second buy on a long with scale-in off was ignored, not traded
    expect(afterFirst.length).toBe(before.length);
  });

  it('fails a reversal whose closing leg the exchange refuses whole: its opening leg is closed as never sent, not left a live order', async () => {
    if (((await getPosition(f.db, accountId(), 'XBTUSDTM'))?.qty ?? 0) <= 0) {
      const buy = await alert({ action: 'buy' });
      expect(await settled(buy.signalId)).toBe('protected');
    }
    const qty = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!.qty;
    expect(qty).toBeGreaterThan(0);
    f.sim.engine.faults.set({ refuseOrders: 1 });
    const { signalId } = await alert({ action: 'sell' });
    expect(await settled(signalId)).toBe('failed');
    const legs = await ordersOfSignal(f.db, signalId);
    expect(legs.map((o) => [o.purpose, o.status]).sort()).toEqual([
      ['entry', 'rejected'],
      ['exit', 'rejected'],
    ]);
    const opening = legs.find((o) => o.purpose === 'entry')!;
    expect(opening.reason).toMatch(/^not_sent: /);
    expect(opening.exchangeOrderId).toBeNull();
    // nothing moved: the long stays, and a restarted engine (its view loaded from the database) does not
    // count the unsent leg as an order still to fill
    expect(await exchangeQty()).toBe(qty);
    await f.restartEngine();
    const state = f.running.engine.ctx.state;
    expect(state.confirmedQty('XBTUSDTM')).toBe(qty);
    expect(state.expectedQty('XBTUSDTM')).toBe(qty);
  });

  it('reverses long → short on a sell, then closes on close, cancelling the leftover stop', async () => {
    // the long's row carries the exchange's figures (a reconciliation stores them)
    await f.running.engine.reconcile();
    const long = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!;
    expect(long.qty).toBeGreaterThan(0);
    expect(Number(long.liquidationPrice)).toBeLessThan(Number(long.avgEntryPrice));
    const { signalId } = await alert({ action: 'sell' });
    expect(await settled(signalId)).toBe('protected');
    const pos = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!;
    expect(pos.qty).toBeLessThan(0);
    // not the long's figures on the short: its liquidation price unknown until the exchange's next
    // report, its unrealised P&L the short's at the last mark ((mark − entry) × qty × 0.001)
    expect(pos.liquidationPrice).toBeNull();
    const expected = (Number(pos.markPrice) - Number(pos.avgEntryPrice)) * pos.qty * 0.001;
    expect(Number(pos.unrealisedPnl)).toBeCloseTo(expected, 6);
    expect(await exchangeQty()).toBe(pos.qty);
    const stops = await exchangeStops();
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'buy', size: -pos.qty, stop: 'up' });
    const close = await alert({ action: 'close' });
    expect(await settled(close.signalId)).toBe('closed');
    expect(await exchangeQty()).toBe(0);
    await waitFor(async () => ((await exchangeStops()).length === 0 ? true : undefined), 5_000);
    const trades = (await recentClosedTrades(f.db, accountId(), new Date(0))).reverse();
    expect(trades.map((t) => t.side)).toEqual(['long', 'short']);
  });

  it('follows a TradingView strategy in target mode: long → flat → short, exactly', async () => {
    const seq: [string, string, number][] = [
      ['buy', 'long', 3],
      ['sell', 'flat', 0],
      ['sell', 'short', 3],
      ['buy', 'short', 2],
    ];
    const ids: string[] = [];
    for (const [action, mp, size] of seq) {
      const { signalId } = await alert(
        { action: action as 'buy', marketPosition: mp, positionSize: String(size), size: String(size) },
        'target',
      );
      ids.push(signalId);
      await settled(signalId);
      const want = mp === 'long' ? size : mp === 'short' ? -size : 0;
      expect((await getPosition(f.db, accountId(), 'XBTUSDTM'))?.qty ?? 0).toBe(want);
      expect(await exchangeQty()).toBe(want);
    }
    // the smaller target reduced the short: its signal says so, not "position closed"
    expect((await getSignal(f.db, ids[3]!))?.reason).toBe('position reduced by this signal (1 lot)');
    expect((await getSignal(f.db, ids[1]!))?.reason).toBe('position closed by this signal');
    // The same target again trades nothing.
    const again = await alert(
      { action: 'sell', marketPosition: 'short', positionSize: '2', size: '2' },
      'target',
    );
    expect(await settled(again.signalId)).toBe('ignored');
    // the long's round trip was closed by the `flat` alert: a signal's exit
    const trades = await recentClosedTrades(f.db, accountId(), new Date(0));
    expect(trades.find((t) => t.signalId === ids[0])).toMatchObject({ side: 'long', exitReason: 'signal' });
    await flat();
  });

  it('does not execute a stale backlog', async () => {
    const old = Date.now() - 10 * 60_000;
    const { signalId } = await alert({ action: 'buy', alertTime: old, receivedAt: old });
    expect(await settled(signalId)).toBe('stale');
    expect((await getSignal(f.db, signalId))!.reason).toMatch(/^stale_at_engine/);
    expect(await ordersOfSignal(f.db, signalId)).toHaveLength(0);
  });

  it('blocks each pre-trade check with its own reason code', async () => {
    const cases: { name: string; code: string; arrange: () => Promise<void>; undo: () => Promise<void> }[] = [
      {
        name: 'leverage above the limit',
        code: 'leverage_cap',
        arrange: () =>
          putSetting(f.db, strategyKey(SOURCE), { ...strategy, leverage: 50 }).then(() => undefined),
        undo: () => putSetting(f.db, strategyKey(SOURCE), strategy).then(() => undefined),
      },
      {
        name: 'order larger than maxOrderNotional',
        code: 'order_size',
        arrange: () => putSetting(f.db, 'risk.limits', { maxOrderNotional: '10' }).then(() => undefined),
        undo: () => putSetting(f.db, 'risk.limits', {}).then(() => undefined),
      },
      {
        name: 'stored limits that do not parse',
        code: 'risk_limits_invalid',
        arrange: () => putSetting(f.db, 'risk.limits', { maxLeverage: 'ten' }).then(() => undefined),
        undo: () => putSetting(f.db, 'risk.limits', {}).then(() => undefined),
      },
    ];
    for (const c of cases) {
      await c.arrange();
      await new Promise((r) => setTimeout(r, SETTINGS_REREAD_MS)); // settings and strategies are re-read every settingsEveryMs
      const { signalId } = await alert({ action: 'buy' });
      expect(await settled(signalId), c.name).toBe('risk_blocked');
      expect((await getSignal(f.db, signalId))!.reason, c.name).toMatch(new RegExp(`^${c.code}:`));
      await c.undo();
    }
    await new Promise((r) => setTimeout(r, SETTINGS_REREAD_MS));
    const blocks = await listRiskEvents(f.db, {});
    expect(new Set(blocks.map((b) => b.code))).toEqual(expect.objectContaining({}));
  });

  it('judges an entry at the risk-limit level selected on the contract, not the first level', async () => {
    // Leverage 5 with a 1 % stop: the liquidation lies ~19.5 % away at level 1 (0.4 % maintenance) and
    // ~14.9 % at level 7 (5 %): a multiple of 16 passes the first and blocks the second.
    await flat();
    const restore = await limitsForTest({ minLiquidationDistanceMultiple: '16' });
    expect(await f.kucoin.positions.changeRiskLimitLevel('XBTUSDTM', 7)).toBe(true);
    expect((await f.kucoin.positions.position('XBTUSDTM')).riskLimitLevel).toBe(7);
    try {
      await f.restartEngine(); // a fresh engine reads the level on its first entry
      const blocked = await alert({ action: 'buy' });
      expect(await settled(blocked.signalId)).toBe('risk_blocked');
      expect((await getSignal(f.db, blocked.signalId))!.reason).toMatch(/^liquidation_distance:/);
      expect(await exchangeQty()).toBe(0);
      // the same entry at level 1 passes
      expect(await f.kucoin.positions.changeRiskLimitLevel('XBTUSDTM', 1)).toBe(true);
      await f.restartEngine();
      const passed = await alert({ action: 'buy' });
      expect(await settled(passed.signalId), (await getSignal(f.db, passed.signalId))?.reason ?? '').toBe(
        'protected',
      );
      await flat();
    } finally {
      await f.kucoin.positions.changeRiskLimitLevel('XBTUSDTM', 1);
      await restore();
    }
  });

  it('blocks an entry whose contract’s risk-limit levels cannot be read (never assumed the first level)', async () => {
    await flat();
    const restore = await limitsForTest({});
    f.sim.faults.set({
      errorResponses: 1_000,
      errorStatus: 500,
      pathPrefix: '/api/v1/contracts/risk-limit/',
    });
    try {
      await f.restartEngine(); // nothing read yet: its start's warm-up fails too
      const blocked = await alert({ action: 'buy' });
      expect(await settled(blocked.signalId)).toBe('risk_blocked');
      expect((await getSignal(f.db, blocked.signalId))!.reason).toMatch(
        /^data_missing: the risk-limit level of XBTUSDTM could not be read/,
      );
      expect(await exchangeQty()).toBe(0);
      f.sim.faults.reset();
      const passed = await alert({ action: 'buy' });
      expect(await settled(passed.signalId), (await getSignal(f.db, passed.signalId))?.reason ?? '').toBe(
        'protected',
      );
    } finally {
      f.sim.faults.reset();
      await flat();
      await restore();
    }
  });

  it('after a restart, trades one contract while a position it has not traded since is open on another', async () => {
    const short = await alert({ action: 'sell', symbol: 'ETHUSDTM' });
    expect(await settled(short.signalId)).toBe('protected');
    // The new engine has no collector feeding it: the ETH position's mark (its exposure) is unknown until
    // asked for. It must be asked for, not read as missing data (every entry would block).
    await f.restartEngine();
    const { signalId } = await alert({ action: 'buy' });
    expect(await settled(signalId), (await getSignal(f.db, signalId))?.reason ?? '').toBe('protected');
    expect(await exchangeQty()).toBeGreaterThan(0);
    await flat();
  });

  it('adopts and protects a position opened behind its back, and cancels a leftover stop', async () => {
    await f.kucoin.trade.placeOrder({
      clientOid: `manual${Date.now()}`,
      symbol: 'ETHUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
      leverage: 3,
      marginMode: 'ISOLATED',
    });
    // a stray reduce-only stop on a contract with no position
    await f.kucoin.trade.placeOrder({
      clientOid: `stray${Date.now()}`,
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'market',
      size: 1,
      reduceOnly: true,
      stop: {
        direction: 'down',
        price: (await f.kucoin.market.ticker('XBTUSDTM')).bestBid.mul('0.5').toDecimalPlaces(1),
        priceType: 'MP',
      },
    });
    // The simulator matches on its next step (KuCoin accepts before it matches): wait for the position.
    await waitFor(async () => ((await exchangeQty('ETHUSDTM')) === 2 ? true : undefined), 10_000);
    const report = await f.running.engine.reconcile();
    // Learned from the fill push (then the fills) or from the position list: adopted either way.
    expect(report.orphanStopsCancelled).toBe(1);
    const eth = (await getPosition(f.db, accountId(), 'ETHUSDTM'))!;
    expect(eth.qty).toBe(2);
    expect(eth.stopConfirmedAt).not.toBeNull();
    const ethStops = await exchangeStops('ETHUSDTM');
    expect(ethStops).toHaveLength(1);
    expect(ethStops[0]).toMatchObject({ side: 'sell', size: 2, reduceOnly: true });
    expect(await exchangeStops('XBTUSDTM')).toHaveLength(0);
    const codes = (await listRiskEvents(f.db, {})).map((e) => e.code);
    expect(codes).toContain('position_adopted');
    expect(codes).toContain('orphan_stop_cancelled');
    await flat();
    // Its closed trade does not take the leverage the contract's earlier round trip left on the row (the
    // strategy's 5): the adopted isolated position's is unknown, learned from its fills or from the
    // position list (whose isolated leverage is the real one at the mark, not the 3 its margin was put up
    // at); its ROI on margin is unknown, not guessed.
    const [adopted] = (await recentClosedTrades(f.db, accountId(), new Date(0))).filter(
      (t) => t.symbol === 'ETHUSDTM',
    );
    expect(adopted!.size).toBe(2);
    expect(adopted!.leverage).toBeNull();
    expect(closedTradeReturns(CONTRACTS.ETHUSDTM!, adopted!).roiOnMargin).toBeNull();
  });
  it('reconciles a contract against the exchange after its fills: a reversal between the position list and the contract is not undone', async () => {
    const drifts = async () =>
      (await listRiskEvents(f.db, {})).filter((e) => e.code === 'position_drift').length;
    const driftsBefore = await drifts();
    const restore = await limitsForTest({});
    const long = await alert({ action: 'buy' });
    expect(await settled(long.signalId), (await getSignal(f.db, long.signalId))?.reason ?? '').toBe(
      'protected',
    );
    const positions = f.running.engine.ctx.kucoin.positions;
    const list = positions.positions;
    let reversal: string | undefined;
    // The account's positions are read first, the contracts' fills later, each under its lock: a reversal
    // decided in between moves both sides after the list was taken.
    positions.positions = async (...args) => {
      const snapshot = await list(...args);
      if (!reversal) {
        reversal = (await alert({ action: 'sell' })).signalId;
        expect(await settled(reversal)).toBe('protected');
      }
      return snapshot;
    };
    try {
      const report = await f.running.engine.reconcile();
      expect(report.positionsCorrected).not.toContain('XBTUSDTM');
    } finally {
      positions.positions = list;
    }
    const short = await exchangeQty();
    expect(short).toBeLessThan(0);
    const ours = (await getPosition(f.db, accountId(), 'XBTUSDTM'))!;
    expect(ours.qty).toBe(short);
    expect(ours.stopConfirmedAt).not.toBeNull();
    const stops = await exchangeStops();
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'buy', size: -short, stop: 'up' });
    expect(await drifts()).toBe(driftsBefore);
    await flat();
    await restore();
  });

  it('judges entries on two contracts decided at once with each other counted: one position under maxOpenPositions 1', async () => {
    await flat();
    const restore = await limitsForTest({ maxOpenPositions: 1 });
    const router = f.running.engine.router;
    const plan = router.plan.bind(router);
    // XBT's decision waits on its execution plan (against KuCoin a REST book read can take that long)
    // after its checks: ETH's checks run meanwhile.
    router.plan = async (...args: Parameters<typeof router.plan>) => {
      if (args[0] === 'XBTUSDTM') await new Promise((r) => setTimeout(r, 300));
      return plan(...args);
    };
    try {
      const [xbt, eth] = await Promise.all([
        alert({ action: 'buy' }),
        alert({ action: 'buy', symbol: 'ETHUSDTM' }),
      ]);
      const outcomes = [await settled(xbt.signalId), await settled(eth.signalId)].sort();
      expect(outcomes).toEqual(['protected', 'risk_blocked']);
      const blocked = (await getSignal(f.db, outcomes[0] === 'protected' ? eth.signalId : xbt.signalId))!;
      const reasons = [
        (await getSignal(f.db, xbt.signalId))!.reason ?? '',
        (await getSignal(f.db, eth.signalId))!.reason ?? '',
      ];
      expect(
        reasons.some((r) => r.startsWith('open_positions:')),
        JSON.stringify([blocked.status, reasons]),
      ).toBe(true);
      const open = (await f.kucoin.positions.positions('USDT')).filter((p) => p.qty !== 0);
      expect(open).toHaveLength(1);
    } finally {
      router.plan = plan;
      await flat();
      await restore();
    }
  });

  it('keeps an admin’s reset of the loss pause until the next loss: the losses before it do not trip it again', async () => {
    await flat();
    const restore = await limitsForTest({ maxConsecutiveLosses: 2, lossCooldownMinutes: 60 });
    try {
      // two round trips that lose their spread and fees
      for (let i = 0; i < 2; i++) {
        const open = await alert({ action: 'buy' });
        expect(await settled(open.signalId)).toBe('protected');
        expect(await settled((await alert({ action: 'close' })).signalId)).toBe('closed');
      }
      const trades = await recentClosedTrades(f.db, accountId(), new Date(Date.now() - 60_000));
      expect(trades.slice(0, 2).every((t) => Number(t.netPnl) < 0)).toBe(true);
      await waitFor(
        async () => (f.running.engine.breakers.state() === 'reduce_only' ? true : undefined),
        5_000,
      );
      // what POST /api/risk/breakers/consecutive_losses/reset writes
      await setBreaker(f.db, 'consecutive_losses', { state: 'active', updatedBy: 'user:admin' });
      // the watchdog evaluates the breakers every protectEveryMs (200 ms): several passes
      await new Promise((r) => setTimeout(r, 1_500));
      expect(f.running.engine.breakers.state()).toBe('active');
      const open = await alert({ action: 'buy' });
      expect(await settled(open.signalId), (await getSignal(f.db, open.signalId))?.reason ?? '').toBe(
        'protected',
      );
    } finally {
      await flat();
      await restore();
    }
  });

  it('blocks an entry while another open position’s mark is older than maxDataAgeMs and cannot be refreshed (its exposure unknown)', async () => {
    await flat();
    // 4 s: the failing refresh's retries (about 2 s) must not age the entry's own contract past it
    const restore = await limitsForTest({ maxDataAgeMs: 4_000 });
    try {
      const eth = await alert({ action: 'buy', symbol: 'ETHUSDTM' });
      expect(await settled(eth.signalId)).toBe('protected');
      // ETH's mark can no longer be read over REST: the one held ages past the limit
      f.sim.faults.set({ errorResponses: 1_000, errorStatus: 500, pathPrefix: '/api/v1/contracts/ETHUSDTM' });
      await new Promise((r) => setTimeout(r, 4_300));
      const xbt = await alert({ action: 'buy' });
      expect(await settled(xbt.signalId)).toBe('risk_blocked');
      expect((await getSignal(f.db, xbt.signalId))!.reason).toMatch(/^data_missing: .*ETHUSDTM/);
    } finally {
      f.sim.faults.reset();
      await flat();
      await restore();
    }
  });

  it('trades a cross-margin strategy: the contract is switched to cross (and its cross leverage set) before the entry, which KuCoin refuses in the other mode', async () => {
    await flat();
    const restore = await limitsForTest({});
    await putSetting(f.db, strategyKey('cross'), { ...strategy, marginMode: 'CROSS', leverage: 3 });
    await new Promise((r) => setTimeout(r, SETTINGS_REREAD_MS)); // strategies are re-read every settingsEveryMs
    try {
      const { signalId } = await f.alert({ action: 'buy', symbol: 'ETHUSDTM' }, 'cross');
      expect(await settled(signalId), (await getSignal(f.db, signalId))?.reason ?? '').toBe('protected');
      const pos = (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === 'ETHUSDTM');
      expect(pos).toMatchObject({ marginMode: 'CROSS' });
      expect((await f.kucoin.positions.marginMode('ETHUSDTM')).marginMode).toBe('CROSS');
      // A restarted engine holds no mode, and the contract's mode cannot be read: its start's position
      // list (reconciliation) tells it, so the close names CROSS without waiting on the read.
      await f.restartEngine();
      f.sim.faults.set({
        errorResponses: 1_000,
        errorStatus: 503,
        pathPrefix: '/api/v2/position/getMarginMode',
      });
      // The close is reduce-only, and still names the contract's mode: an order without one is an
      // ISOLATED order to KuCoin (marginMode defaults to ISOLATED), refused on a cross contract (330005).
      const close = await f.alert({ action: 'close', symbol: 'ETHUSDTM' }, 'cross');
      expect(await settled(close.signalId), (await getSignal(f.db, close.signalId))?.reason ?? '').toBe(
        'closed',
      );
      const after = (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === 'ETHUSDTM');
      expect(after?.qty ?? 0).toBe(0);
    } finally {
      f.sim.faults.reset();
      await flat();
      // back to isolated for the tests after this one (a flat contract switches at once)
      await f.kucoin.positions.changeMarginMode('ETHUSDTM', 'ISOLATED');
      await restore();
    }
  });

  it('attributes a fill of an order whose answer is not written yet from memory, without asking the exchange whose order it is', async () => {
    const lookups = async () =>
      (
        (await register.getSingleMetric('enigma_engine_fill_owner_lookups_total')?.get())?.values ?? []
      ).reduce((n, v) => n + v.value, 0);
    const engine = f.running.engine;
    const before = await lookups();
    // Sent by the executor alone: nobody follows it to its done report, so its answer stays kept while
    // its fill comes (the match push's fill sync, or the one below).
    const row = await engine.executor.submit({
      clientOid: `kept-${randomUUID().slice(0, 8)}`,
      symbol: 'ETHUSDTM',
      side: 'buy',
      type: 'market',
      size: 1,
      reduceOnly: false,
      leverage: 5,
      marginMode: 'ISOLATED',
      purpose: 'manual',
    });
    expect(row).toMatchObject({ status: 'open' });
    // answered, not written yet: the database still has the intent, without the exchange's id
    expect(await getOrderByClientOid(f.db, row.clientOid)).toMatchObject({
      status: 'intent',
      exchangeOrderId: null,
    });
    // the exchange matches after it answers: its fill is listed once the order is done
    await waitFor(
      async () => ((await f.kucoin.trade.order(row.exchangeOrderId!)).status === 'done' ? true : undefined),
      5_000,
    );
    await engine.ledger.syncFills('ETHUSDTM', {
      orders: [{ exchangeOrderId: row.exchangeOrderId!, filledSize: 1 }],
    });
    const fills = (await fillsOfAccount(f.db, accountId(), 'ETHUSDTM')).filter((x) => x.orderId === row.id);
    expect(fills.map((x) => x.size)).toEqual([1]);
    expect(await lookups()).toBe(before);
    await flat();
  });

  it('warms up before trading after a restart: the scoring context of the contracts signalled this week is built before their next signal', async () => {
    const s = await alert({ action: 'close', symbol: 'ETHUSDTM' });
    await settled(s.signalId);
    await f.restartEngine();
    // built during the start, before any signal reached this engine
    expect(f.running.engine.signals.scorer.held()).toContain('ETHUSDTM');
  });
});

/** Wall time plus a jump the test controls: the simulator and the engine share it, so funding can be crossed at once. */
class JumpClock {
  offset = 0;
  now = () => Date.now() + this.offset;
}

describe('engine against the simulator: stops, funding and the kill switch', () => {
  const clock = new JumpClock();
  const f = useSimEngine({
    sim: { symbols: ['XBTUSDTM', 'ETHUSDTM'], clock, fundingRate: 0.001 },
    settings: {
      [strategyKey(SOURCE)]: strategy,
      // these tests' round trips lose their spread and fees on purpose (flattens, a triggered stop): the
      // loss pause (reduce-only after 5 in a row) is not what they test
      'risk.limits': { maxConsecutiveLosses: 1_000 },
    },
    now: clock.now,
    source: SOURCE,
  });
  const alert = async (action: SignalEntryInput['action'], symbol = 'XBTUSDTM') =>
    (await f.alert({ action, symbol })).signalId;
  const { settled } = f;

  async function until(label: string, check: () => Promise<boolean>, ms = 15_000) {
    await waitFor(async () => ((await check()) ? true : undefined), ms).catch(() => {
      throw new Error(`not reached: ${label}`);
    });
  }

  it('places take-profit levels as reduce-only limit orders at R multiples, and cancels them at the close', async () => {
    await putSetting(f.db, strategyKey('tp'), {
      ...strategy,
      sizing: { method: 'fixed_lots', lots: 4 },
      allowScaleIn: true,
      takeProfits: [
        // far enough (≈ 3 % and 6 %) that the synthetic market does not fill them during the test
        { r: '3', fraction: '0.5' },
        { r: '6', fraction: '0.5' },
      ],
    });
    const tpAlert = async (action: SignalEntryInput['action']) =>
      (await f.alert({ action, symbol: 'ETHUSDTM' }, 'tp')).signalId;
    const activeTps = async () =>
      (await f.kucoin.trade.orders({ status: 'active', symbol: 'ETHUSDTM' })).items.filter(
        (o) => o.reduceOnly && o.type === 'limit',
      );
    const opened = await tpAlert('buy');
    expect(await settled(opened), (await getSignal(f.db, opened))?.reason ?? '').toBe('protected');
    const tps = await waitFor(async () => {
      const list = await activeTps();
      return list.length === 2 ? list : undefined;
    }, 10_000);
    // the take-profits are planned with the stop distance, stored on the position with them
    const pos = (await getPosition(f.db, f.running.engine.ctx.accountId, 'ETHUSDTM'))!;
    expect(pos.qty).toBe(4);
    const entry = Number(pos.avgEntryPrice);
    const distance = Number(pos.stopDistance);
    // 1 % of the entry's reference price (the strategy's stop), so the levels sit ≈ 3 % and 6 % above it
    expect(distance / entry).toBeGreaterThan(0.009);
    expect(distance / entry).toBeLessThan(0.011);
    const levels = tps
      .map((o) => ({ side: o.side, size: o.size, price: Number(o.price) }))
      .sort((a, b) => a.price - b.price);
    expect(levels.map((l) => [l.side, l.size])).toEqual([
      ['sell', 2],
      ['sell', 2],
    ]);
    const tick = Number(f.running.engine.ctx.contracts.get('ETHUSDTM')!.tickSize);
    expect(Math.abs(levels[0]!.price - (entry + 3 * distance))).toBeLessThanOrEqual(tick);
    expect(Math.abs(levels[1]!.price - (entry + 6 * distance))).toBeLessThanOrEqual(tick);
    // A scale-in re-plans them for the new size and average entry: the earlier plan's are cancelled, so
    // the resting take-profits never close more than the position's plan (4 + 4 of 8, not 12).
    const added = await tpAlert('buy');
    expect(await settled(added), (await getSignal(f.db, added))?.reason ?? '').toBe('protected');
    const replanned = await waitFor(async () => {
      const list = await activeTps();
      return list.length === 2 && list.every((o) => o.size === 4) ? list : undefined;
    }, 10_000).catch(async () => {
      throw new Error(
        `take-profits after the scale-in: ${JSON.stringify((await activeTps()).map((o) => [o.size, o.price]))}`,
      );
    });
    expect(replanned.reduce((n, o) => n + o.size, 0)).toBe(8);
    // closing the position cancels what is left of its protection, take-profits included
    expect(await settled(await tpAlert('close'))).toBe('closed');
    await waitFor(async () => ((await activeTps()).length === 0 ? true : undefined), 10_000);
    expect((await f.kucoin.trade.stopOrders({ symbol: 'ETHUSDTM' })).items).toHaveLength(0);
  });

  it('flattens a position whose stop cannot be placed once the grace period is over, with a critical event', async () => {
    const exchangeQty = async () =>
      (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === 'ETHUSDTM')?.qty ?? 0;
    f.sim.engine.setBehaviour({ maxStopOrders: 0 });
    try {
      const id = await alert('buy', 'ETHUSDTM');
      // the entry fills, every stop is refused (300004): the position is unprotected
      await waitFor(async () => ((await exchangeQty()) > 0 ? true : undefined), 10_000);
      expect((await listRiskEvents(f.db, { code: 'unprotected_flattened' })).length).toBe(0);
      // past the 5 s grace on the clock the engine and the simulator share
      clock.offset += 6_000;
      const [event] = await waitFor(async () => {
        const list = await listRiskEvents(f.db, { code: 'unprotected_flattened' });
        return list.length > 0 ? list : undefined;
      }, 10_000);
      expect(event).toMatchObject({ severity: 'critical' });
      await waitFor(async () => ((await exchangeQty()) === 0 ? true : undefined), 10_000);
      expect(await settled(id)).toBe('closed');
    } finally {
      f.sim.engine.setBehaviour({ maxStopOrders: 50 });
    }
  });

  it('flattens a reopened position even when its row’s stop version is the one an earlier flatten used (that finished order is not this flatten’s answer)', async () => {
    const { engine } = f.running;
    const ethQty = async () =>
      (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === 'ETHUSDTM')?.qty ?? 0;
    const opened = await alert('buy', 'ETHUSDTM');
    expect(await settled(opened)).toBe('protected');
    const first = (await getPosition(f.db, engine.ctx.accountId, 'ETHUSDTM'))!;
    await engine.ctx.withSymbol('ETHUSDTM', () => engine.protection.flatten(first, 'test'));
    await waitFor(async () => ((await ethQty()) === 0 ? true : undefined), 10_000);
    const again = await alert('buy', 'ETHUSDTM');
    expect(await settled(again)).toBe('protected');
    const second = (await getPosition(f.db, engine.ctx.accountId, 'ETHUSDTM'))!;
    expect(second.id).toBe(first.id); // the same row, a new round trip
    // as when its stop's outcome is unknown (the version not moved on): the first flatten's version
    await engine.ctx.withSymbol('ETHUSDTM', () =>
      engine.protection.flatten({ ...second, stopVersion: first.stopVersion }, 'test'),
    );
    await waitFor(async () => ((await ethQty()) === 0 ? true : undefined), 10_000).catch(() => {
      throw new Error('the second flatten sent nothing: the position is still open');
    });
  });

  it('records a triggered stop as a closed trade whose fees and funding equal the simulator’s to the cent', async () => {
    const signalId = await alert('buy');
    expect(await settled(signalId)).toBe('protected');
    const accountId = f.running.engine.ctx.accountId;
    const pos = (await getPosition(f.db, accountId, 'XBTUSDTM'))!;
    // Cross the next funding settlement (04:00, 12:00, 20:00 UTC) while the position is open.
    const next = f.sim.engine.nextFundingTime('XBTUSDTM');
    clock.offset += next - clock.now() + 1_000;
    await waitFor(
      () => (f.sim.engine.fundingRecords.some((r) => r.symbol === 'XBTUSDTM') ? true : undefined),
      10_000,
    );
    // The mark falls through the stop: the exchange closes the position.
    const stop = Number(pos.stopPrice);
    await fetch(`${f.sim.url}/sim/wick`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'XBTUSDTM', mark: String(Math.floor(stop * 0.99)), durationMs: 3_000 }),
    });
    await until(
      'the stop closed the position',
      async () => (await getSignal(f.db, signalId))?.status === 'closed',
    );
    const [trade] = await recentClosedTrades(f.db, accountId, new Date(0));
    expect(trade).toMatchObject({
      symbol: 'XBTUSDTM',
      side: 'long',
      size: pos.qty,
      signalId,
      exitReason: 'stop',
    });
    // The simulator's own books: its fills' fees and its funding settlements for this round trip.
    const fills = (await f.kucoin.trade.fills({ symbol: 'XBTUSDTM', pageSize: 200 })).items;
    const simFees = fills.reduce((s, x) => s + Number(x.fee.toFixed(8)), 0);
    const simFunding = f.sim.engine.fundingRecords
      .filter((r) => r.symbol === 'XBTUSDTM')
      .reduce((s, r) => s + Number(r.funding.toFixed(8)), 0);
    expect(simFunding).not.toBe(0);
    expect(Number(trade!.fees).toFixed(2)).toBe(simFees.toFixed(2));
    expect(Number(trade!.funding).toFixed(2)).toBe(simFunding.toFixed(2));
    // in decimal, exactly (two floats rounded to 6 places differed when the sum ended in …5 at the 7th)
    expect(
      new Decimal(trade!.grossPnl).minus(trade!.fees).plus(trade!.funding).eq(trade!.netPnl),
      `${trade!.grossPnl} − ${trade!.fees} + ${trade!.funding} = ${trade!.netPnl}`,
    ).toBe(true);
    // KuCoin's own record of the round trip is kept beside ours (looked up by the engine's next pass),
    // and agrees with it to the cent.
    const theirs = f.sim.engine.closedPositions.filter((p) => p.symbol === 'XBTUSDTM').at(-1)!;
    await vi.waitFor(
      async () => {
        const [now] = await recentClosedTrades(f.db, accountId, new Date(0));
        expect(now?.exchangeCloseId).toBe(theirs.closeId);
      },
      { timeout: 10_000, interval: 100 },
    );
    const [recorded] = await recentClosedTrades(f.db, accountId, new Date(0));
    expect(recorded).toMatchObject({
      exchangePnl: theirs.pnl.toFixed(),
      exchangeFees: theirs.tradeFee.toFixed(),
      exchangeFunding: theirs.fundingFee.toFixed(),
      exchangeCloseId: theirs.closeId,
    });
    expect(Number(recorded!.exchangePnl).toFixed(2)).toBe(Number(recorded!.netPnl).toFixed(2));
    // The trade keeps its position's leverage (the strategy's 5; the exchange's record of the position
    // says the same), and its ROI on margin is the net P&L over the initial margin, entry notional / 5.
    expect(pos.leverage).toBe('5');
    expect(recorded!.leverage).toBe('5');
    expect(theirs.leverage.eq(5)).toBe(true);
    const margin = new Decimal(recorded!.size).mul('0.001').mul(recorded!.entryPrice).div(5);
    expect(closedTradeReturns(CONTRACTS.XBTUSDTM!, recorded!).roiOnMargin).toBe(
      new Decimal(recorded!.netPnl).div(margin).toDecimalPlaces(10).toFixed(),
    );

    // A second long round trip closed 100 ms later and still without a record (as a restart would find
    // it): the only one the exchange lists is the first trade's, so it must not take it.
    const ledger = f.running.engine.ledger;
    const recordOf = async (id: string) =>
      (await recentClosedTrades(f.db, accountId, new Date(0))).find((t) => t.id === id)!.exchangeCloseId;
    const later = await insertClosedTrade(f.db, {
      accountId,
      positionId: recorded!.positionId,
      signalId: null,
      symbol: 'XBTUSDTM',
      side: 'long',
      size: 1,
      entryPrice: recorded!.entryPrice,
      exitPrice: recorded!.exitPrice,
      grossPnl: '0',
      fees: '0',
      funding: '0',
      netPnl: '0',
      openedAt: recorded!.openedAt,
      closedAt: new Date(recorded!.closedAt.getTime() + 100),
      exitReason: 'manual',
    });
    expect(await ledger.resumeAwaitingRecords()).toBe(1);
    await ledger.fillExchangeRecords();
    await ledger.fillExchangeRecords();
    expect(await recordOf(later)).toBeNull();
    expect(await recordOf(recorded!.id)).toBe(theirs.closeId);
    // A start finds a trade whose record was never written (the waiting queue lived in memory) and asks
    // for it again.
    // (both ids are the database's own uuids)
    await f.db.execute(`delete from closed_trades where id = '${later}'`);
    await f.db.execute(
      `update closed_trades set exchange_pnl = null, exchange_fees = null, exchange_funding = null,
        exchange_close_id = null where id = '${recorded!.id}'`,
    );
    expect(await ledger.resumeAwaitingRecords()).toBe(1);
    await ledger.fillExchangeRecords();
    expect(await recordOf(recorded!.id)).toBe(theirs.closeId);
    // Nothing left behind on the exchange.
    expect((await f.kucoin.trade.stopOrders({ symbol: 'XBTUSDTM' })).items).toHaveLength(0);
  });

  it('kill switch: halts entries, cancels open entry orders, keeps stops, and flattens when asked', async () => {
    const accountId = f.running.engine.ctx.accountId;
    const open = await alert('buy', 'ETHUSDTM');
    const openStatus = await settled(open).catch(
      async () => `stuck: ${JSON.stringify(await getSignal(f.db, open))}`,
    );
    expect(openStatus).toBe('protected');
    // A resting entry order (below the market, inside the 2 % price collar, which is measured from the
    // mark: after the funding test's clock jump the simulator's mark and last price can be far apart).
    const ticker = await f.kucoin.market.ticker('XBTUSDTM');
    const mark = (await f.kucoin.market.contract('XBTUSDTM')).markPrice ?? ticker.bestBid;
    const below = (mark.lt(ticker.bestBid) ? mark : ticker.bestBid).mul('0.985');
    await appendCommand(
      f,
      {
        type: 'place_order',
        symbol: 'XBTUSDTM',
        side: 'buy',
        orderType: 'limit',
        size: 1,
        price: below.toDecimalPlaces(1).toFixed(),
        reduceOnly: false,
      },
      'resting',
    );
    await waitFor(
      async () =>
        (await f.kucoin.trade.orders({ status: 'active', symbol: 'XBTUSDTM' })).items.length === 1
          ? true
          : undefined,
      10_000,
    );

    await turnKillSwitch(f, { on: true, reason: 'drill' }, 'kill-1');
    await waitFor(
      async () =>
        (await f.kucoin.trade.orders({ status: 'active', symbol: 'XBTUSDTM' })).items.length === 0
          ? true
          : undefined,
      10_000,
    );
    // the protective stop of the ETH position is kept
    expect((await f.kucoin.trade.stopOrders({ symbol: 'ETHUSDTM' })).items).toHaveLength(1);
    // no new entries
    const blocked = await alert('buy');
    expect(await settled(blocked)).toBe('risk_blocked');
    expect((await getSignal(f.db, blocked))!.reason).toMatch(/^kill_switch:/);

    await turnKillSwitch(f, { on: true, reason: 'flatten drill', flatten: true }, 'kill-2');
    await waitFor(
      async () => ((await f.kucoin.positions.positions('USDT')).every((p) => p.qty === 0) ? true : undefined),
      15_000,
    );
    await waitFor(
      async () => ((await f.kucoin.trade.stopOrders({})).items.length === 0 ? true : undefined),
      10_000,
    );
    expect(await listPositions(f.db, accountId, true)).toHaveLength(0);
    await putSetting(f.db, 'risk.kill_switch', { on: false, reason: 'drill over' });
  });

  it('finds a stop’s fill days after the contract’s last fill, its push lost: a fills window given only its start ends 24 h later', async () => {
    const accountId = f.running.engine.ctx.accountId;
    // after the kill-switch drill: its end turns the switch off (settings are re-read every second)
    await until('the kill switch is off', async () => !f.running.engine.ctx.killSwitch().on);
    const signalId = await alert('buy', 'ETHUSDTM');
    expect(await settled(signalId)).toBe('protected');
    const pos = (await getPosition(f.db, accountId, 'ETHUSDTM'))!;
    const drifts = async () =>
      (await listRiskEvents(f.db, { code: 'position_drift' })).filter(
        (e) => (e.data as { symbol?: string } | null)?.symbol === 'ETHUSDTM',
      ).length;
    const driftsBefore = await drifts();
    // The private socket goes silent (its pushes lost), two days pass, and the stop closes the position.
    f.sim.faults.set({ wsSilent: true });
    try {
      clock.offset += 2 * 86_400_000;
      await fetch(`${f.sim.url}/sim/wick`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          symbol: 'ETHUSDTM',
          mark: new Decimal(pos.stopPrice!).mul('0.99').toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(),
          durationMs: 3_000,
        }),
      });
      await until('the stop closed the position at the exchange', async () => {
        const list = await f.kucoin.positions.positions('USDT');
        return !list.some((p) => p.symbol === 'ETHUSDTM' && p.qty !== 0);
      });
    } finally {
      f.sim.faults.set({ wsSilent: false });
    }
    // The contract's fills synced from its last known one (two days back): the stop's fill is found, the
    // position closed by it, not corrected to the exchange as a drift.
    await f.running.engine.reconcile(0);
    const lots = (await fillsOfAccount(f.db, accountId, 'ETHUSDTM')).reduce(
      (n, x) => n + (x.side === 'buy' ? x.size : -x.size),
      0,
    );
    expect(lots).toBe(0);
    expect(await drifts()).toBe(driftsBefore);
    expect((await getSignal(f.db, signalId))?.status).toBe('closed');
  });

  it('sums a closed trade’s funding over every page of KuCoin’s funding history (100 settlements a page)', async () => {
    // 150 settlements of a long-held position, 8 h apart, long before anything else in these tests.
    const t0 = Date.UTC(2020, 0, 1, 4);
    const records = Array.from({ length: 150 }, (_, i) => ({
      id: 9_000_000 + i,
      symbol: 'ETHUSDTM',
      timePoint: t0 + i * 8 * 3_600_000,
      fundingRate: new Decimal('0.0001'),
      markPrice: new Decimal(2000),
      positionQty: 1,
      positionCost: new Decimal(20),
      funding: new Decimal(-(i + 1)).div(1000),
      marginMode: 'ISOLATED' as const,
    }));
    f.sim.engine.fundingRecords.push(...records);
    const total = await f.running.engine.ledger.fundingBetween('ETHUSDTM', t0, records.at(-1)!.timePoint);
    // −(1 + 2 + … + 150) / 1000
    expect(total.toFixed()).toBe('-11.325');
  });
});
