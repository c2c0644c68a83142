import { toMoney } from '@enigma/core/money';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Endpoint } from '../exchange/kucoin/endpoints.ts';
import * as endpoints from '../exchange/kucoin/endpoints.ts';
import { interpret, KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { kucoinMetrics } from '../exchange/kucoin/metrics.ts';
import type { RequestSpec } from '../exchange/kucoin/request.ts';
import * as s from '../exchange/kucoin/schemas.ts';
import { ManualClock } from './clock.ts';
import type { RunningSimulator } from './server.ts';
import { startTestSimulator } from './test-helpers.ts';

/**
 * One description of KuCoin's wire for both sides: every endpoint the client uses (each factory of
 * exchange/kucoin/endpoints.ts) is answered by the simulator with data the client's own parser — its zod
 * schemas in exchange/kucoin/schemas.ts — accepts; the endpoints the simulator serves beyond the client
 * parse with the schemas added for them. Lists are checked non-empty, so their items are read too.
 */

// 03:59:58 UTC: the 04:00 funding settlement of every contract falls inside the test.
const T0 = Date.UTC(2025, 0, 1, 3, 59, 58);

describe('the simulator answers in the client’s wire format', { timeout: 120_000 }, () => {
  let sim: RunningSimulator;
  let http: KucoinHttpClient;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    sim = await startTestSimulator({ clock, tickMs: 250, warmupMinutes: 30 });
    http = new KucoinHttpClient({
      baseUrl: sim.url,
      credential: {
        apiKey: sim.credentials.key,
        apiSecret: sim.credentials.secret,
        passphrase: sim.credentials.passphrase,
        keyVersion: '2',
      },
      metrics: kucoinMetrics(new Registry()),
    });
  });
  afterAll(async () => {
    await http?.close();
    await sim?.close();
  });

  /** Send once (no retries, no look-ups), take `data` off the envelope, hand it to the parser. */
  const raw = async (spec: RequestSpec): Promise<unknown> =>
    interpret(await http.send(http.buildRequest(spec)));
  const called = new Set<string>();
  const check = async <T>(name: string, ep: Endpoint<T>): Promise<T> => {
    called.add(name);
    const data = await raw(ep.spec);
    try {
      return ep.parse(data);
    } catch (error) {
      throw new Error(
        `${name} (${ep.spec.method} ${ep.spec.path}): ${String(error)}\n${JSON.stringify(data)}`,
      );
    }
  };
  const { market, trade, positions, account } = endpoints;
  const step = () => sim.advance(250);

  it('every endpoint the client uses parses with the client’s schemas', async () => {
    const X = 'XBTUSDTM';
    const E = 'ETHUSDTM';
    expect(await check('market.serverTime', market.serverTime())).toBe(T0);
    await check('market.serverStatus', market.serverStatus());
    expect((await check('market.contracts', market.contracts())).length).toBe(3);
    await check('market.contract', market.contract(X));
    const ticker = await check('market.ticker', market.ticker(X));
    for (const depth of ['full', 20, 100] as const)
      expect((await check('market.orderBook', market.orderBook(X, depth))).bids.length).toBeGreaterThan(0);
    expect((await check('market.klines', market.klines(X, 1))).length).toBeGreaterThan(0);
    await check('market.fundingRate', market.fundingRate(X));
    expect(
      (await check('market.fundingRateHistory', market.fundingRateHistory(X, T0 - 86_400_000, T0))).length,
    ).toBeGreaterThan(0);
    expect((await check('market.riskLimits', market.riskLimits(X))).length).toBeGreaterThan(1);
    await check('market.publicToken', market.publicToken());
    await check('market.privateToken', market.privateToken());

    // A long on XBT (held over the 04:00 funding), a rested order, a stop, a TP/SL order, a batch.
    const far = ticker.bestBid.mul(0.97).toDecimalPlaces(1);
    await check(
      'trade.testOrder',
      trade.testOrder({ clientOid: 'w-test', symbol: X, side: 'buy', type: 'market', size: 1, leverage: 5 }),
    );
    await check(
      'trade.placeOrder',
      trade.placeOrder({ clientOid: 'w-long', symbol: X, side: 'buy', type: 'market', size: 3, leverage: 5 }),
    );
    const rest = await check(
      'trade.placeOrders',
      trade.placeOrders([
        { clientOid: 'w-rest', symbol: X, side: 'buy', type: 'limit', price: far, size: 1, leverage: 5 },
        { clientOid: 'w-rest2', symbol: X, side: 'buy', type: 'limit', price: far, size: 1, leverage: 5 },
      ]),
    );
    await check(
      'trade.placeTpSlOrder',
      trade.placeTpSlOrder({
        clientOid: 'w-tpsl',
        symbol: E,
        side: 'buy',
        type: 'market',
        size: 1,
        leverage: 5,
        upTriggerPrice: toMoney(9_999),
        downTriggerPrice: toMoney(100),
        stopPriceType: 'MP',
      }),
    );
    step();
    expect((await check('trade.stopOrders', trade.stopOrders({ symbol: E }))).items.length).toBe(2);
    const restId = rest[0]!.orderId!;
    expect((await check('trade.order', trade.order(restId))).status).toBe('open');
    expect((await check('trade.orderByClientOid', trade.orderByClientOid('w-rest')))?.id).toBe(restId);
    expect((await check('trade.orders', trade.orders({ status: 'active' }))).items.length).toBe(2);
    expect(await check('trade.cancelOrder', trade.cancelOrder(restId))).toEqual([restId]);
    expect(await check('trade.cancelOrderByClientOid', trade.cancelOrderByClientOid('w-rest2', X))).toBe(
      'w-rest2',
    );
    await check(
      'trade.placeOrder',
      trade.placeOrder({
        clientOid: 'w-rest3',
        symbol: X,
        side: 'buy',
        type: 'limit',
        price: far,
        size: 1,
        leverage: 5,
      }),
    );
    step();
    expect((await check('trade.cancelAllOrders', trade.cancelAllOrders(X))).length).toBe(1);
    expect((await check('trade.cancelAllStopOrders', trade.cancelAllStopOrders(E))).length).toBe(2);

    // Settle funding at 04:00, then close the ETH long: position history, fills, done orders.
    sim.advance(3_000);
    await check(
      'trade.placeOrder',
      trade.placeOrder({ clientOid: 'w-close', symbol: E, side: 'sell', type: 'market', closeOrder: true }),
    );
    step();
    expect((await check('market.trades', market.trades(X))).length).toBeGreaterThan(0);
    expect((await check('trade.recentDoneOrders', trade.recentDoneOrders())).length).toBeGreaterThan(0);
    expect((await check('trade.orders', trade.orders({ status: 'done' }))).items.length).toBeGreaterThan(0);
    expect((await check('trade.fills', trade.fills())).items.length).toBeGreaterThan(0);
    expect((await check('trade.recentFills', trade.recentFills())).length).toBeGreaterThan(0);

    expect((await check('positions.position', positions.position(X))).qty).toBe(3);
    expect((await check('positions.positions', positions.positions('USDT'))).length).toBe(1);
    expect((await check('positions.history', positions.history())).items.length).toBe(1);
    await check('positions.marginMode', positions.marginMode(E));
    await check('positions.changeMarginMode', positions.changeMarginMode(E, 'CROSS'));
    await check('positions.crossLeverage', positions.crossLeverage(E));
    await check('positions.changeCrossLeverage', positions.changeCrossLeverage(E, toMoney(3)));
    await check('positions.changeRiskLimitLevel', positions.changeRiskLimitLevel('SOLUSDTM', 2));
    await check('account.overview', account.overview('USDT'));
    expect((await check('account.fundingHistory', account.fundingHistory({ symbol: X }))).items.length).toBe(
      1,
    );

    // Every factory the client has was called.
    const all = Object.entries({ market, trade, positions, account }).flatMap(([group, fns]) =>
      Object.keys(fns).map((k) => `${group}.${k}`),
    );
    expect([...called].sort()).toEqual(all.sort());
  });

  it('the endpoints the simulator serves beyond the client parse with the schemas added for them', async () => {
    const X = 'XBTUSDTM';
    const req = (method: RequestSpec['method'], path: string, query?: RequestSpec['query'], body?: unknown) =>
      raw({ method, path, query, body, private: true, weight: 1 });
    const parse = (schema: z.ZodType, data: unknown) => {
      const r = schema.safeParse(data);
      expect(r.error, JSON.stringify(data)).toBeUndefined();
      return r.data;
    };
    parse(s.allTickers.min(3), await req('GET', '/api/v1/allTickers'));
    parse(s.markPrice, await req('GET', `/api/v1/mark-price/${X}/current`));
    for (const kind of ['index', 'interest', 'premium'])
      parse(s.hasMore(s.indexPoint), await req('GET', `/api/v1/${kind}/query`, { symbol: '.KXBTUSDT' }));
    parse(s.tradeStatistics, await req('GET', '/api/v1/trade-statistics'));
    parse(
      s.maxOpenSize,
      await req('GET', '/api/v2/getMaxOpenSize', { symbol: X, price: '90000', leverage: 5 }),
    );
    parse(
      s.crossOrderLimit.array().min(2),
      await req('GET', '/api/v2/batchGetCrossOrderLimit', { symbol: `${X},ETHUSDTM` }),
    );
    parse(
      s.batchMarginModeResult,
      await req('POST', '/api/v2/position/batchChangeMarginMode', undefined, {
        marginMode: 'ISOLATED',
        symbols: ['SOLUSDTM'],
      }),
    );
    parse(
      s.position,
      await req('POST', '/api/v1/position/margin/deposit-margin', undefined, {
        symbol: X,
        margin: 10,
        bizNo: 'w-1',
      }),
    );
    parse(s.marginAmount, await req('GET', '/api/v1/margin/maxWithdrawMargin', { symbol: X }));
    parse(
      s.marginAmount,
      await req('POST', '/api/v1/margin/withdrawMargin', undefined, { symbol: X, withdrawAmount: '1' }),
    );
    parse(
      z.literal(true),
      await req('POST', '/api/v1/position/margin/auto-deposit-status', undefined, {
        symbol: X,
        status: false,
      }),
    );
    parse(s.hasMore(s.ledgerEntry), await req('GET', '/api/v1/transaction-history'));
    parse(s.openOrderStatistics, await req('GET', '/api/v1/openOrderStatistics', { symbol: X }));
    parse(s.tradeFee, await req('GET', '/api/v1/trade-fees', { symbols: X, symbol: X }));
    parse(
      s.multiCancelItem.array().length(1),
      await req('DELETE', '/api/v1/orders/multi-cancel', undefined, { orderIdsList: ['1'] }),
    );
  });
});
