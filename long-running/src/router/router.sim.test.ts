import { orderSchema, toResponse } from '@enigma/core/api/responses';
import { type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import type { ExecutionStyle } from '@enigma/core/router/plan';
import { RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import {
  getIntentBySignal,
  getPosition,
  getSignal,
  type OrderRow,
  ordersOfSignal,
  putSetting,
  rowsOf,
} from '@enigma/db';
import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ENGINE_QUEUE, RECONCILE_JOB } from '../engine/engine.ts';
import { ROOMY_RISK_LIMITS, useSimEngine } from '../engine/testing/sim-engine.ts';
import type { Order } from '../exchange/types.ts';
import { FUNDING_SYNC_JOB, SCHEDULED_QUEUE } from '../jobs/scheduled.ts';
import { waitFor } from '../sim/test-helpers.ts';
import { ROUTER_QUEUE } from './router.ts';
import { routedStrategy } from './testing.ts';

/**
 * Every execution style against the simulator, with partial fills shaped by a thin synthetic book
 * (about one lot per level): fills never exceed the parent, the parent follows its children, the TWAP's
 * slices are spaced as asked and the chase stops at its limit.
 */

const SYMBOL = 'XBTUSDTM';

describe('the smart order router against the simulator (PGlite, database job queue)', {
  timeout: 90_000,
}, () => {
  // A fresh simulator, database and engine per test: no test inherits another's orders or breakers.
  const f = useSimEngine(
    {
      // ~30 USDT per level at ~100 lots... one XBT lot is 0.001 BTC: about one lot per level.
      sim: { initialBalance: 100_000, symbols: [SYMBOL], bookShape: { levelNotional: 30 } },
      // Room for orders larger than the thin book; every test ends flat, at a small loss each time.
      settings: {
        [RISK_LIMITS_KEY]: {
          ...ROOMY_RISK_LIMITS,
          maxConsecutiveLosses: 1000,
          maxDailyLoss: '100000',
        },
      },
      jobs: true,
      // an answer waits for its done report however slow the machine (the writes are counted below);
      // no watchdog: its fill sync by time window every second would hide how the router's fills are asked for
      tuning: { answerMergeMs: 30_000, protectEveryMs: 3_600_000 },
      ...(process.env.ROUTER_LOG ? { logLevel: process.env.ROUTER_LOG } : {}),
    },
    { each: true },
  );
  const { accountId } = f;
  const settled = (id: string, ms = 30_000) => f.settled(id, ms);

  async function trade(
    source: string,
    cfg: StrategyConfig,
    alertFields: { execution?: ExecutionStyle } = {},
  ): Promise<{ signalId: string; status: string }> {
    await putSetting(f.db, strategyKey(source), cfg);
    const { signalId } = await f.alert({ action: 'buy', symbol: SYMBOL, ...alertFields }, source);
    const status = await settled(signalId, 60_000);
    const row = await getSignal(f.db, signalId);
    // 'protected' comes with the first fill; the algorithm may still be running: wait for its end.
    if (status === 'protected')
      await waitFor(
        async () => ((await getIntentBySignal(f.db, signalId))?.status === 'done' ? true : undefined),
        30_000,
      );
    return { signalId, status: status === 'protected' ? status : `${status}: ${row?.reason}` };
  }

  async function exchangeOrders(rows: OrderRow[]): Promise<Order[]> {
    const out: Order[] = [];
    for (const r of rows) {
      const o = await f.kucoin.trade.orderByClientOid(r.clientOid);
      if (o) out.push(o);
    }
    return out;
  }

  /** The position equals the sum of the entry fills, and the exchange agrees; its stop covers it. */
  async function expectPositionOf(entries: OrderRow[], before: number): Promise<number> {
    const filled = entries.reduce((n, r) => n + r.filledSize, 0);
    const pos = await getPosition(f.db, accountId(), SYMBOL);
    expect((pos?.qty ?? 0) - before).toBe(filled);
    const ex = (await f.kucoin.positions.positions('USDT')).find((p) => p.symbol === SYMBOL);
    expect(ex?.qty ?? 0).toBe(pos?.qty ?? 0);
    if (filled > 0) {
      const stops = await waitFor(async () => {
        const s = (await f.kucoin.trade.stopOrders({ symbol: SYMBOL })).items;
        return s.length === 1 && s[0]!.size === pos!.qty ? s : undefined;
      }, 10_000);
      expect(stops[0]).toMatchObject({ side: 'sell', reduceOnly: true });
    }
    return filled;
  }

  it('market with a budget: one IOC limit at the touch + budget; what the book lacks is reported, not chased', async () => {
    // Every write of an order row as PostgreSQL saw it: the done report must carry the quality itself.
    await f.db.execute('create table order_writes (n serial, order_id text, status text, shortfall numeric)');
    await f.db.execute(
      `create function log_order_write() returns trigger language plpgsql as $$ begin
        insert into order_writes (order_id, status, shortfall) values (new.id::text, new.status, new.shortfall);
        return new; end $$`,
    );
    await f.db.execute(
      'create trigger order_writes after update on orders for each row execute function log_order_write()',
    );
    const windowSyncs = async () =>
      Number(/enigma_engine_fill_syncs_total\{by="window"\} (\d+)/.exec(await register.metrics())?.[1] ?? 0);
    const windowBefore = await windowSyncs();
    // 0.3 bps of ~100k is ~30 USDT = 300 ticks… on a thin book that is far fewer lots than asked.
    const { signalId, status } = await trade('mkt', routedStrategy({ style: 'market', slippageBps: 3 }, 600));
    expect(status).toBe('protected');
    // the routed entry's fills were asked for by its order id, never by a window of the contract's fills
    expect(await windowSyncs()).toBe(windowBefore);
    const rows = (await ordersOfSignal(f.db, signalId)).filter((r) => r.purpose === 'entry');
    expect(rows).toHaveLength(1);
    const [row] = rows as [OrderRow];
    // an IOC that the book could not fill whole ends cancelled with its partial fill
    expect(row).toMatchObject({ type: 'limit', timeInForce: 'IOC', execStyle: 'market', status: 'canceled' });
    expect(row.filledSize).toBeGreaterThan(0);
    expect(row.filledSize).toBeLessThan(600);
    const [ex] = await exchangeOrders(rows);
    expect(ex).toMatchObject({ type: 'limit', timeInForce: 'IOC', size: 600 });
    // the limit is within the budget of the decision's touch, and every fill at or inside it
    const mid = Number(row.decisionMid);
    expect(Number(ex!.price)).toBeLessThanOrEqual(mid * (1 + 3 / 10_000) + 0.1);
    expect(Number(row.avgFillPrice)).toBeLessThanOrEqual(Number(ex!.price));
    // execution quality stored against the decision-time mid (recorded once the leg is done)
    const q = await waitFor(async () => {
      const r = (await ordersOfSignal(f.db, signalId)).find((o) => o.id === row.id);
      return r?.slippageBps != null ? r : undefined;
    }, 5_000);
    expect(Number(q.slippageBps)).toBeCloseTo(((Number(row.avgFillPrice) - mid) / mid) * 10_000, 3);
    expect(q.shortfall).not.toBeNull();
    // written with the done report, in the same write (not a second write after it)
    // (the id is the database's own uuid)
    const writes = rowsOf<{ status: string; shortfall: string | null }>(
      await f.db.execute(
        `select status, shortfall from order_writes where order_id = '${row.id}' order by n`,
      ),
    );
    const done = writes.findIndex((w) => w.status === 'canceled');
    // and the answer with it: an IOC's done report is its only write
    expect(done, JSON.stringify(writes)).toBe(0);
    expect(writes[done]!.shortfall, JSON.stringify(writes)).toBe(q.shortfall);
    expect(writes.slice(done + 1), JSON.stringify(writes)).toEqual([]);
    // served by the API exactly as stored (GET /api/orders and the signal detail use this schema)
    const served = toResponse(orderSchema, q as unknown as Record<string, unknown>);
    expect(served).toMatchObject({
      execStyle: 'market',
      decisionMid: q.decisionMid,
      slippageBps: q.slippageBps,
      shortfall: q.shortfall,
    });
    const filledFirst = await expectPositionOf(rows, 0);
    // the fills are counted by the engine's metrics (the engine here registers on prom-client's default registry)
    expect(await register.metrics()).toMatch(
      /enigma_engine_fills_total\{purpose="entry",liquidity="taker"\} [1-9]/,
    );
    // a scale-in on the same position reaches `protected` too (its stop is the resized one). From a
    // source of its own: the engine takes a changed strategy within about a second, so a new strategy
    // for 'mkt' written just before the alert could still find the first one (600 lots) in force.
    const more = await trade('mkt-more', routedStrategy({ style: 'market', slippageBps: 20 }, 2));
    expect(more.status).toBe('protected');
    const moreRows = (await ordersOfSignal(f.db, more.signalId)).filter((r) => r.purpose === 'entry');
    await expectPositionOf(moreRows, filledFirst);
    // the engine under its lease also runs the scheduled jobs (funding sync, daily report) on the queue
    await waitFor(async () => {
      const runs = await f.jobs.list(SCHEDULED_QUEUE, ['completed']);
      return runs.some((j) => j.name === FUNDING_SYNC_JOB) ? true : undefined;
    }, 10_000);
    // and its periodic reconciliation is a repeatable job too
    await waitFor(async () => {
      const runs = await f.jobs.list(ENGINE_QUEUE, ['completed']);
      return runs.some((j) => j.name === RECONCILE_JOB) ? true : undefined;
    }, 10_000);
  });

  it('TWAP: slices spaced as asked, each an IOC within the budget, durable jobs with derived clientOids', async () => {
    const before = (await getPosition(f.db, accountId(), SYMBOL))?.qty ?? 0;
    const startedAt = Date.now();
    const { signalId, status } = await trade(
      'twap',
      routedStrategy({ style: 'twap', slippageBps: 5, twap: { slices: 3, durationSeconds: 3 } }, 6),
    );
    expect(status).toBe('protected');
    const rows = (await waitFor(async () => {
      const r = (await ordersOfSignal(f.db, signalId)).filter((o) => o.purpose === 'entry');
      return r.length === 3 && r.every((o) => ['filled', 'canceled'].includes(o.status)) ? r : undefined;
    }, 20_000)) as OrderRow[];
    expect(rows.map((r) => r.size)).toEqual([2, 2, 2]);
    expect(rows[0]!.clientOid.startsWith('o')).toBe(true);
    expect(rows.slice(1).every((r) => r.clientOid.startsWith('a'))).toBe(true);
    expect(rows.every((r) => r.execStyle === 'twap' && r.timeInForce === 'IOC')).toBe(true);
    // spaced as asked: slice i never before the decision + i × 1 s
    const decidedAt = rows[0]!.createdAt.getTime();
    expect(decidedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
    for (const i of [1, 2])
      expect(rows[i]!.submittedAt!.getTime()).toBeGreaterThanOrEqual(decidedAt + i * 1_000 - 50);
    const ex = await exchangeOrders(rows);
    expect(ex).toHaveLength(3);
    // the slices after the first were carried by the job queue, once each
    for (const r of rows.slice(1))
      await waitFor(
        async () => ((await f.jobs.get(ROUTER_QUEUE, r.clientOid))?.state === 'completed' ? true : undefined),
        10_000,
      );
    const filled = await expectPositionOf(rows, before);
    expect(filled).toBeLessThanOrEqual(6);
  });

  it('limit chase: post-only at the passive touch, one live attempt at a time, then the taker fallback at its time limit', async () => {
    const before = (await getPosition(f.db, accountId(), SYMBOL))?.qty ?? 0;
    const { signalId, status } = await trade(
      'chase',
      routedStrategy(
        {
          style: 'limit_chase',
          slippageBps: 20,
          chase: { maxTicks: 10_000, maxSeconds: 2, repriceMs: 200, fallback: 'taker' },
        },
        3,
      ),
    );
    expect(status).toBe('protected');
    const rows = (await ordersOfSignal(f.db, signalId)).filter((o) => o.purpose === 'entry');
    const attempts = rows.filter((r) => r.timeInForce !== 'IOC');
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    const ex = await exchangeOrders(attempts);
    expect(ex.every((o) => o.postOnly && o.type === 'limit')).toBe(true);
    // never two live attempts: each ended before the next was sent
    for (let i = 1; i < attempts.length; i++)
      expect(attempts[i - 1]!.doneAt!.getTime()).toBeLessThanOrEqual(attempts[i]!.submittedAt!.getTime());
    // the chase stopped at its limit: nothing of it was sent after 2 s (+ one re-price step)
    const start = attempts[0]!.createdAt.getTime();
    for (const a of attempts) expect(a.submittedAt!.getTime()).toBeLessThanOrEqual(start + 2_000 + 400);
    const filledByChase = attempts.reduce((n, r) => n + r.filledSize, 0);
    const fallback = rows.filter((r) => r.timeInForce === 'IOC');
    if (filledByChase < 3) expect(fallback).toHaveLength(1);
    else expect(fallback).toHaveLength(0);
    if (fallback[0]) expect(fallback[0].size).toBe(3 - filledByChase);
    const filled = await expectPositionOf(rows, before);
    expect(filled).toBeLessThanOrEqual(3);
  });

  it("iceberg, named by the alert over the strategy's market style: a native iceberg within the budget, the rest cancelled at its time limit", async () => {
    const before = (await getPosition(f.db, accountId(), SYMBOL))?.qty ?? 0;
    const { signalId, status } = await trade(
      'ice',
      routedStrategy({ style: 'market', slippageBps: 5, iceberg: { visibleLots: 20, maxSeconds: 1 } }, 300),
      { execution: 'iceberg' },
    );
    expect(status).toBe('protected');
    const rows = (await ordersOfSignal(f.db, signalId)).filter((o) => o.purpose === 'entry');
    expect(rows).toHaveLength(1);
    const [ex] = await exchangeOrders(rows);
    expect(ex).toMatchObject({ iceberg: true, visibleSize: 20, type: 'limit', timeInForce: 'GTC' });
    expect(rows[0]!.filledSize).toBeGreaterThan(0);
    // what had not filled at the time limit was cancelled: nothing of it rests at the exchange
    const simOrder = [
      ...((f.sim.engine as unknown as { orders: Map<string, Record<string, unknown>> }).orders?.values() ??
        []),
    ].find((o) => o.clientOid === rows[0]!.clientOid);
    if (rows[0]!.filledSize < 300)
      expect(
        rows[0]!.status,
        JSON.stringify(simOrder, (_k, v) => (typeof v === 'object' && v && 'd' in v ? String(v) : v)),
      ).toBe('canceled');
    expect((await f.kucoin.trade.orderByClientOid(rows[0]!.clientOid))?.isActive).toBe(false);
    await expectPositionOf(rows, before);
  });

  it('the kill switch stops a running TWAP: no slice is sent after it, and what filled stays protected', async () => {
    const before = (await getPosition(f.db, accountId(), SYMBOL))?.qty ?? 0;
    await putSetting(
      f.db,
      strategyKey('twap-kill'),
      routedStrategy({ style: 'twap', twap: { slices: 4, durationSeconds: 8 } }, 4),
    );
    const { signalId } = await f.alert({ action: 'buy', symbol: SYMBOL }, 'twap-kill');
    await waitFor(async () => {
      const r = await ordersOfSignal(f.db, signalId);
      return r.some((o) => o.purpose === 'entry' && o.status === 'filled') ? true : undefined;
    }, 10_000);
    await putSetting(f.db, 'risk.kill_switch', { on: true, reason: 'drill' });
    await waitFor(async () => (f.running.engine.ctx.killSwitch().on ? true : undefined), 5_000);
    try {
      const st = await settled(signalId, 30_000).catch(async () => {
        const r = await getSignal(f.db, signalId);
        const o = await ordersOfSignal(f.db, signalId);
        return `stuck ${r?.status} ${r?.reason} ${JSON.stringify(o.map((x) => [x.purpose, x.status, x.clientOid]))}`;
      });
      expect(st).toBe('protected');
      await waitFor(
        async () => ((await getIntentBySignal(f.db, signalId))?.status === 'done' ? true : undefined),
        30_000,
      );
      const rows = (await ordersOfSignal(f.db, signalId)).filter((o) => o.purpose === 'entry');
      expect(rows.length).toBeLessThan(4);
      await expectPositionOf(rows, before);
    } finally {
      await putSetting(f.db, 'risk.kill_switch', { on: false, reason: null });
      await waitFor(async () => (f.running.engine.ctx.killSwitch().on ? undefined : true), 5_000);
    }
  });
});
