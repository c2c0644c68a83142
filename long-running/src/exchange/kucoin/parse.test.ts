import { describe, expect, it } from 'vitest';
import { KucoinParseError } from './errors.ts';
import {
  parseAccountOverview,
  parseContract,
  parseFill,
  parseFundingCurrent,
  parseFundingPayment,
  parseFundingRatePoint,
  parseHistoryPosition,
  parseKline,
  parseOrder,
  parseOrderBook,
  parsePosition,
  parseRiskLimitTier,
  parseTicker,
  parseTrade,
} from './parse.ts';
import { fixtureData, sharedRecording } from './test-fixtures.ts';

/** Turn Decimals into strings so expectations read like the wire. */
function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && 'toFixed' in value && 'd' in value) return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
const first = (name: string) => (fixtureData(name) as unknown[])[0];
const firstItem = (name: string) => (fixtureData(name) as { items: unknown[] }).items[0];
const firstOfList = (name: string) => (fixtureData(name) as { dataList: unknown[] }).dataList[0];

// Response table, CCXT style: recorded KuCoin payload → the domain value we expect.
const table: { name: string; parse: () => unknown; expected: Record<string, unknown> }[] = [
  {
    name: 'contract XBTUSDTM',
    parse: () => parseContract(fixtureData('http_get_contracts_symbol')),
    expected: {
      symbol: 'XBTUSDTM',
      kind: 'perpetual',
      multiplier: '0.001',
      lotSize: 1,
      tickSize: '0.1',
      maxLeverage: 125,
      makerFeeRate: '0.0002',
      takerFeeRate: '0.0006',
      riskLimit: { min: '100000', max: '100000', step: '50000' },
      fundingIntervalMs: 28800000,
      openInterestLots: 6748176,
      status: 'Open',
    },
  },
  {
    name: 'active contract list entry',
    parse: () => parseContract(first('http_get_contracts_active')),
    expected: { symbol: 'XBTUSDTM', isInverse: false, settleCurrency: 'USDT', fundingRate: '0.000052' },
  },
  {
    name: 'ticker (ns ts → ms)',
    parse: () => parseTicker(fixtureData('http_get_ticker')),
    expected: {
      symbol: 'XBTUSDM',
      lastPrice: '67158.4',
      bestBid: '67169.6',
      bestAskSize: 7251,
      time: 1729163001780,
    },
  },
  {
    name: 'recorded real ticker',
    parse: () => parseTicker((sharedRecording('http_get_ticker') as { data: unknown }).data),
    expected: { symbol: 'XBTUSDTM', bestBid: '73399.9', bestAsk: '73400', time: 1710328243260 },
  },
  {
    name: 'level2 snapshot with numeric prices',
    parse: () => parseOrderBook(fixtureData('http_get_level2_snapshot')),
    expected: {
      sequence: 1697895963339,
      bids: [
        { price: '66968', size: 2 },
        { price: '66964.8', size: 25596 },
      ],
      asks: [
        { price: '66968.1', size: 13501 },
        { price: '66968.7', size: 2032 },
      ],
    },
  },
  {
    name: 'trade history entry',
    parse: () => parseTrade(first('http_get_trade_history'), 'XBTUSDTM'),
    expected: { tradeId: '1697915257909', side: 'sell', price: '67878', size: 1, time: 1729242032152 },
  },
  {
    name: 'kline row [t, o, h, l, c, v]',
    parse: () => parseKline(first('http_get_kline_query'), 'XBTUSDTM'),
    expected: { openTime: 1728576000000, open: '60791.1', high: '61035', low: '58940', close: '60300' },
  },
  {
    name: 'open limit order',
    parse: () => parseOrder(fixtureData('http_get_orders_order_id')),
    expected: {
      id: '236655147005071361',
      clientOid: '5c52e11203aa677f33e493fb',
      type: 'limit',
      price: '0.1',
      size: 1,
      filledSize: 0,
      avgFillPrice: null,
      leverage: '3',
      status: 'open',
      stop: null,
      marginMode: 'ISOLATED',
    },
  },
  {
    name: 'done market order (price "0" → null)',
    parse: () => parseOrder(first('http_get_recentDoneOrders')),
    expected: { type: 'market', price: null, filledSize: 1, avgFillPrice: '0.5511', status: 'done' },
  },
  {
    name: 'paginated order list item',
    parse: () => parseOrder(firstItem('http_get_orders')),
    expected: { symbol: 'PEOPLEUSDTM', size: 10, filledValue: '0' },
  },
  {
    name: 'fill',
    parse: () => parseFill(firstItem('http_get_fills')),
    expected: {
      tradeId: '1828954878212',
      liquidity: 'taker',
      fee: '0.05176506',
      value: '86.2751',
      time: 1740640088244,
    },
  },
  {
    name: 'isolated position',
    parse: () => parsePosition(fixtureData('http_get_position')),
    expected: {
      qty: 1,
      avgEntryPrice: '67430.9',
      unrealisedPnl: '1.4698',
      marginMode: 'ISOLATED',
      riskLimitLevel: 2,
    },
  },
  {
    name: 'inverse cross position (negative posCost)',
    parse: () => parsePosition(first('http_get_positions')),
    expected: { symbol: 'ETHUSDM', marginMode: 'CROSS', posCost: '-0.0004069805', leverage: '10' },
  },
  {
    name: 'position history',
    parse: () => parseHistoryPosition(firstItem('http_get_history_positions')),
    expected: { type: 'CLOSE_LONG', side: 'LONG', pnl: '0.51214413', closePrice: '94443.5' },
  },
  {
    name: 'risk limit tier',
    parse: () => parseRiskLimitTier(first('http_get_contracts_risk_limit_symbol')),
    expected: { level: 1, maxLeverage: 125, initialMargin: '0.008', maxNotional: '100000' },
  },
  {
    name: 'account overview',
    parse: () => parseAccountOverview(fixtureData('http_get_account_overview')),
    expected: { currency: 'USDT', accountEquity: '394.439280806', availableBalance: '290.326799096' },
  },
  {
    name: 'current funding rate',
    parse: () => parseFundingCurrent(fixtureData('http_get_funding_rate_symbol_current'), 'XBTUSDTM'),
    expected: { symbol: 'XBTUSDTM', rate: '0.000061', intervalMs: 28800000, nextFundingTime: 1748491200000 },
  },
  {
    name: 'public funding rate history',
    parse: () => parseFundingRatePoint(first('http_get_contract_funding_rates')),
    expected: { rate: '0.00021', time: 1702296000000 },
  },
  {
    name: 'own funding payment (negative = paid)',
    parse: () => parseFundingPayment(firstOfList('http_get_funding_history')),
    expected: { funding: '-0.05585669', positionQty: 1, id: '1472387374042586' },
  },
];

describe('KuCoin REST response table', () => {
  for (const row of table) {
    it(`parses ${row.name}`, () => {
      expect(plain(row.parse())).toMatchObject(row.expected);
    });
  }

  it('parses every recorded real REST response it has a parser for', () => {
    const orders = (sharedRecording('http_get_orders_active') as { data: { items: unknown[] } }).data.items;
    expect(orders.map(parseOrder).every((o) => o.status === 'open')).toBe(true);
    const fills = (sharedRecording('http_get_fills') as { data: { items: unknown[] } }).data.items;
    expect(fills.map(parseFill).length).toBeGreaterThan(0);
    parseOrder((sharedRecording('http_get_order_by_id') as { data: unknown }).data);
  });
});

describe('KuCoin parse boundary rejects bad data', () => {
  const order = fixtureData('http_get_orders_order_id') as Record<string, unknown>;
  const cases: [string, () => unknown][] = [
    ['a negative size', () => parseOrder({ ...order, size: -1 })],
    ['a fractional size', () => parseOrder({ ...order, size: 1.5 })],
    ['an unknown side', () => parseOrder({ ...order, side: 'long' })],
    ['an unknown status', () => parseOrder({ ...order, status: 'active' })],
    ['a NaN price', () => parseOrder({ ...order, price: 'NaN' })],
    ['an Infinity price', () => parseOrder({ ...order, price: 'Infinity' })],
    ['a filled size above the size', () => parseOrder({ ...order, filledSize: 5 })],
    ['an unknown margin mode', () => parseOrder({ ...order, marginMode: 'PORTFOLIO' })],
    [
      'a book level with a negative size',
      () => parseOrderBook({ ...(fixtureData('http_get_level2_snapshot') as object), bids: [[1, -2]] }),
    ],
    [
      'a contract with zero tick size',
      () => parseContract({ ...(fixtureData('http_get_contracts_symbol') as object), tickSize: 0 }),
    ],
  ];
  for (const [what, run] of cases) {
    it(`rejects ${what}`, () => {
      expect(run).toThrow(KucoinParseError);
    });
  }
});
