import { toMoney } from '@enigma/core/money';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../sim/server.ts';
import { startTestSimulator, waitFor } from '../../sim/test-helpers.ts';
import { InvalidOrderError, OrderNotFoundError } from './errors.ts';
import { KucoinHttpClient } from './http.ts';
import { kucoinMetrics } from './metrics.ts';
import { KucoinWs } from './ws.ts';
import { subscribe, subscribeBook } from './ws-topics.ts';

// Our client against the KuCoin-compatible simulator, over the real wire protocol. Some tests wait up
// to 30 s for each of several conditions, so the per-test budget covers the sum of their waits.
describe('KuCoin client against the simulator', { timeout: 120_000 }, () => {
  let sim: RunningSimulator;
  let http: KucoinHttpClient;
  const sockets: KucoinWs[] = [];
  const metrics = kucoinMetrics(new Registry());
  beforeAll(async () => {
    sim = await startTestSimulator();
    http = new KucoinHttpClient({
      baseUrl: sim.url,
      credential: {
        apiKey: sim.credentials.key,
        apiSecret: sim.credentials.secret,
        passphrase: sim.credentials.passphrase,
        keyVersion: '2',
      },
      metrics,
    });
  });
  afterAll(async () => {
    for (const s of sockets) await s.close();
    await http?.close();
    await sim?.close();
  });

  it('syncs time and reads market data', async () => {
    await http.syncTime();
    expect(Math.abs(http.timeOffsetMs)).toBeLessThan(5000);
    const contracts = await http.market.contracts();
    const xbt = contracts.find((c) => c.symbol === 'XBTUSDTM')!;
    expect(xbt.multiplier.toFixed()).toBe('0.001');
    const ticker = await http.market.ticker('XBTUSDTM');
    expect(ticker.bestAsk.gt(ticker.bestBid)).toBe(true);
    const book = await http.market.orderBook('XBTUSDTM');
    expect(book.bids.length).toBeGreaterThan(0);
    expect((await http.market.orderBook('XBTUSDTM', 20)).bids.length).toBeLessThanOrEqual(20);
    expect((await http.market.klines('XBTUSDTM', 5)).length).toBeGreaterThan(0);
    expect((await http.market.fundingRate('XBTUSDTM')).symbol).toBe('XBTUSDTM');
    expect((await http.market.serverStatus()).status).toBe('open');
    expect((await http.market.riskLimits('XBTUSDTM')).length).toBeGreaterThan(0);
  });

  it('places, finds, lists and cancels a limit order', async () => {
    const ticker = await http.market.ticker('XBTUSDTM');
    const price = ticker.bestBid.mul(0.9).toDecimalPlaces(1);
    const ack = await http.trade.placeOrder({
      clientOid: `e2e-${Date.now()}`,
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price,
      size: 1,
      leverage: 5,
      postOnly: true,
    });
    const order = await http.trade.order(ack.orderId);
    expect(order.status).toBe('open');
    expect(order.price?.eq(price)).toBe(true);
    const byOid = await http.trade.orderByClientOid(ack.clientOid!);
    expect(byOid?.id).toBe(ack.orderId);
    const active = await http.trade.orders({ status: 'active', symbol: 'XBTUSDTM' });
    expect(active.items.map((o) => o.id)).toContain(ack.orderId);
    expect(await http.trade.cancelOrder(ack.orderId)).toEqual([ack.orderId]);
    await expect(http.trade.cancelOrder(ack.orderId)).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('opens and closes a position with market orders and sees fills and the account', async () => {
    const oid = `e2e-m-${Date.now()}`;
    await http.trade.placeOrder({
      clientOid: oid,
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
      leverage: 3,
    });
    const pos = await waitFor(async () => {
      const p = await http.positions.position('XBTUSDTM');
      return p.qty === 2 ? p : undefined;
    }, 30_000);
    expect(pos.isOpen).toBe(true);
    const fills = await http.trade.fills({ symbol: 'XBTUSDTM' });
    expect(fills.items.length).toBeGreaterThan(0);
    await http.trade.placeOrder({
      clientOid: `${oid}-close`,
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'market',
      size: 2,
      reduceOnly: true,
    });
    await waitFor(
      async () => ((await http.positions.position('XBTUSDTM')).qty === 0 ? true : undefined),
      30_000,
    );
    const overview = await http.account.overview('USDT');
    expect(overview.accountEquity.gt(0)).toBe(true);
  });

  it('maps a rejected order to a typed error', async () => {
    await expect(
      http.trade.placeOrder({
        clientOid: `e2e-bad-${Date.now()}`,
        symbol: 'XBTUSDTM',
        side: 'buy',
        type: 'limit',
        price: toMoney('0.05'), // off XBTUSDTM's 0.1 tick
        size: 1,
        leverage: 5,
      }),
    ).rejects.toBeInstanceOf(InvalidOrderError);
  });

  it('streams tickers and keeps a level-2 book in sync over the public WebSocket', async () => {
    const ws = new KucoinWs({ getToken: () => http.market.publicToken(), metrics });
    sockets.push(ws);
    await ws.start();
    const tickers: unknown[] = [];
    await subscribe.tickerV2(ws, 'XBTUSDTM', (t) => tickers.push(t));
    const sync = await subscribeBook(ws, {
      symbol: 'XBTUSDTM',
      priceDecimals: 1,
      fetchSnapshot: () => http.market.orderBook('XBTUSDTM'),
      metrics,
    });
    await waitFor(() => tickers.length > 0 || undefined, 30_000);
    await waitFor(() => (sync.synced && sync.book.sequence > 0) || undefined, 30_000);
    const before = sync.book.sequence;
    await waitFor(() => sync.book.sequence > before || undefined, 30_000);
    expect(sync.book.isCrossed()).toBe(false);
    expect(sync.book.bestBid()).not.toBeNull();
  });

  it('receives private order events', async () => {
    const ws = new KucoinWs({ getToken: () => http.market.privateToken(), privateChannel: true, metrics });
    sockets.push(ws);
    await ws.start();
    const events: string[] = [];
    await subscribe.orders(ws, (o) => events.push(`${o.clientOid}:${o.type}`));
    const ticker = await http.market.ticker('XBTUSDTM');
    const clientOid = `e2e-ws-${Date.now()}`;
    const ack = await http.trade.placeOrder({
      clientOid,
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price: ticker.bestBid.mul(0.9).toDecimalPlaces(1),
      size: 1,
      leverage: 5,
    });
    // The answer comes before matching; the order is in the book once `open` is pushed.
    await waitFor(() => events.includes(`${clientOid}:open`) || undefined, 30_000);
    await http.trade.cancelOrder(ack.orderId);
    await waitFor(() => events.includes(`${clientOid}:canceled`) || undefined, 30_000);
  });

  it('receives the outcome of a risk-limit level change (position.adjustRiskLimit) for the contract subscribed', async () => {
    const ws = new KucoinWs({ getToken: () => http.market.privateToken(), privateChannel: true, metrics });
    sockets.push(ws);
    await ws.start();
    const got: unknown[] = [];
    await subscribe.riskLimit(ws, 'SOLUSDTM', (e) => got.push(e));
    expect(await http.positions.changeRiskLimitLevel('SOLUSDTM', 2)).toBe(true);
    // another contract's change is not this subscription's
    expect(await http.positions.changeRiskLimitLevel('ETHUSDTM', 2)).toBe(true);
    expect(await http.positions.changeRiskLimitLevel('SOLUSDTM', 1)).toBe(true);
    await waitFor(() => got.length === 2 || undefined, 10_000);
    expect(got).toEqual([
      { symbol: 'SOLUSDTM', success: true, riskLimitLevel: 2, msg: '' },
      { symbol: 'SOLUSDTM', success: true, riskLimitLevel: 1, msg: '' },
    ]);
    expect(await http.positions.changeRiskLimitLevel('ETHUSDTM', 1)).toBe(true);
  });

  it('covers the remaining trading, position and account operations', async () => {
    const t = Date.now();
    const ticker = await http.market.ticker('ETHUSDTM');
    const far = ticker.bestBid.mul(0.8).toDecimalPlaces(2);
    const batch = await http.trade.placeOrders([
      {
        clientOid: `e2e-b1-${t}`,
        symbol: 'ETHUSDTM',
        side: 'buy',
        type: 'limit',
        price: far,
        size: 1,
        leverage: 2,
      },
      {
        clientOid: `e2e-b2-${t}`,
        symbol: 'ETHUSDTM',
        side: 'buy',
        type: 'limit',
        price: far,
        size: 1,
        leverage: 2,
      },
    ]);
    expect(batch.map((b) => b.code)).toEqual(['200000', '200000']);
    expect(await http.trade.cancelOrderByClientOid(`e2e-b1-${t}`, 'ETHUSDTM')).toBe(`e2e-b1-${t}`);
    expect((await http.trade.cancelAllOrders('ETHUSDTM')).length).toBeGreaterThan(0);

    const stop = await http.trade.placeOrder({
      clientOid: `e2e-s-${t}`,
      symbol: 'ETHUSDTM',
      side: 'sell',
      type: 'market',
      size: 1,
      leverage: 2,
      stop: { direction: 'down', price: far, priceType: 'MP' },
    });
    const stops = await http.trade.stopOrders({ symbol: 'ETHUSDTM' });
    expect(stops.items.map((o) => o.id)).toContain(stop.orderId);
    expect(await http.trade.cancelAllStopOrders('ETHUSDTM')).toContain(stop.orderId);

    const tpsl = await http.trade.placeTpSlOrder({
      clientOid: `e2e-t-${t}`,
      symbol: 'ETHUSDTM',
      side: 'buy',
      type: 'market',
      size: 1,
      leverage: 2,
      upTriggerPrice: ticker.bestAsk.mul(1.2).toDecimalPlaces(2),
      downTriggerPrice: far,
      stopPriceType: 'MP',
    });
    expect(tpsl.clientOid).toBe(`e2e-t-${t}`);
    // the market order opened a long, and its take-profit and stop-loss wait as reduce-only sell stops
    const up = ticker.bestAsk.mul(1.2).toDecimalPlaces(2);
    const attached = (await http.trade.stopOrders({ symbol: 'ETHUSDTM' })).items
      .filter((o) => o.clientOid?.startsWith(`e2e-t-${t}`))
      .map((o) => [
        o.clientOid,
        o.side,
        o.stop,
        o.stopPrice?.toFixed(),
        o.stopPriceType,
        o.size,
        o.reduceOnly,
      ])
      .sort();
    expect(attached).toEqual([
      [`e2e-t-${t}-sl`, 'sell', 'down', far.toFixed(), 'MP', 1, true],
      [`e2e-t-${t}-tp`, 'sell', 'up', up.toFixed(), 'MP', 1, true],
    ]);
    await waitFor(
      async () => ((await http.positions.position('ETHUSDTM')).qty === 1 ? true : undefined),
      30_000,
    );
    await http.trade.placeOrder({
      clientOid: `e2e-c-${t}`,
      symbol: 'ETHUSDTM',
      side: 'sell',
      type: 'market',
      closeOrder: true,
    });
    await waitFor(
      async () => ((await http.positions.position('ETHUSDTM')).qty === 0 ? true : undefined),
      30_000,
    );
    await http.trade.cancelAllStopOrders('ETHUSDTM');

    expect((await http.trade.recentDoneOrders('ETHUSDTM')).length).toBeGreaterThan(0);
    expect((await http.trade.recentFills('ETHUSDTM')).length).toBeGreaterThan(0);
    expect((await http.trade.orders({ status: 'done', symbol: 'ETHUSDTM' })).items.length).toBeGreaterThan(0);
    const open = await http.positions.positions('USDT');
    expect(open.filter((p) => p.symbol === 'ETHUSDTM' && p.isOpen)).toEqual([]);
    const history = await http.positions.history({ symbol: 'ETHUSDTM' });
    expect(history.items.length).toBeGreaterThan(0);
    expect(history.items.every((h) => h.symbol === 'ETHUSDTM')).toBe(true);
    const mode = await http.positions.marginMode('SOLUSDTM');
    const other = mode.marginMode === 'ISOLATED' ? 'CROSS' : 'ISOLATED';
    expect((await http.positions.changeMarginMode('SOLUSDTM', other)).marginMode).toBe(other);
    expect(await http.positions.changeCrossLeverage('SOLUSDTM', toMoney(5))).toBe(true);
    expect((await http.positions.crossLeverage('SOLUSDTM')).leverage).toBe('5');
    expect(await http.positions.changeRiskLimitLevel('SOLUSDTM', 1)).toBe(true);
    const paid = await http.account.fundingHistory({ symbol: 'XBTUSDTM' });
    expect(paid.items.every((f) => f.symbol === 'XBTUSDTM')).toBe(true);
    const now = Date.now();
    const rates = await http.market.fundingRateHistory('XBTUSDTM', now - 7 * 86_400_000, now);
    // a week of settlements every 8 hours
    expect(rates.length).toBeGreaterThanOrEqual(20);
    expect(rates.every((r) => r.symbol === 'XBTUSDTM')).toBe(true);
    expect((await http.market.trades('XBTUSDTM')).length).toBeGreaterThan(0);
  });
});
