import { orderPreviewSchema } from '@enigma/core/api/responses';
import { saveAccountBalance } from '@enigma/db/repositories/balances';
import { setBreaker } from '@enigma/db/repositories/circuit-breakers';
import { upsertMarkSamples } from '@enigma/db/repositories/market-samples';
import { saveSelectedRiskLevel } from '@enigma/db/repositories/risk-limit-levels';
import { acquireLease, engineLeaseName, ensureAccount } from '@enigma/db/repositories/trading';
import { candles, positions } from '@enigma/db/schema/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let viewer: string;

/** A market buy of 10 lots at 10×, its stop 1,000 below a 60,000 last close: worst-case loss 10.714 USDT. */
const STOPPED_BUY = {
  symbol: 'XBTUSDTM',
  side: 'buy',
  orderType: 'market',
  size: 10,
  leverage: 10,
  stopLoss: '59000',
};

async function preview(body: unknown, token = viewer) {
  const res = await h.app.request('/api/orders/preview', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  h = await nodeHarness();
  await createUser(h.db, { email: 'viewer@x.test', password: 'viewer-password', role: 'viewer' });
  const res = await h.app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'viewer@x.test', password: 'viewer-password' }),
  });
  viewer = ((await res.json()) as { accessToken: string }).accessToken;
  // the engine trading the 'default' account holds its lease: the ticket trades that account
  const accountId = await ensureAccount(h.db, 'default', 'paper');
  await acquireLease(h.db, engineLeaseName(accountId), 'engine-default', 30_000, new Date(h.clock.now));
});
afterAll(() => h.close());

describe('POST /api/orders/preview', () => {
  it('previews a market order at the last 1m close, with the stored limits applied', async () => {
    await h.db.insert(candles).values({
      symbol: 'XBTUSDTM',
      timeframe: '1m',
      openTime: new Date(Date.UTC(2024, 4, 1, 12, 0)),
      open: '59900',
      high: '60100',
      low: '59800',
      close: '60000',
      volume: '10',
    });
    const r = await preview(STOPPED_BUY);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      price: '60000',
      priceSource: 'last_candle',
      notional: '600',
      margin: '60',
      liquidationPrice: '54279.6', // core's preview test shows the sum
      stopDistance: '1000',
      worstCaseLoss: '10.714',
      // no level selected on the contract is stored yet: the one the order's value falls in, said so
      riskLevel: expect.objectContaining({
        level: 1,
        maintainMargin: '0.004',
        basis: 'order_value',
        readAt: null,
      }),
      allowed: true,
    });
    expect(orderPreviewSchema.safeParse(r.json).success).toBe(true);
  });

  it('names the checks that would block, and refuses bad input in place', async () => {
    const r = await preview({
      symbol: 'XBTUSDTM',
      side: 'sell',
      orderType: 'limit',
      price: '60000',
      size: 1,
      leverage: 10,
      stopLoss: '59000',
    });
    expect(r.json['allowed']).toBe(false);
    expect(r.json['checks']).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'stop_side', ok: false, blocking: true })]),
    );
    expect((await preview({ symbol: 'XBTUSDTM', side: 'buy', orderType: 'limit', size: 1 })).status).toBe(
      422,
    );
    expect((await preview({ symbol: 'NOPEUSDTM', side: 'buy', orderType: 'market', size: 1 })).status).toBe(
      422,
    );
    expect(
      (await preview({ symbol: 'XBTUSDTM', side: 'buy', orderType: 'market', size: 1 }, 'x')).status,
    ).toBe(401);
  });

  it('takes the order ticket of POST /api/orders (one schema): a stop market at its stop price, post-only as maker, errors naming the field', async () => {
    const stop = await preview({
      symbol: 'XBTUSDTM',
      side: 'buy',
      orderType: 'stop_market',
      size: 10,
      stopPrice: '61000',
      leverage: 10,
      marginMode: 'cross',
    });
    expect(stop.status).toBe(200);
    expect(stop.json).toMatchObject({
      price: '61000',
      priceSource: 'stop',
      notional: '610',
      liquidationPrice: null,
    });
    const taker = await preview({
      symbol: 'XBTUSDTM',
      side: 'buy',
      orderType: 'limit',
      price: '60000',
      size: 10,
    });
    const maker = await preview({
      symbol: 'XBTUSDTM',
      side: 'buy',
      orderType: 'limit',
      price: '60000',
      size: 10,
      postOnly: true,
    });
    expect(Number(maker.json['fees'])).toBeLessThan(Number(taker.json['fees']));
    const paths = (r: { json: Record<string, unknown> }) =>
      ((r.json['error'] as { details: { issues: { path: string }[] } }).details.issues ?? []).map(
        (i) => i.path,
      );
    for (const [body, field] of [
      [{ orderType: 'stop_limit', stopPrice: '61000' }, 'price'],
      [{ orderType: 'stop_market' }, 'stopPrice'],
      [{ orderType: 'market', postOnly: true }, 'postOnly'],
      [{ orderType: 'limit', price: '60000', execution: 'twap' }, 'execution'],
    ] as const) {
      const r = await preview({ symbol: 'XBTUSDTM', side: 'buy', size: 1, ...body });
      expect(r.status, field).toBe(422);
      expect(paths(r)).toContain(field);
    }
  });

  it("checks risk per trade against the engine's stored balance while it is fresh, never against an old one", async () => {
    const riskCheck = async () => {
      const r = await preview(STOPPED_BUY);
      expect(r.status).toBe(200);
      const checks = r.json['checks'] as { code: string; ok: boolean; message: string }[];
      return { allowed: r.json['allowed'], check: checks.find((c) => c.code === 'risk_per_trade') };
    };
    // no balance stored yet
    expect((await riskCheck()).check).toMatchObject({
      ok: false,
      message: expect.stringContaining('unknown'),
    });
    const accountId = await ensureAccount(h.db, 'default', 'paper');
    const at = (msAgo: number) => new Date(h.clock.now - msAgo);
    // 1 % (the default limit) of 1,000 USDT is 10.00: the 10.714 loss is over it
    await saveAccountBalance(h.db, {
      accountId,
      currency: 'USDT',
      equity: '1000',
      available: '900',
      at: at(5_000),
    });
    // an answer older than the stored one changes nothing
    await saveAccountBalance(h.db, {
      accountId,
      currency: 'USDT',
      equity: '5000',
      available: '5000',
      at: at(9_000),
    });
    expect(await riskCheck()).toEqual({
      allowed: false,
      check: expect.objectContaining({ ok: false, message: expect.stringContaining('(10.00 USDT)') }),
    });
    await saveAccountBalance(h.db, {
      accountId,
      currency: 'USDT',
      equity: '2000',
      available: '1900',
      at: at(1_000),
    });
    expect(await riskCheck()).toEqual({
      allowed: true,
      check: expect.objectContaining({ ok: true, message: expect.stringContaining('(20.00 USDT)') }),
    });
    // 31 s later the stored balance is too old to be the account's equity
    h.clock.now += 30_000;
    try {
      expect((await riskCheck()).check).toMatchObject({
        ok: false,
        message: expect.stringContaining('unknown'),
      });
    } finally {
      h.clock.now -= 30_000;
    }
  });

  it('blocks a new position while a breaker is tripped, as the engine would; a reduce-only order passes; a pause past its cooldown does not block', async () => {
    const breakerCheck = async (body: Record<string, unknown>) => {
      const r = await preview(body);
      expect(r.status).toBe(200);
      const checks = r.json['checks'] as { code: string; ok: boolean }[];
      return { allowed: r.json['allowed'], breaker: checks.find((c) => c.code === 'breaker') };
    };
    const now = h.clock.now;
    await setBreaker(h.db, 'consecutive_losses', {
      state: 'reduce_only',
      reason: '5 losing trades in a row',
      resumeAt: new Date(now + 60_000),
      now: new Date(now),
    });
    try {
      expect(await breakerCheck(STOPPED_BUY)).toEqual({
        allowed: false,
        breaker: expect.objectContaining({ ok: false }),
      });
      expect(
        (await breakerCheck({ ...STOPPED_BUY, side: 'sell', reduceOnly: true, stopLoss: undefined })).breaker,
      ).toMatchObject({ ok: true });
      h.clock.now += 61_000;
      expect((await breakerCheck(STOPPED_BUY)).breaker).toBeUndefined();
    } finally {
      h.clock.now = now;
      await setBreaker(h.db, 'consecutive_losses', { state: 'active', now: new Date(now) });
    }
  });

  it("estimates an isolated order at the level the engine stored as selected on the contract; without one, or read in cross, at the value's level, saying which", async () => {
    const accountId = await ensureAccount(h.db, 'default', 'paper');
    const at = new Date(h.clock.now - 60_000);
    // the engine read level 7 (5 %) on XBTUSDTM; the 600 USDT order falls in level 1 (0.4 %)
    await saveSelectedRiskLevel(h.db, {
      accountId,
      symbol: 'XBTUSDTM',
      level: 7,
      maintainMargin: '0.05',
      maxNotional: '8000000',
      at,
    });
    const r = await preview(STOPPED_BUY);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      liquidationPrice: '57039.6', // not level 1's 54279.6 (core's preview test shows the sum)
      riskLevel: {
        level: 7,
        maintainMargin: '0.05',
        maxNotional: '8000000',
        maxLeverage: 10,
        basis: 'selected',
        readAt: at.toISOString(),
        message: expect.stringContaining('risk-limit level 7 selected on XBTUSDTM'),
      },
    });
    // another contract has no stored level: its own value's level
    const eth = await preview({
      ...STOPPED_BUY,
      symbol: 'ETHUSDTM',
      orderType: 'limit',
      price: '3000',
      stopLoss: '2950',
    });
    expect(eth.json['riskLevel']).toMatchObject({ basis: 'order_value' });
    // read in cross margin later: no isolated level is known any more
    await saveSelectedRiskLevel(h.db, {
      accountId,
      symbol: 'XBTUSDTM',
      level: null,
      maintainMargin: null,
      maxNotional: null,
      at: new Date(h.clock.now),
    });
    const after = await preview(STOPPED_BUY);
    expect(after.json).toMatchObject({
      liquidationPrice: '54279.6',
      riskLevel: {
        level: 1,
        basis: 'order_value',
        message: expect.stringMatching(/^no risk-limit level selected/),
      },
    });
  });
  it("values the position after an isolated order at the higher of its price and the collector's newest mark, as the engine's check", async () => {
    const accountId = await ensureAccount(h.db, 'default', 'paper');
    // the selected level allows 600 USDT; a 10-lot buy limit at 59,000 is 590 USDT, 610 at a 61,000 mark
    await saveSelectedRiskLevel(h.db, {
      accountId,
      symbol: 'XBTUSDTM',
      level: 1,
      maintainMargin: '0.004',
      maxNotional: '600',
      at: new Date(h.clock.now),
    });
    const belowMark = { ...STOPPED_BUY, orderType: 'limit', price: '59000', stopLoss: '58000' };
    const riskLimit = async () => {
      const r = await preview(belowMark);
      expect(r.status).toBe(200);
      return (r.json['checks'] as { code: string; ok: boolean; message: string }[]).find(
        (c) => c.code === 'risk_limit',
      );
    };
    // no mark sampled yet: valued at the price, said so
    expect(await riskLimit()).toMatchObject({ ok: true, message: expect.stringContaining('no recent mark') });
    await upsertMarkSamples(h.db, [
      { symbol: 'XBTUSDTM', ts: new Date(h.clock.now - 200_000), markPrice: '58000' },
      { symbol: 'XBTUSDTM', ts: new Date(h.clock.now - 30_000), markPrice: '61000' },
    ]);
    expect(await riskLimit()).toMatchObject({
      ok: false,
      message: expect.stringContaining('610.00 USDT (at the mark 61000.0'),
    });
    // 2 min later the sample is too old to be the mark: the price again
    h.clock.now += 100_000;
    try {
      expect(await riskLimit()).toMatchObject({ ok: true });
    } finally {
      h.clock.now -= 100_000;
    }
  });
  it("holds a limit to the engine's price collar around the collector's newest mark; without one, says it is not checked", async () => {
    // exploratory QA: a buy limit 3.3 % above the mark previewed "every risk check passes", and the
    // engine refused it with price_collar (default limit: 2 %)
    const limit = {
      symbol: 'ETHUSDTM',
      side: 'buy',
      orderType: 'limit',
      size: 1,
      leverage: 5,
      price: '3100',
    };
    const collarOf = async (body: unknown) => {
      const r = await preview(body);
      expect(r.status).toBe(200);
      const checks = r.json['checks'] as { code: string; ok: boolean; blocking: boolean; message: string }[];
      return { allowed: r.json['allowed'], collar: checks.find((c) => c.code === 'price_collar') };
    };
    expect(await collarOf(limit)).toMatchObject({
      collar: { ok: false, blocking: false, message: expect.stringContaining('not checked') },
    });
    await upsertMarkSamples(h.db, [
      { symbol: 'ETHUSDTM', ts: new Date(h.clock.now - 30_000), markPrice: '3000' },
    ]);
    expect(await collarOf(limit)).toEqual({
      allowed: false,
      collar: {
        code: 'price_collar',
        ok: false,
        blocking: true,
        message: 'price 3100.00 is 3.333 % from mark 3000.00 (limit 2 %)',
      },
    });
    expect(await collarOf({ ...limit, price: '3050' })).toMatchObject({
      collar: { ok: true, blocking: true },
    });
    // as the engine: a reduce-only order is not held to it; a market order's touch is the engine's to judge
    expect((await collarOf({ ...limit, reduceOnly: true })).collar).toBeUndefined();
    const market = { ...limit, orderType: 'market', price: undefined };
    await h.db.insert(candles).values({
      symbol: 'ETHUSDTM',
      timeframe: '1m',
      openTime: new Date(h.clock.now - 60_000),
      open: '3100',
      high: '3100',
      low: '3100',
      close: '3100',
      volume: '1',
    });
    expect((await collarOf(market)).collar).toBeUndefined();
  });
  it("reads the level, balance and position of the account the engine trades (its lease's), never another account's newer rows", async () => {
    const mine = await ensureAccount(h.db, 'default', 'paper');
    const other = await ensureAccount(h.db, 'other', 'paper');
    const later = new Date(h.clock.now + 5_000);
    await saveSelectedRiskLevel(h.db, {
      accountId: mine,
      symbol: 'XBTUSDTM',
      level: 1,
      maintainMargin: '0.004',
      maxNotional: '100000',
      at: new Date(h.clock.now),
    });
    // another account (no engine trades it now: its lease is older) read level 7 later
    await acquireLease(h.db, engineLeaseName(other), 'engine-other', 30_000, new Date(h.clock.now - 60_000));
    await saveSelectedRiskLevel(h.db, {
      accountId: other,
      symbol: 'XBTUSDTM',
      level: 7,
      maintainMargin: '0.05',
      maxNotional: '8000000',
      at: later,
    });
    const levelOf = async () => ((await preview(STOPPED_BUY)).json['riskLevel'] as { level: number }).level;
    expect(await levelOf()).toBe(1);
    // its balance (1 % of 1,000,000) and its 2,000-lot position (a cross buy of 10 would make 120,600 USDT,
    // level 2) are not the traded account's either: 1 % of 1,000 equity, level 1
    await saveAccountBalance(h.db, {
      accountId: mine,
      currency: 'USDT',
      equity: '1000',
      available: '900',
      at: new Date(h.clock.now - 500),
    });
    await saveAccountBalance(h.db, {
      accountId: other,
      currency: 'USDT',
      equity: '1000000',
      available: '1000000',
      at: new Date(h.clock.now - 250),
    });
    await h.db.insert(positions).values({ accountId: other, symbol: 'XBTUSDTM', qty: 2000 });
    const cross = await preview({ ...STOPPED_BUY, marginMode: 'cross' });
    expect(cross.json['riskLevel']).toMatchObject({ level: 1 });
    expect(cross.json['checks']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'risk_per_trade', message: expect.stringContaining('(10.00 USDT)') }),
      ]),
    );
    // the other account's engine takes over (its lease renewed last): the ticket now trades that account
    await acquireLease(h.db, engineLeaseName(other), 'engine-other', 30_000, later);
    try {
      expect(await levelOf()).toBe(7);
    } finally {
      await acquireLease(
        h.db,
        engineLeaseName(mine),
        'engine-default',
        30_000,
        new Date(later.getTime() + 1),
      );
    }
    expect(await levelOf()).toBe(1);
  });
});
