import { randomUUID } from 'node:crypto';
import { clientOidFor } from '@enigma/core/engine/client-oid';
import { toMoney } from '@enigma/core/money';
import { RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import { type OperatorCommand, operatorRouting, placeOrderCommand } from '@enigma/core/signals/commands';
import {
  type CommandRow,
  claimCommand,
  getCommand,
  getIntent,
  getOrderByClientOid,
  getPosition,
  getSetting,
  insertCommand,
  insertIntentOnce,
  listOrders,
  listRiskEvents,
  putSetting,
} from '@enigma/db';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTER_QUEUE } from '../router/router.ts';
import { waitFor } from '../sim/test-helpers.ts';
import { movablePrices, ROOMY_RISK_LIMITS, sendCommand, useSimEngine } from './testing/sim-engine.ts';

/**
 * The order ticket's orders end to end (command → engine → simulator): stop market and stop limit as
 * KuCoin stop orders triggering on the mark, post-only refused when it would take, an operator TWAP
 * split into children with derived clientOids (slices as durable jobs), and a cross-margin order that
 * switches the symbol's margin mode first. The simulator's price is the test's to move.
 */

const XBT = 'XBTUSDTM';
const ETH = 'ETHUSDTM';
const { prices, source } = movablePrices({ [XBT]: 50_000, [ETH]: 2_500 });

describe('operator orders from the ticket against the simulator', { timeout: 90_000 }, () => {
  /** by clientOid: expected − confirmed XBT lots when the row was about to be written */
  const beforeIntent = new Map<string, number>();
  const f = useSimEngine({
    sim: { initialBalance: 100_000, symbols: [XBT, ETH], source },
    beforeEngine: async ({ sim }) => {
      sim.engine.setBehaviour({ basisVolatility: 0 });
    },
    settings: {
      [RISK_LIMITS_KEY]: ROOMY_RISK_LIMITS,
    },
    jobs: true,
    ...(process.env.COMMANDS_LOG ? { logLevel: process.env.COMMANDS_LOG } : {}),
    // what the account view expects of XBT as each order row is about to be written
    onPoint: (step, detail) => {
      if (step === 'before_intent' && detail.symbol === XBT && detail.clientOid && f.running) {
        const state = f.running.engine.ctx.state;
        beforeIntent.set(detail.clientOid, state.expectedQty(XBT) - state.confirmedQty(XBT));
      }
    },
  });
  // registered after the fixture, so run before it closes: the commands in hand finish first
  afterAll(() => f.running?.engine.commands.idle());

  /** Store the command as the API does (its row holds the outcome) and publish it to the engine. */
  const send = (cmd: OperatorCommand, commandId?: string): Promise<string> => sendCommand(f, cmd, commandId);
  /** A place_order as the API validates it (core's one schema). */
  const command = (body: Record<string, unknown>) =>
    send(placeOrderCommand.parse({ type: 'place_order', ...body }));
  const outcome = (id: string, ms = 20_000): Promise<CommandRow> =>
    waitFor(async () => {
      const row = await getCommand(f.db, id);
      return row && !['pending', 'running'].includes(row.status) ? row : undefined;
    }, ms);
  const ordersOf = async (commandId: string) =>
    (await listOrders(f.db, f.running.engine.ctx.accountId)).filter((o) => o.commandId === commandId);
  const exchangePosition = async (symbol: string) =>
    (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === symbol && p.isOpen);

  it('stop market: rests as a KuCoin stop order on the mark (up: above it), triggers when the mark gets there', async () => {
    prices[XBT] = 50_000;
    const id = await command({
      symbol: XBT,
      side: 'buy',
      orderType: 'stop_market',
      size: 2,
      stopPrice: '50400',
      // kept for the position it opens when it triggers (not the default stop, not dropped)
      stopLoss: '49000',
      takeProfit: '53000',
    });
    const row = await outcome(id);
    expect(row.status, row.reason ?? '').toBe('done');
    expect(row.result).toMatchObject({ stopDirection: 'up', stopPrice: '50400', type: 'stop_market' });
    const [order] = await ordersOf(id);
    expect(order).toMatchObject({
      type: 'stop_market',
      stopPrice: '50400',
      stopPriceType: 'MP',
      purpose: 'manual',
    });
    const resting = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items.find(
      (o) => o.clientOid === order!.clientOid,
    );
    expect(resting).toMatchObject({ side: 'buy', type: 'market', size: 2 });
    expect(resting?.stop).toBe('up');
    expect(Number(resting?.stopPrice)).toBe(50_400);
    expect((await exchangePosition(XBT))?.qty ?? 0).toBe(0);
    // A reconciliation (every 30 s, and after any fault) leaves it resting: an order to trade, not an
    // orphan protective stop (it was cancelled as one within 30 s of being placed).
    const report = await f.running.engine.reconcile(0);
    expect(report.orphanStopsCancelled).toBe(0);
    const still = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items;
    expect(still.map((o) => o.clientOid)).toContain(order!.clientOid);
    expect((await ordersOf(id))[0]?.status).toBe('open');

    // The mark reaches the stop: the order triggers and fills; the engine's row follows the exchange.
    prices[XBT] = 50_600;
    const done = await waitFor(async () => {
      const o = await f.kucoin.trade.orderByClientOid(order!.clientOid);
      return o && o.filledSize === 2 ? o : undefined;
    }, 30_000);
    expect(done.stopTriggered).toBe(true);
    expect((await exchangePosition(XBT))?.qty).toBe(2);
    await f.running.engine.reconcile(0);
    expect((await ordersOf(id))[0]).toMatchObject({ status: 'filled', filledSize: 2 });
    // protected with the ticket's stop-loss: an exchange-side stop at 49,000, reduce-only, and its
    // take-profit as a reduce-only limit at 53,000 for the whole position
    await waitFor(async () => {
      const stops = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items;
      return stops.some(
        (s) => s.reduceOnly && s.side === 'sell' && s.size === 2 && Number(s.stopPrice) === 49_000,
      )
        ? true
        : undefined;
    }, 15_000);
    const tps = await waitFor(async () => {
      const list = (await f.kucoin.trade.orders({ status: 'active', symbol: XBT })).items.filter(
        (o) => o.reduceOnly && o.type === 'limit',
      );
      return list.length > 0 ? list : undefined;
    }, 15_000);
    expect(tps.map((o) => [o.side, o.size, Number(o.price)])).toEqual([['sell', 2, 53_000]]);
    // the leverage it was sent with, on the position (the dashboard showed "—")
    expect((await getPosition(f.db, f.running.engine.ctx.accountId, XBT))?.leverage).toBe(order!.leverage);
    expect(order!.leverage).not.toBeNull();
  });

  it("an open position's protective stop cannot be cancelled by a command (it would be placed again): refused, it still rests", async () => {
    const stop = (await listOrders(f.db, f.running.engine.ctx.accountId)).find(
      (o) => o.symbol === XBT && o.purpose === 'stop' && o.status === 'open',
    );
    expect(stop, 'the position opened by the stop market has its stop').toBeDefined();
    const id = await send({ type: 'cancel_order', orderId: stop!.id });
    const row = await outcome(id);
    expect(row.status).toBe('rejected');
    expect(row.reason).toMatch(/^protective_stop: XBTUSDTM's open position keeps its stop/);
    const resting = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items;
    expect(resting.map((o) => o.clientOid)).toContain(stop!.clientOid);
    expect((await getOrderByClientOid(f.db, stop!.clientOid))?.status).toBe('open');
  });

  it("a stop-loss on the wrong side of the mark is refused, quoting the mark at the contract's tick, or at as many places as show it is not the stop's price", async () => {
    // KuCoin's mark has the index's places (0.01, or more) where XBTUSDTM's tick is 0.1: the refusal
    // the dashboard shows said 'the mark 50600.123456789'
    prices[XBT] = 50_600.12;
    f.running.engine.market.setMark(XBT, toMoney('50600.123456789'));
    const row = await outcome(await send({ type: 'set_tpsl', symbol: XBT, stopLoss: '50700' }));
    expect(row.status).toBe('rejected');
    expect(row.reason).toBe('stop 50700 is on the wrong side of the mark 50600.1');
    // a stop at the tick next to the mark: the mark at enough places to show the stop is not below it,
    // never 'stop 50600.1 is on the wrong side of the mark 50600.1'
    f.running.engine.market.setMark(XBT, toMoney('50600.06'));
    const near = await outcome(await send({ type: 'set_tpsl', symbol: XBT, stopLoss: '50600.1' }));
    expect(near.reason).toBe('stop 50600.1 is on the wrong side of the mark 50600.06');
  });

  it('a take-profit on the wrong side of the mark is refused (it would fill at once and close the position)', async () => {
    prices[XBT] = 50_600;
    f.running.engine.market.setMark(XBT, toMoney('50600'));
    const qty = (await exchangePosition(XBT))?.qty ?? 0;
    expect(qty).not.toBe(0);
    const wrong = qty > 0 ? '50500' : '50700';
    const row = await outcome(await send({ type: 'set_tpsl', symbol: XBT, takeProfit: wrong }));
    expect(row.status).toBe('rejected');
    expect(row.reason).toBe(
      `take-profit ${wrong} is on the wrong side of the mark 50600.0: it would fill at once`,
    );
    expect((await exchangePosition(XBT))?.qty).toBe(qty);
  });

  it('a stop the exchange refuses to move to keeps the stop resting: the position stays protected, not flattened', async () => {
    const { ctx } = f.running.engine;
    const pos = (await ctx.positions.get(XBT))!;
    expect(pos.qty).not.toBe(0);
    const resting = pos.stopPrice;
    // a move KuCoin refuses (off the 0.1 tick: the API refuses such a stop, a computed one could be)
    const refused = toMoney(resting!)
      .minus(pos.qty > 0 ? '10.05' : '-10.05')
      .toFixed();
    await ctx.withSymbol(XBT, async () => {
      await ctx.positions.save({ ...(await ctx.positions.get(XBT))!, stopPrice: refused });
      expect(await f.running.engine.protection.ensure(XBT)).toBe('protected');
    });
    const after = (await ctx.positions.get(XBT))!;
    expect(after).toMatchObject({ qty: pos.qty, stopPrice: resting, unprotectedSince: null });
    expect((await exchangePosition(XBT))?.qty).toBe(pos.qty);
    const events = await listRiskEvents(f.db, { code: 'stop_move_refused' });
    expect(events.at(0)?.message).toContain(`the stop at ${refused} was refused`);
  });

  it('stop limit: a sell below the mark rests as a stop order (down) with its limit price, and is cancelled by a command', async () => {
    prices[XBT] = 50_600;
    const id = await command({
      symbol: XBT,
      side: 'sell',
      orderType: 'stop_limit',
      size: 1,
      stopPrice: '49000',
      price: '48950',
      reduceOnly: true,
    });
    const row = await outcome(id);
    expect(row.status, row.reason ?? '').toBe('done');
    const [order] = await ordersOf(id);
    expect(order).toMatchObject({ type: 'stop_limit', price: '48950', stopPrice: '49000' });
    const resting = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items.find(
      (o) => o.clientOid === order!.clientOid,
    );
    expect(resting).toMatchObject({ side: 'sell', type: 'limit', size: 1, stop: 'down', reduceOnly: true });
    expect(Number(resting?.price)).toBe(48_950);

    const cancelId = await send({ type: 'cancel_order', orderId: order!.id });
    await waitFor(async () => {
      const o = (await f.kucoin.trade.stopOrders({ symbol: XBT })).items.find(
        (s) => s.clientOid === order!.clientOid,
      );
      return o ? undefined : true;
    }, 15_000);
    await waitFor(async () => ((await ordersOf(id))[0]!.status === 'canceled' ? true : undefined), 10_000);
    expect((await outcome(cancelId)).status).toBe('done');

    // a stop 4 % above the mark is a stop, not a price off the mark: accepted (the collar is not its distance)…
    const far = await outcome(
      await command({
        symbol: XBT,
        side: 'buy',
        orderType: 'stop_limit',
        size: 1,
        stopPrice: '52600',
        price: '52650',
      }),
    );
    expect(far.status, far.reason ?? '').toBe('done');
    // …but its limit is held to the collar (2 %) around its stop
    const wide = await outcome(
      await command({
        symbol: XBT,
        side: 'buy',
        orderType: 'stop_limit',
        size: 1,
        stopPrice: '52600',
        price: '54400',
      }),
    );
    expect(wide.status).toBe('rejected');
    expect(wide.reason).toMatch(/^price_collar: limit 54400 is 3\.422 % from its stop 52600/);
    await outcome(await send({ type: 'cancel_all', symbol: XBT }));
  });

  it('post-only: a limit that would take is refused by the exchange (cancelled, nothing filled)', async () => {
    const before = (await exchangePosition(XBT))?.qty ?? 0;
    const ticker = await f.kucoin.market.ticker(XBT);
    const id = await command({
      symbol: XBT,
      side: 'buy',
      orderType: 'limit',
      size: 1,
      price: ticker.bestAsk.plus(5).toDecimalPlaces(1).toFixed(),
      postOnly: true,
    });
    const row = await outcome(id);
    expect(row.status, row.reason ?? '').toBe('done');
    const [order] = await ordersOf(id);
    const ex = await waitFor(async () => {
      const o = await f.kucoin.trade.orderByClientOid(order!.clientOid);
      return o && !o.isActive ? o : undefined;
    }, 10_000);
    expect(ex).toMatchObject({ postOnly: true, filledSize: 0, status: 'done' });
    expect((await exchangePosition(XBT))?.qty ?? 0).toBe(before);
    // the same order without post-only takes the ask
    const taking = await outcome(
      await command({
        symbol: XBT,
        side: 'buy',
        orderType: 'limit',
        size: 1,
        price: ticker.bestAsk.plus(5).toDecimalPlaces(1).toFixed(),
      }),
    );
    expect(taking.status).toBe('done');
    await waitFor(async () => ((await exchangePosition(XBT))?.qty === before + 1 ? true : undefined), 10_000);
  });

  it('an operator TWAP: split into children with derived clientOids, its slices durable jobs, the outcome stored at its end', async () => {
    const before = (await exchangePosition(XBT))?.qty ?? 0;
    const id = await command({
      symbol: XBT,
      side: 'buy',
      orderType: 'market',
      size: 6,
      execution: { style: 'twap', slippageBps: 50, twap: { slices: 3, durationSeconds: 2 } },
    });
    // the commands consumer is not held by the algorithm: the row says running until the TWAP ends
    await waitFor(async () => ((await ordersOf(id)).length > 0 ? true : undefined), 10_000);
    expect((await getCommand(f.db, id))?.status).toBe('running');
    // delivered again while it runs (a redelivery): followed once, decided once, nothing sent twice
    await send(
      placeOrderCommand.parse({
        type: 'place_order',
        symbol: XBT,
        side: 'buy',
        orderType: 'market',
        size: 6,
        execution: { style: 'twap', slippageBps: 50, twap: { slices: 3, durationSeconds: 2 } },
      }),
      id,
    );
    const row = await outcome(id, 30_000);
    expect(row.status, row.reason ?? '').toBe('done');
    const children = await ordersOf(id);
    // what the outcome says filled is what its children filled (never more than the parent)
    const filled = children.reduce((n, c) => n + c.filledSize, 0);
    expect(row.result).toMatchObject({ style: 'twap', filledLots: filled });
    expect(filled).toBeGreaterThan(0);
    expect(filled).toBeLessThanOrEqual(6);
    expect(children.map((c) => c.size)).toEqual([2, 2, 2]);
    expect(
      children.every((c) => c.execStyle === 'twap' && c.timeInForce === 'IOC' && c.purpose === 'manual'),
    ).toBe(true);
    // first child: the command's own clientOid; the others derived from the command and the index
    expect(children[0]!.clientOid).toBe(`m${id.replaceAll('-', '')}0`);
    const key = id.replaceAll('-', '');
    expect(children.slice(1).map((c) => c.clientOid)).toEqual([`a${key}1`, `a${key}2`]);
    for (const c of children.slice(1))
      await waitFor(
        async () => ((await f.jobs.get(ROUTER_QUEUE, c.clientOid))?.state === 'completed' ? true : undefined),
        10_000,
      );
    // the intent is the command's, its children point at it
    expect((await getIntent(f.db, id))?.status).toBe('done');
    expect(children.every((c) => c.intentId === id)).toBe(true);
    // spaced as asked (2 s over 3 slices) and each on the exchange once
    for (const i of [1, 2])
      expect(children[i]!.submittedAt!.getTime()).toBeGreaterThanOrEqual(
        children[0]!.createdAt.getTime() + Math.round((i * 2_000) / 3) - 50,
      );
    for (const c of children)
      expect((await f.kucoin.trade.orderByClientOid(c.clientOid))?.filledSize).toBe(c.filledSize);
    await waitFor(
      async () => ((await exchangePosition(XBT))?.qty === before + filled ? true : undefined),
      10_000,
    );
  });

  it('an operator limit chase: post-only attempts one at a time, re-priced as the touch moves; the lots left stay reserved in the account view until the next attempt is written', async () => {
    prices[XBT] = 50_000;
    await waitFor(async () => {
      const t = await f.kucoin.market.ticker(XBT);
      return Math.abs(Number(t.bestBid) - 50_000) < 100 ? true : undefined;
    }, 10_000);
    const id = await command({
      symbol: XBT,
      side: 'buy',
      orderType: 'market',
      size: 40,
      execution: {
        style: 'limit_chase',
        chase: { maxTicks: 10_000, maxSeconds: 4, repriceMs: 200, fallback: 'stop' },
      },
    });
    await waitFor(async () => ((await ordersOf(id)).length > 0 ? true : undefined), 10_000);
    // the touch moves up twice: the resting bid is left behind and re-priced
    prices[XBT] = 50_150;
    await new Promise((r) => setTimeout(r, 1_200));
    prices[XBT] = 50_300;
    const row = await outcome(id, 30_000);
    const attempts = await ordersOf(id);
    expect(attempts.length, JSON.stringify(row)).toBeGreaterThanOrEqual(2);
    expect(attempts.every((a) => a.execStyle === 'limit_chase' && a.type === 'limit')).toBe(true);
    const key = id.replaceAll('-', '');
    expect(attempts.slice(1).map((a) => a.clientOid)).toEqual(
      attempts.slice(1).map((_, i) => `a${key}${i + 1}`),
    );
    // one live attempt at a time
    for (let i = 1; i < attempts.length; i++)
      expect(attempts[i - 1]!.doneAt!.getTime()).toBeLessThanOrEqual(attempts[i]!.submittedAt!.getTime());
    // each later attempt's lots were counted in the account view before its row existed
    // (at least: an earlier test's limit order, filled at the exchange, may still count until it is reconciled)
    for (const a of attempts.slice(1))
      expect(beforeIntent.get(a.clientOid), a.clientOid).toBeGreaterThanOrEqual(a.size);
    const filled = attempts.reduce((n, a) => n + a.filledSize, 0);
    expect(row.result).toMatchObject({ style: 'limit_chase', filledLots: filled });
    expect(filled).toBeLessThanOrEqual(40);
    // the reservation is released at the end: once reconciled (earlier orders brought up to date; an
    // algorithm's reservation survives a reload), the account view expects only what is confirmed
    await f.running.engine.reconcile(0);
    expect(f.running.engine.ctx.state.expectedQty(XBT)).toBe(f.running.engine.ctx.state.confirmedQty(XBT));
  });

  it('cross margin: the symbol is switched to cross (and its cross leverage set) before the order; an isolated order is then refused while the position is open', async () => {
    expect((await f.kucoin.positions.marginMode(ETH)).marginMode).toBe('ISOLATED');
    const id = await command({
      symbol: ETH,
      side: 'buy',
      orderType: 'market',
      size: 3,
      marginMode: 'cross',
      leverage: 4,
    });
    const row = await outcome(id);
    expect(row.status, row.reason ?? '').toBe('done');
    expect(row.result).toMatchObject({ marginMode: 'CROSS' });
    expect((await f.kucoin.positions.marginMode(ETH)).marginMode).toBe('CROSS');
    expect((await f.kucoin.positions.crossLeverage(ETH)).leverage).toBe('4');
    const pos = await waitFor(async () => {
      const p = await exchangePosition(ETH);
      return p?.qty === 3 ? p : undefined;
    }, 10_000);
    expect(pos.marginMode).toBe('CROSS');
    const [order] = await ordersOf(id);
    expect(order).toMatchObject({ marginMode: 'CROSS', status: 'filled' });

    // isolated (the default) while the cross position is open: KuCoin refuses the switch (50002), and so the order
    const refused = await outcome(await command({ symbol: ETH, side: 'buy', orderType: 'market', size: 1 }));
    expect(refused.status).toBe('rejected');
    expect(refused.reason).toMatch(/^margin_mode: ETHUSDTM cannot be switched to isolated/);
    expect((await f.kucoin.positions.marginMode(ETH)).marginMode).toBe('CROSS');
  });

  /**
   * What a crash right after an operator TWAP's intent was committed leaves: the command running, its
   * intent ordered (3 lots in 3 slices), nothing sent. Returns the command's id.
   */
  async function storeUnsentTwap(): Promise<string> {
    const id = randomUUID();
    const cmd = placeOrderCommand.parse({
      type: 'place_order',
      symbol: XBT,
      side: 'buy',
      orderType: 'market',
      size: 3,
      execution: { style: 'twap', slippageBps: 50, twap: { slices: 3, durationSeconds: 1 } },
    });
    await insertCommand(f.db, {
      id,
      issuedBy: 'test',
      idempotencyKey: id,
      type: 'place_order',
      command: cmd as unknown as Record<string, unknown>,
      fingerprint: id,
    });
    await claimCommand(f.db, id);
    const { config, requested } = operatorRouting(cmd.execution!);
    const plan = await f.running.engine.router.plan(
      XBT,
      'buy',
      3,
      config,
      { bid: null, ask: null, at: null },
      f.running.engine.ctx.contracts.get(XBT)!.tickSize,
      requested,
    );
    if ('code' in plan) throw new Error(plan.message);
    const leg = {
      clientOid: clientOidFor('command', id),
      side: 'buy',
      lots: 3,
      leverage: 5,
      marginMode: 'ISOLATED',
      reduceOnly: false,
      purpose: 'manual',
      exec: plan,
      stopPrice: null,
    };
    await insertIntentOnce(f.db, {
      id,
      accountId: f.running.engine.ctx.accountId,
      symbol: XBT,
      side: 'buy',
      size: 3,
      style: 'twap',
      status: 'ordered',
      params: { origin: 'operator', commandId: id, legs: [leg] },
    });
    return id;
  }

  it('after a restart: an operator TWAP whose plan was stored but whose follower died is followed to its end by the restarted engine', async () => {
    // the state a crash right after the intent's commit leaves: command running, intent ordered, nothing sent
    const id = await storeUnsentTwap();

    // the restart: a new engine (and job worker) on the same database
    await f.restartEngine();
    const row = await outcome(id, 30_000);
    expect(row.status, row.reason ?? '').toBe('done');
    const children = await ordersOf(id);
    const key = id.replaceAll('-', '');
    expect(children.map((c) => c.clientOid)).toEqual([`m${key}0`, `a${key}1`, `a${key}2`]);
    for (const c of children)
      expect((await f.kucoin.trade.orderByClientOid(c.clientOid))?.filledSize).toBe(c.filledSize);
    expect(row.result).toMatchObject({
      style: 'twap',
      filledLots: children.reduce((n, c) => n + c.filledSize, 0),
    });
    expect((await getIntent(f.db, id))?.status).toBe('done');
  });

  it('after a restart: a stored operator TWAP whose first child was never sent is judged as of now, at the risk-limit level selected on the contract, before it is sent', async () => {
    // A 2 % stop at leverage 5: the liquidation lies ~19.5 % away at level 1 (0.4 % maintenance), ~14.9 %
    // at level 7 (5 %): a multiple of 8.5 passes the first and blocks the second.
    const limits = await getSetting(f.db, RISK_LIMITS_KEY);
    await putSetting(f.db, RISK_LIMITS_KEY, { ...ROOMY_RISK_LIMITS, minLiquidationDistanceMultiple: '8.5' });
    expect(await f.kucoin.positions.changeRiskLimitLevel(XBT, 7)).toBe(true);
    try {
      // what a crash right after the intent's commit leaves: command running, intent ordered, nothing sent
      const id = await storeUnsentTwap();

      await f.restartEngine();
      const row = await outcome(id, 30_000);
      expect(row.status, row.reason ?? '').toBe('rejected');
      expect(row.reason).toMatch(/^liquidation_distance:/);
      // nothing of it reached the exchange
      const sent = [...f.sim.engine.orders.values()].filter((o) =>
        o.clientOid.includes(id.replaceAll('-', '')),
      );
      expect(sent).toEqual([]);
      expect((await getIntent(f.db, id))?.status).toBe('risk_blocked');
    } finally {
      await f.kucoin.positions.changeRiskLimitLevel(XBT, 1);
      await putSetting(f.db, RISK_LIMITS_KEY, limits ?? ROOMY_RISK_LIMITS);
    }
  });
});
