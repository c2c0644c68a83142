import {
  ClientOptionBuilder,
  DefaultClient,
  Futures,
  TransportOptionBuilder,
  WebSocketClientOptionBuilder,
} from 'kucoin-universal-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from './server.ts';
import { startTestSimulator, waitFor } from './test-helpers.ts';

// KuCoin's official SDK, unmodified, pointed at the simulator through its own endpoint options.
function sdkClient(sim: RunningSimulator, secret = sim.credentials.secret) {
  const option = new ClientOptionBuilder()
    .setKey(sim.credentials.key)
    .setSecret(secret)
    .setPassphrase(sim.credentials.passphrase)
    .setSpotEndpoint(sim.url)
    .setFuturesEndpoint(sim.url)
    .setBrokerEndpoint(sim.url)
    .setTransportOption(new TransportOptionBuilder().setMaxRetries(0).build())
    .setWebSocketClientOption(new WebSocketClientOptionBuilder().build())
    .build();
  return new DefaultClient(option);
}

describe('kucoin-universal-sdk against the simulator', () => {
  let sim: RunningSimulator;
  let client: DefaultClient;
  beforeAll(async () => {
    sim = await startTestSimulator();
    client = sdkClient(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reads contracts, ticker, order book and klines', async () => {
    const market = client.restService().getFuturesService().getMarketApi();
    const all = await market.getAllSymbols();
    expect(all.data.map((c) => c.symbol)).toEqual(['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM']);
    const xbt = await market.getSymbol(Futures.Market.GetSymbolReq.create({ symbol: 'XBTUSDTM' }));
    expect(xbt.multiplier).toBe(0.001);
    const ticker = await market.getTicker(Futures.Market.GetTickerReq.create({ symbol: 'XBTUSDTM' }));
    expect(Number(ticker.bestAskPrice)).toBeGreaterThan(Number(ticker.bestBidPrice));
    const book = await market.getPartOrderBook(
      Futures.Market.GetPartOrderBookReq.create({ symbol: 'XBTUSDTM', size: '20' }),
    );
    expect(book.bids.length).toBe(20);
    expect(book.sequence).toBeGreaterThan(0);
    const klines = await market.getKlines(
      Futures.Market.GetKlinesReq.create({ symbol: 'ETHUSDTM', granularity: 5 }),
    );
    expect(klines.data.length).toBeGreaterThan(10);
  });

  it('places, queries and cancels a limit order, then trades a position open and closed', async () => {
    const orders = client.restService().getFuturesService().getOrderApi();
    const positions = client.restService().getFuturesService().getPositionsApi();
    const market = client.restService().getFuturesService().getMarketApi();
    const ticker = await market.getTicker(Futures.Market.GetTickerReq.create({ symbol: 'XBTUSDTM' }));
    const farBid = (Math.floor(Number(ticker.bestBidPrice) * 0.9 * 10) / 10).toFixed(1);
    const placed = await orders.addOrder(
      Futures.Order.AddOrderReq.create({
        clientOid: 'sdk-limit-1',
        symbol: 'XBTUSDTM',
        side: Futures.Order.AddOrderReq.SideEnum.BUY,
        type: Futures.Order.AddOrderReq.TypeEnum.LIMIT,
        price: farBid,
        size: 3,
        leverage: 5,
      }),
    );
    const got = await orders.getOrderByOrderId(
      Futures.Order.GetOrderByOrderIdReq.create({ order_id: placed.orderId }),
    );
    expect(got).toMatchObject({ status: 'open', isActive: true, size: 3 });
    expect(Number(got.price)).toBe(Number(farBid)); // "87455" for "87455.0": compare the numbers
    const byOid = await orders.getOrderByClientOid(
      Futures.Order.GetOrderByClientOidReq.create({ clientOid: 'sdk-limit-1' }),
    );
    expect(byOid.id).toBe(placed.orderId);
    const cancelled = await orders.cancelOrderById(
      Futures.Order.CancelOrderByIdReq.create({ orderId: placed.orderId }),
    );
    expect(cancelled.cancelledOrderIds).toEqual([placed.orderId]);

    await orders.addOrder(
      Futures.Order.AddOrderReq.create({
        clientOid: 'sdk-open',
        symbol: 'XBTUSDTM',
        side: Futures.Order.AddOrderReq.SideEnum.SELL,
        type: Futures.Order.AddOrderReq.TypeEnum.MARKET,
        size: 4,
        leverage: 10,
      }),
    );
    // KuCoin answers before it matches: poll until the fill shows.
    const positionOf = () =>
      positions.getPositionDetails(Futures.Positions.GetPositionDetailsReq.create({ symbol: 'XBTUSDTM' }));
    const pos = await waitFor(async () => {
      const p = await positionOf();
      return p.currentQty === -4 ? p : undefined;
    });
    expect(pos.currentQty).toBe(-4);
    await orders.addOrder(
      Futures.Order.AddOrderReq.builder()
        .setClientOid('sdk-close')
        .setSymbol('XBTUSDTM')
        .setType(Futures.Order.AddOrderReq.TypeEnum.MARKET)
        .setCloseOrder(true)
        .build(),
    );
    const after = await waitFor(async () => {
      const p = await positionOf();
      return p.currentQty === 0 ? p : undefined;
    });
    expect(after.currentQty).toBe(0);
    const fills = await orders.getTradeHistory(
      Futures.Order.GetTradeHistoryReq.create({ symbol: 'XBTUSDTM' }),
    );
    expect(fills.items.length).toBeGreaterThanOrEqual(2);
    const account = await client
      .restService()
      .getAccountService()
      .getAccountApi()
      .getFuturesAccount({ currency: 'USDT' } as never);
    expect(account.accountEquity).toBeLessThan(100_000);
  });

  it('places a stop order that shows among the untriggered stops', async () => {
    const orders = client.restService().getFuturesService().getOrderApi();
    const mark = sim.engine.market('ETHUSDTM').mark.toNumber();
    const placed = await orders.addOrder(
      Futures.Order.AddOrderReq.create({
        clientOid: 'sdk-stop-1',
        symbol: 'ETHUSDTM',
        side: Futures.Order.AddOrderReq.SideEnum.BUY,
        type: Futures.Order.AddOrderReq.TypeEnum.MARKET,
        size: 1,
        leverage: 3,
        stop: Futures.Order.AddOrderReq.StopEnum.UP,
        stopPriceType: Futures.Order.AddOrderReq.StopPriceTypeEnum.MARK_PRICE,
        stopPrice: (Math.ceil(mark * 1.5 * 100) / 100).toFixed(2),
      }),
    );
    const stops = await orders.getStopOrderList(
      Futures.Order.GetStopOrderListReq.create({ symbol: 'ETHUSDTM' }),
    );
    expect(stops.items.map((o) => o.id)).toContain(placed.orderId);
  });

  it('receives public ticker and level2 pushes over its WebSocket client', async () => {
    const ws = client.wsService().newFuturesPublicWS();
    await ws.start();
    const tickers: string[] = [];
    const deltas: number[] = [];
    await ws.tickerV2('XBTUSDTM', (topic, _subject, data) => tickers.push(`${topic}:${data.bestBidPrice}`));
    await ws.orderbookIncrement('XBTUSDTM', (_t, _s, data) => deltas.push(data.sequence));
    await waitFor(() => tickers.length > 2 && deltas.length > 5);
    expect(tickers[0]).toMatch(/^\/contractMarket\/tickerV2:XBTUSDTM:\d/);
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]).toBe(deltas[i - 1]! + 1);
    await ws.stop();
  });

  it('receives its private order events', async () => {
    const ws = client.wsService().newFuturesPrivateWS();
    await ws.start();
    const events: string[] = [];
    await ws.allOrder((_t, _s, data) => events.push(`${data.clientOid}:${data.type}`));
    await client
      .restService()
      .getFuturesService()
      .getOrderApi()
      .addOrder(
        Futures.Order.AddOrderReq.create({
          clientOid: 'sdk-ws-1',
          symbol: 'SOLUSDTM',
          side: Futures.Order.AddOrderReq.SideEnum.BUY,
          type: Futures.Order.AddOrderReq.TypeEnum.MARKET,
          size: 1,
          leverage: 2,
        }),
      );
    await waitFor(() => events.includes('sdk-ws-1:filled'));
    expect(events).toContain('sdk-ws-1:match');
    await ws.stop();
  });

  it('receives wallet and position pushes, legacy wallet subjects included, without breaking its parser', async () => {
    const ws = client.wsService().newFuturesPrivateWS();
    await ws.start();
    const wallet: string[] = [];
    const positions: number[] = [];
    await ws.balance((_t, subject, data) => wallet.push(`${subject}:${data.currency}`));
    await ws.position('ETHUSDTM', (_t, _s, data) => positions.push(data.currentQty));
    await client
      .restService()
      .getFuturesService()
      .getOrderApi()
      .addOrder(
        Futures.Order.AddOrderReq.create({
          clientOid: 'sdk-ws-2',
          symbol: 'ETHUSDTM',
          side: Futures.Order.AddOrderReq.SideEnum.SELL,
          type: Futures.Order.AddOrderReq.TypeEnum.MARKET,
          size: 2,
          leverage: 2,
        }),
      );
    await waitFor(() => positions.includes(-2) && wallet.includes('walletBalance.change:USDT'));
    expect(wallet).toContain('availableBalance.change:USDT');
    await ws.stop();
  });

  it('rejects a wrong secret with KuCoin authentication errors', async () => {
    const bad = sdkClient(sim, 'not-the-secret');
    await expect(
      bad
        .restService()
        .getFuturesService()
        .getPositionsApi()
        .getPositionList({} as never),
    ).rejects.toThrow();
    const res = await fetch(`${sim.url}/api/v1/positions`, {
      headers: { 'KC-API-KEY': sim.credentials.key },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: '400001' });
  });
});

describe('kucoin-universal-sdk in cross margin mode', () => {
  let sim: RunningSimulator;
  let client: DefaultClient;
  beforeAll(async () => {
    // A small account, so that the cross liquidation price of a 5-lot position is above zero.
    sim = await startTestSimulator({ initialBalance: 300 });
    client = sdkClient(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('switches to cross, refuses a mismatched order (330005), trades with a liquidation price, switches back', async () => {
    const positions = client.restService().getFuturesService().getPositionsApi();
    const orders = client.restService().getFuturesService().getOrderApi();
    const P = Futures.Positions;
    const O = Futures.Order.AddOrderReq;
    const switched = await positions.switchMarginMode(
      P.SwitchMarginModeReq.create({
        symbol: 'XBTUSDTM',
        marginMode: P.SwitchMarginModeReq.MarginModeEnum.CROSS,
      }),
    );
    expect(switched.marginMode).toBe('CROSS');
    await positions.modifyMarginLeverage(
      P.ModifyMarginLeverageReq.create({ symbol: 'XBTUSDTM', leverage: '20' }),
    );
    const lev = await positions.getCrossMarginLeverage(
      P.GetCrossMarginLeverageReq.create({ symbol: 'XBTUSDTM' }),
    );
    expect(Number(lev.leverage)).toBe(20);
    // The SDK requires `leverage`; in cross mode KuCoin applies the contract's cross leverage instead.
    type Req = Parameters<typeof O.create>[0];
    const market = (clientOid: string, side: Req['side'], mode: Req['marginMode']) =>
      O.create({
        clientOid,
        symbol: 'XBTUSDTM',
        side,
        type: O.TypeEnum.MARKET,
        size: 5,
        leverage: 1,
        marginMode: mode,
      });
    await expect(
      orders.addOrder(market('sdk-x-0', O.SideEnum.BUY, O.MarginModeEnum.ISOLATED)),
    ).rejects.toThrow(/330005/);
    await orders.addOrder(market('sdk-x-1', O.SideEnum.BUY, O.MarginModeEnum.CROSS));
    const details = () =>
      positions.getPositionDetails(P.GetPositionDetailsReq.create({ symbol: 'XBTUSDTM' }));
    const pos = await waitFor(async () => {
      const p = await details();
      return p.currentQty === 5 ? p : undefined;
    });
    expect(pos).toMatchObject({ marginMode: 'CROSS', crossMode: true });
    // KuCoin's cross liquidation price is its bankruptcy price / (1 − MMR − taker fee) (CCXT's recorded sample).
    expect(pos.liquidationPrice).toBeGreaterThan(pos.bankruptPrice);
    expect(pos.liquidationPrice).toBeLessThan(pos.avgEntryPrice);
    expect(pos.liquidationPrice * (1 - pos.maintMarginReq! - 0.0006)).toBeCloseTo(pos.bankruptPrice, 2);
    // account-overview riskRatio is the cross risk rate (kucoin-spec/account.txt): with this one cross
    // position and no orders, (MM + closing fee) / total cross margin = markValue × (MMR + 0.0006) / equity.
    const account = await client
      .restService()
      .getAccountService()
      .getAccountApi()
      .getFuturesAccount({ currency: 'USDT' } as never);
    expect(account.riskRatio).toBeCloseTo(
      (pos.markValue * (pos.maintMarginReq! + 0.0006)) / account.accountEquity,
      4, // the market steps between the two reads
    );
    expect(account.riskRatio).toBeGreaterThan(0);
    await expect(
      positions.switchMarginMode(
        P.SwitchMarginModeReq.create({
          symbol: 'XBTUSDTM',
          marginMode: P.SwitchMarginModeReq.MarginModeEnum.ISOLATED,
        }),
      ),
    ).rejects.toThrow();
    // The SDK sends marginMode ISOLATED unless told otherwise, which KuCoin refuses on a cross contract
    // (330005; ccxt/ccxt#25592, hummingbot/hummingbot#8228): even a close order must say CROSS.
    const close = (clientOid: string) =>
      O.builder()
        .setClientOid(clientOid)
        .setSymbol('XBTUSDTM')
        .setType(O.TypeEnum.MARKET)
        .setCloseOrder(true);
    await expect(orders.addOrder(close('sdk-x-2').build())).rejects.toThrow(/330005/);
    await orders.addOrder(close('sdk-x-3').setMarginMode(O.MarginModeEnum.CROSS).build());
    await waitFor(async () => ((await details()).currentQty === 0 ? true : undefined));
    const back = await positions.switchMarginMode(
      P.SwitchMarginModeReq.create({
        symbol: 'XBTUSDTM',
        marginMode: P.SwitchMarginModeReq.MarginModeEnum.ISOLATED,
      }),
    );
    expect(back.marginMode).toBe('ISOLATED');
  });
});
