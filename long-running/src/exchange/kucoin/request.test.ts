import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { account, type Endpoint, market, positions, trade } from './endpoints.ts';
import { OrderRequestError, type PlaceOrderRequest } from './orders.ts';
import { buildRequest } from './request.ts';

const credential = {
  apiKey: 'key-1',
  apiSecret: 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3',
  passphrase: 'test_passphrase',
  keyVersion: '2' as const,
};
const ctx = { baseUrl: 'https://api-futures.kucoin.com', timestampMs: 1700000000000, credential };
const build = (e: Endpoint<unknown>) => buildRequest(e.spec, ctx);
const limit: PlaceOrderRequest = {
  clientOid: 'abc-1',
  side: 'buy',
  symbol: 'XBTUSDTM',
  type: 'limit',
  leverage: 3,
  price: toMoney('60000'),
  size: 1,
};

describe('KuCoin signed requests (KUCOIN.md §1.4 vectors)', () => {
  it('signs GET /api/v1/orders?status=active&symbol=XBTUSDTM like the worked example', () => {
    const r = build(trade.orders({ status: 'active', symbol: 'XBTUSDTM' }));
    expect(r.url).toBe('https://api-futures.kucoin.com/api/v1/orders?status=active&symbol=XBTUSDTM');
    expect(r.headers).toMatchObject({
      'KC-API-KEY': 'key-1',
      'KC-API-TIMESTAMP': '1700000000000',
      'KC-API-SIGN': '0CFAVrx0dYNWOUZlLV1xcoZV3kwVrK9rWvxmt+X9ukk=',
      'KC-API-KEY-VERSION': '2',
    });
    expect(r.body).toBeUndefined();
  });

  it('signs POST /api/v1/orders over the exact body it sends', () => {
    const r = build(trade.placeOrder(limit));
    expect(r.body).toBe(
      '{"clientOid":"abc-1","side":"buy","symbol":"XBTUSDTM","type":"limit","leverage":3,"price":"60000","size":1}',
    );
    expect(r.headers['KC-API-SIGN']).toBe('C2gQwT2petkjT08wf23qtBLx+qUmJWV8U521btmwHJs=');
    expect(r.headers['Content-Type']).toBe('application/json');
  });

  it('sends the query percent-encoded but signs it decoded, in the same order', () => {
    const r = build(trade.fills({ symbol: 'XBTUSDTM', tradeTypes: 'trade,adl' }));
    expect(r.url).toBe('https://api-futures.kucoin.com/api/v1/fills?symbol=XBTUSDTM&tradeTypes=trade%2Cadl');
    expect(r.signedPath).toBe('/api/v1/fills?symbol=XBTUSDTM&tradeTypes=trade,adl');
  });

  it('does not sign public requests and refuses private ones without a credential', () => {
    const r = buildRequest(market.ticker('XBTUSDTM').spec, { ...ctx, credential: undefined });
    expect(r.headers['KC-API-SIGN']).toBeUndefined();
    expect(() => buildRequest(trade.order('1').spec, { ...ctx, credential: undefined })).toThrow(/private/);
  });
});

// Static request table, CCXT style: operation → method, URL and body (clientOid is the caller's own
// deterministic id here, so nothing needs skipping).
const rows: {
  name: string;
  endpoint: () => Endpoint<unknown>;
  method: string;
  path: string;
  body?: unknown;
}[] = [
  { name: 'server time', endpoint: market.serverTime, method: 'GET', path: '/api/v1/timestamp' },
  { name: 'server status', endpoint: market.serverStatus, method: 'GET', path: '/api/v1/status' },
  { name: 'active contracts', endpoint: market.contracts, method: 'GET', path: '/api/v1/contracts/active' },
  {
    name: 'one contract',
    endpoint: () => market.contract('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/contracts/XBTUSDTM',
  },
  {
    name: 'ticker',
    endpoint: () => market.ticker('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/ticker?symbol=XBTUSDTM',
  },
  {
    name: 'full book',
    endpoint: () => market.orderBook('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/level2/snapshot?symbol=XBTUSDTM',
  },
  {
    name: 'depth 20',
    endpoint: () => market.orderBook('XBTUSDTM', 20),
    method: 'GET',
    path: '/api/v1/level2/depth20?symbol=XBTUSDTM',
  },
  {
    name: 'klines',
    endpoint: () => market.klines('XBTUSDTM', 60, 1700000000000),
    method: 'GET',
    path: '/api/v1/kline/query?symbol=XBTUSDTM&granularity=60&from=1700000000000',
  },
  {
    name: 'funding rate',
    endpoint: () => market.fundingRate('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/funding-rate/XBTUSDTM/current',
  },
  {
    name: 'funding history (public)',
    endpoint: () => market.fundingRateHistory('XBTUSDTM', 1, 2),
    method: 'GET',
    path: '/api/v1/contract/funding-rates?symbol=XBTUSDTM&from=1&to=2',
  },
  {
    name: 'risk limits',
    endpoint: () => market.riskLimits('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/contracts/risk-limit/XBTUSDTM',
  },
  { name: 'public WS token', endpoint: market.publicToken, method: 'POST', path: '/api/v1/bullet-public' },
  { name: 'private WS token', endpoint: market.privateToken, method: 'POST', path: '/api/v1/bullet-private' },
  {
    name: 'market order, reduce-only, cross',
    endpoint: () =>
      trade.placeOrder({
        clientOid: 'c-2',
        symbol: 'XBTUSDTM',
        side: 'sell',
        type: 'market',
        size: 2,
        reduceOnly: true,
        marginMode: 'CROSS',
      }),
    method: 'POST',
    path: '/api/v1/orders',
    body: {
      clientOid: 'c-2',
      side: 'sell',
      symbol: 'XBTUSDTM',
      type: 'market',
      size: 2,
      marginMode: 'CROSS',
      reduceOnly: true,
    },
  },
  {
    name: 'stop-limit on mark price',
    endpoint: () =>
      trade.placeOrder({
        ...limit,
        clientOid: 'c-3',
        price: toMoney('59000'),
        timeInForce: 'GTC',
        stop: { direction: 'down', price: toMoney('59500.5'), priceType: 'MP' },
      }),
    method: 'POST',
    path: '/api/v1/orders',
    body: {
      clientOid: 'c-3',
      side: 'buy',
      symbol: 'XBTUSDTM',
      type: 'limit',
      leverage: 3,
      price: '59000',
      size: 1,
      timeInForce: 'GTC',
      stop: 'down',
      stopPriceType: 'MP',
      stopPrice: '59500.5',
    },
  },
  {
    name: 'post-only limit',
    endpoint: () => trade.placeOrder({ ...limit, clientOid: 'c-4', postOnly: true }),
    method: 'POST',
    path: '/api/v1/orders',
    body: {
      clientOid: 'c-4',
      side: 'buy',
      symbol: 'XBTUSDTM',
      type: 'limit',
      leverage: 3,
      price: '60000',
      size: 1,
      postOnly: true,
    },
  },
  {
    name: 'iceberg with visible size, IOC',
    endpoint: () =>
      trade.placeOrder({
        ...limit,
        clientOid: 'c-5',
        size: 10,
        iceberg: true,
        visibleSize: 2,
        timeInForce: 'IOC',
      }),
    method: 'POST',
    path: '/api/v1/orders',
    body: {
      clientOid: 'c-5',
      side: 'buy',
      symbol: 'XBTUSDTM',
      type: 'limit',
      leverage: 3,
      price: '60000',
      size: 10,
      timeInForce: 'IOC',
      iceberg: true,
      visibleSize: '2',
    },
  },
  {
    name: 'hidden close order',
    endpoint: () =>
      trade.placeOrder({
        clientOid: 'c-6',
        symbol: 'XBTUSDTM',
        side: 'sell',
        type: 'limit',
        price: toMoney('61000'),
        closeOrder: true,
        hidden: true,
      }),
    method: 'POST',
    path: '/api/v1/orders',
    body: {
      clientOid: 'c-6',
      side: 'sell',
      symbol: 'XBTUSDTM',
      type: 'limit',
      price: '61000',
      hidden: true,
      closeOrder: true,
    },
  },
  {
    name: 'order with TP/SL',
    endpoint: () =>
      trade.placeTpSlOrder({
        ...limit,
        clientOid: 'c-7',
        upTriggerPrice: toMoney('65000'),
        downTriggerPrice: toMoney('58000'),
        stopPriceType: 'TP',
      }),
    method: 'POST',
    path: '/api/v1/st-orders',
    body: {
      clientOid: 'c-7',
      side: 'buy',
      symbol: 'XBTUSDTM',
      type: 'limit',
      leverage: 3,
      price: '60000',
      size: 1,
      triggerStopUpPrice: '65000',
      triggerStopDownPrice: '58000',
      stopPriceType: 'TP',
    },
  },
  {
    name: 'batch',
    endpoint: () => trade.placeOrders([limit, { ...limit, clientOid: 'abc-2' }]),
    method: 'POST',
    path: '/api/v1/orders/multi',
    body: [
      {
        clientOid: 'abc-1',
        side: 'buy',
        symbol: 'XBTUSDTM',
        type: 'limit',
        leverage: 3,
        price: '60000',
        size: 1,
      },
      {
        clientOid: 'abc-2',
        side: 'buy',
        symbol: 'XBTUSDTM',
        type: 'limit',
        leverage: 3,
        price: '60000',
        size: 1,
      },
    ],
  },
  {
    name: 'cancel by id',
    endpoint: () => trade.cancelOrder('2345'),
    method: 'DELETE',
    path: '/api/v1/orders/2345',
  },
  {
    name: 'cancel by clientOid',
    endpoint: () => trade.cancelOrderByClientOid('c-1', 'XBTUSDTM'),
    method: 'DELETE',
    path: '/api/v1/orders/client-order/c-1?symbol=XBTUSDTM',
  },
  {
    name: 'cancel all',
    endpoint: () => trade.cancelAllOrders('XBTUSDTM'),
    method: 'DELETE',
    path: '/api/v3/orders?symbol=XBTUSDTM',
  },
  {
    name: 'cancel all stops',
    endpoint: () => trade.cancelAllStopOrders('XBTUSDTM'),
    method: 'DELETE',
    path: '/api/v1/stopOrders?symbol=XBTUSDTM',
  },
  { name: 'order by id', endpoint: () => trade.order('2345'), method: 'GET', path: '/api/v1/orders/2345' },
  {
    name: 'order by clientOid',
    endpoint: () => trade.orderByClientOid('c-1'),
    method: 'GET',
    path: '/api/v1/orders/byClientOid?clientOid=c-1',
  },
  {
    name: 'done orders, page 2',
    endpoint: () => trade.orders({ status: 'done', symbol: 'XBTUSDTM', currentPage: 2, pageSize: 100 }),
    method: 'GET',
    path: '/api/v1/orders?status=done&symbol=XBTUSDTM&currentPage=2&pageSize=100',
  },
  {
    name: 'stop orders',
    endpoint: () => trade.stopOrders({ symbol: 'XBTUSDTM' }),
    method: 'GET',
    path: '/api/v1/stopOrders?symbol=XBTUSDTM',
  },
  {
    name: 'fills of an order',
    endpoint: () => trade.fills({ orderId: '2345' }),
    method: 'GET',
    path: '/api/v1/fills?orderId=2345',
  },
  { name: 'recent fills', endpoint: () => trade.recentFills(), method: 'GET', path: '/api/v1/recentFills' },
  {
    name: 'position',
    endpoint: () => positions.position('XBTUSDTM'),
    method: 'GET',
    path: '/api/v1/position?symbol=XBTUSDTM',
  },
  {
    name: 'positions',
    endpoint: () => positions.positions('USDT'),
    method: 'GET',
    path: '/api/v1/positions?currency=USDT',
  },
  {
    name: 'position history',
    endpoint: () => positions.history({ symbol: 'XBTUSDTM', limit: 50 }),
    method: 'GET',
    path: '/api/v1/history-positions?symbol=XBTUSDTM&limit=50',
  },
  {
    name: 'margin mode',
    endpoint: () => positions.marginMode('XBTUSDTM'),
    method: 'GET',
    path: '/api/v2/position/getMarginMode?symbol=XBTUSDTM',
  },
  {
    name: 'change margin mode',
    endpoint: () => positions.changeMarginMode('XBTUSDTM', 'CROSS'),
    method: 'POST',
    path: '/api/v2/position/changeMarginMode',
    body: { symbol: 'XBTUSDTM', marginMode: 'CROSS' },
  },
  {
    name: 'change cross leverage (string)',
    endpoint: () => positions.changeCrossLeverage('XBTUSDTM', toMoney(10)),
    method: 'POST',
    path: '/api/v2/changeCrossUserLeverage',
    body: { symbol: 'XBTUSDTM', leverage: '10' },
  },
  {
    name: 'risk limit level',
    endpoint: () => positions.changeRiskLimitLevel('XBTUSDTM', 2),
    method: 'POST',
    path: '/api/v1/position/risk-limit-level/change',
    body: { symbol: 'XBTUSDTM', level: 2 },
  },
  {
    name: 'account overview',
    endpoint: () => account.overview(),
    method: 'GET',
    path: '/api/v1/account-overview?currency=USDT',
  },
  {
    name: 'own funding history',
    endpoint: () => account.fundingHistory({ symbol: 'XBTUSDTM', maxCount: 100 }),
    method: 'GET',
    path: '/api/v1/funding-history?symbol=XBTUSDTM&maxCount=100',
  },
];

describe('KuCoin static request table', () => {
  for (const row of rows) {
    it(`builds ${row.name}`, () => {
      const r = build(row.endpoint());
      expect(r.method).toBe(row.method);
      expect(r.url).toBe(`https://api-futures.kucoin.com${row.path}`);
      expect(r.body === undefined ? undefined : JSON.parse(r.body)).toEqual(row.body);
    });
  }
});

describe('KuCoin order requests rejected before sending', () => {
  const bad: [string, PlaceOrderRequest][] = [
    ['a clientOid with spaces', { ...limit, clientOid: 'a b' }],
    ['a clientOid over 40 chars', { ...limit, clientOid: 'x'.repeat(41) }],
    ['a fractional size', { ...limit, size: 1.5 }],
    ['a zero size', { ...limit, size: 0 }],
    ['a limit order without price', { ...limit, price: undefined }],
    ['a market order with a price', { ...limit, type: 'market' }],
    ['postOnly with hidden', { ...limit, postOnly: true, hidden: true }],
    ['postOnly with IOC', { ...limit, postOnly: true, timeInForce: 'IOC' }],
    ['an iceberg without visible size', { ...limit, iceberg: true }],
    ['a negative price', { ...limit, price: toMoney('-1') }],
  ];
  for (const [what, order] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => trade.placeOrder(order)).toThrow(OrderRequestError);
    });
  }
});

describe('buildRequest: URL, query and headers exactly (written by hand from the rules in request.ts)', () => {
  it('skips undefined and null query values, keeps false and 0, in insertion order', () => {
    const r = buildRequest(
      {
        method: 'GET',
        path: '/api/v1/x',
        query: { a: null, b: 0, c: undefined, d: false },
        private: false,
        weight: 1,
      },
      { baseUrl: 'https://h', timestampMs: 1 },
    );
    expect(r.url).toBe('https://h/api/v1/x?b=0&d=false');
    expect(r.signedPath).toBe('/api/v1/x?b=0&d=false');
  });

  it('sends only Accept on a public GET, and Content-Type only with a body', () => {
    const get = buildRequest(
      { method: 'GET', path: '/api/v1/timestamp', private: false, weight: 1 },
      { baseUrl: 'https://h', timestampMs: 1 },
    );
    expect(get.headers).toEqual({ Accept: 'application/json' });
    expect(get.body).toBeUndefined();
    const post = buildRequest(
      { method: 'POST', path: '/api/v1/x', body: { a: 1 }, private: false, weight: 1 },
      { baseUrl: 'https://h', timestampMs: 1 },
    );
    expect(post.headers).toEqual({ Accept: 'application/json', 'Content-Type': 'application/json' });
    expect(post.body).toBe('{"a":1}');
  });

  it('drops every trailing slash of the base URL', () => {
    for (const baseUrl of ['https://h/', 'https://h//', 'https://h'])
      expect(
        buildRequest(
          { method: 'GET', path: '/api/v1/x', private: false, weight: 1 },
          { baseUrl, timestampMs: 1 },
        ).url,
      ).toBe('https://h/api/v1/x');
  });
});
