import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from './server.ts';
import { startTestSimulator, waitFor } from './test-helpers.ts';

type KucoinFutures = InstanceType<(typeof ccxt.pro)['kucoinfutures']>;
const BTC = 'BTC/USDT:USDT';

// CCXT's kucoinfutures, unmodified: every urls.api family points at the simulator.
function ccxtClient(sim: RunningSimulator, secret = sim.credentials.secret): KucoinFutures {
  const ex = new ccxt.pro.kucoinfutures({
    apiKey: sim.credentials.key,
    secret,
    password: sim.credentials.passphrase,
  });
  const api = ex.urls['api'] as Record<string, string | Record<string, string>>;
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') api[key] = sim.url;
    // The nested `ws` family is KuCoin's unified-account WebSocket; the futures WS URL comes from the bullet.
    else for (const k of Object.keys(value)) value[k] = sim.wsUrl;
  }
  return ex;
}

describe('CCXT kucoinfutures against the simulator', () => {
  let sim: RunningSimulator;
  let ex: KucoinFutures;
  beforeAll(async () => {
    sim = await startTestSimulator();
    ex = ccxtClient(sim);
    await ex.loadHttpProxyAgent();
  });
  afterAll(async () => {
    await ex.close();
    await sim.close();
  });

  it('loads the three contracts as markets with KuCoin precision', async () => {
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT']);
    expect(markets[BTC]).toMatchObject({ id: 'XBTUSDTM', contractSize: 0.001, linear: true, swap: true });
    expect(markets[BTC]!.precision.price).toBe(0.1);
  });

  it('reads ticker, order book, candles and balance', async () => {
    const ticker = await ex.fetchTicker(BTC);
    expect(ticker.ask!).toBeGreaterThan(ticker.bid!);
    const book = await ex.fetchOrderBook(BTC, 20);
    expect(book.bids).toHaveLength(20);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    const candles = await ex.fetchOHLCV(BTC, '1m', undefined, 10);
    expect(candles.length).toBeGreaterThan(5);
    const [, open, high, low] = candles[0]!;
    expect(high!).toBeGreaterThanOrEqual(Math.max(open!, low!));
    const balance = await ex.fetchBalance();
    expect(balance['USDT']).toMatchObject({ free: 100_000, total: 100_000 });
  });

  it('places, queries and cancels a limit order', async () => {
    const { bid } = await ex.fetchTicker(BTC);
    const price = Math.floor(bid! * 0.95);
    const order = await ex.createOrder(BTC, 'limit', 'buy', 2, price);
    const fetched = await ex.fetchOrder(order.id!, BTC);
    expect(fetched).toMatchObject({ status: 'open', amount: 2, price, filled: 0 });
    expect((await ex.fetchOpenOrders(BTC)).map((o) => o.id)).toContain(order.id);
    await ex.cancelOrder(order.id!, BTC);
    expect((await ex.fetchOrder(order.id!, BTC)).status).toBe('canceled');
  });

  it('opens and closes a position with market orders, places a stop and lists fills', async () => {
    await ex.createOrder(BTC, 'market', 'buy', 3);
    // KuCoin answers before it matches: poll until the position shows.
    const [pos] = await waitFor(async () => {
      const ps = await ex.fetchPositions([BTC]);
      return ps.length > 0 ? ps : undefined;
    });
    expect(pos).toMatchObject({ side: 'long', contracts: 3 });
    const { bid } = await ex.fetchTicker(BTC);
    const stop = await ex.createOrder(BTC, 'market', 'sell', 3, undefined, {
      stopLossPrice: Math.floor(bid! * 0.8),
    });
    const stops = await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true });
    expect(stops.map((o) => o.id)).toContain(stop.id);
    await ex.createOrder(BTC, 'market', 'sell', 3, undefined, { reduceOnly: true });
    await waitFor(async () => ((await ex.fetchPositions([BTC])).length === 0 ? true : undefined));
    // The stop-loss outlives the closed position (the simulator's default, as users report of KuCoin):
    // the client has to cancel it.
    expect((await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).map((o) => o.id)).toEqual(
      [stop.id],
    );
    await ex.cancelOrder(stop.id!, BTC, { trigger: true });
    expect(await ex.fetchOpenOrders(BTC, undefined, undefined, { trigger: true })).toEqual([]);
    const trades = await ex.fetchMyTrades(BTC);
    expect(trades.filter((t) => t.takerOrMaker === 'taker').length).toBeGreaterThanOrEqual(2);
    expect(trades[0]!.fee!.currency).toBe('USDT');
  });

  // Cross margin through CCXT's own calls: setMarginMode (POST /api/v2/position/changeMarginMode),
  // setLeverage (POST /api/v2/changeCrossUserLeverage), createOrder with params.marginMode.
  it('trades in cross mode: switches, refuses a mismatched order (330005), reports a liquidation price', async () => {
    // Its own small account, so that the cross liquidation price of the position is above zero.
    const small = await startTestSimulator({ initialBalance: 100 });
    const ex = ccxtClient(small);
    const ETH = 'ETH/USDT:USDT';
    await ex.setMarginMode('cross', ETH);
    await ex.setLeverage(20, ETH, { marginMode: 'cross' });
    expect((await ex.fetchMarginMode(ETH)).marginMode).toBe('cross');
    // KuCoin 330005 "The order's margin mode does not match the selected one", which CCXT maps to InvalidOrder.
    await expect(
      ex.createOrder(ETH, 'market', 'buy', 5, undefined, { marginMode: 'isolated' }),
    ).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await ex.createOrder(ETH, 'market', 'buy', 5, undefined, { marginMode: 'cross' });
    const pos = await waitFor(async () => (await ex.fetchPositions([ETH]))[0]);
    expect(pos).toMatchObject({ side: 'long', contracts: 5, marginMode: 'cross' });
    expect(pos.liquidationPrice!).toBeGreaterThan(0);
    expect(pos.liquidationPrice!).toBeLessThan(pos.entryPrice!);
    // The mode cannot change under an open position.
    await expect(ex.setMarginMode('isolated', ETH)).rejects.toThrow();
    await ex.createOrder(ETH, 'market', 'sell', 5, undefined, { reduceOnly: true, marginMode: 'cross' });
    await waitFor(async () => ((await ex.fetchPositions([ETH])).length === 0 ? true : undefined));
    await ex.setMarginMode('isolated', ETH);
    expect((await ex.fetchMarginMode(ETH)).marginMode).toBe('isolated');
    await ex.close();
    await small.close();
  });

  it('streams ticker and order-book updates over ccxt.pro', async () => {
    const ticker = await ex.watchTicker(BTC);
    expect(ticker.symbol).toBe(BTC);
    for (let i = 0; i < 30; i++) {
      const ob = await ex.watchOrderBook(BTC);
      expect(ob.bids[0]![0]!).toBeLessThan(ob.asks[0]![0]!);
    }
    const rest = await ex.fetchOrderBook(BTC, 20);
    const live = await ex.watchOrderBook(BTC);
    expect(live.nonce!).toBeGreaterThan(0);
    expect(Math.abs(live.bids[0]![0]! - rest.bids[0]![0]!)).toBeLessThan(rest.bids[0]![0]! * 0.01);
  });

  // (watchPositions in this CCXT build always uses KuCoin's unified-account WS protocol, not the futures one.)
  it('streams its own orders and balance over private ccxt.pro topics', async () => {
    const orders = ex.watchOrders(BTC);
    const balance = ex.watchBalance();
    const subscribed = () =>
      sim.engine.isWatched('/contractMarket/tradeOrders') && sim.engine.isWatched('/contractAccount/wallet');
    await waitFor(subscribed);
    const placed = await ex.createOrder(BTC, 'market', 'buy', 1);
    const [o] = await orders;
    expect(o).toMatchObject({ id: placed.id, symbol: BTC, side: 'buy' });
    expect((await balance)['USDT']?.free).toBeGreaterThan(0);
  });

  it('turns a wrong secret into an AuthenticationError', async () => {
    const bad = ccxtClient(sim, 'wrong-secret');
    await expect(bad.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });
});
