import { describe, expect, it } from 'vitest';
import { KucoinParseError } from './errors.ts';
import { fixture } from './test-fixtures.ts';
import {
  parseAdjustRiskLimit,
  parseExecution,
  parseLevel2Change,
  parseMarkIndexPrice,
  parseOrderChange,
  parsePositionChange,
  parseStopOrderEvent,
  parseTickerV2,
  parseWalletBalance,
  parseWsCandle,
  topicSymbol,
} from './ws-parse.ts';

function plain(value: unknown): unknown {
  if (value && typeof value === 'object' && 'toFixed' in value && 'd' in value) return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
const frame = (name: string) => fixture(name) as { topic: string; data: unknown };

const table: { name: string; parse: () => unknown; expected: Record<string, unknown> }[] = [
  {
    name: 'tickerV2',
    parse: () => parseTickerV2(frame('ws_tickerV2').data),
    expected: { symbol: 'XBTUSDTM', bestBid: '88987.4', bestAskSize: 1037, time: 1731665526461 },
  },
  {
    name: 'level2 change "price,side,size"',
    parse: () => parseLevel2Change(frame('ws_level2').data, topicSymbol(frame('ws_level2').topic)),
    expected: { symbol: 'XBTUSDTM', sequence: 1709400450243, side: 'sell', price: '90631.2', size: 2 },
  },
  {
    name: 'execution (public trade)',
    parse: () => parseExecution(frame('ws_execution').data),
    expected: { tradeId: '1794100537695', side: 'buy', price: '90503.9', size: 2, time: 1731898619520 },
  },
  {
    name: 'candle [start s, open, close, high, low, volume, amount]',
    parse: () => parseWsCandle(frame('ws_limitCandle').data),
    expected: { openTime: 1731898200000, open: '90638.6', close: '90638.6', volume: '21' },
  },
  {
    name: 'mark/index price',
    parse: () => parseMarkIndexPrice(frame('ws_instrument').data, 'XBTUSDTM'),
    expected: { markPrice: '90445.02', indexPrice: '90445.02', time: 1731899129000 },
  },
  {
    name: 'private order change',
    parse: () => parseOrderChange(frame('ws_private_tradeOrders').data),
    expected: {
      orderId: '247899236673269761',
      type: 'open',
      status: 'open',
      size: 1,
      filledSize: 0,
      price: '91670',
    },
  },
  {
    name: 'stop order event',
    parse: () => parseStopOrderEvent(frame('ws_private_advancedOrders').data),
    expected: { type: 'open', stop: 'down', stopPrice: '1000', stopPriceType: 'TP', size: 1 },
  },
  {
    name: 'position change',
    parse: () => parsePositionChange(frame('ws_private_position').data),
    expected: { changeReason: 'positionChange', position: { qty: 1, avgEntryPrice: '91694.5' } },
  },
  {
    name: 'wallet balance',
    parse: () => parseWalletBalance(frame('ws_private_wallet').data),
    expected: {
      currency: 'USDT',
      equity: '81.273621258',
      availableBalance: '26.144281178',
      time: 1731916996764,
    },
  },
];

describe('KuCoin WS payload table', () => {
  for (const row of table) {
    it(`parses ${row.name}`, () => {
      expect(plain(row.parse())).toMatchObject(row.expected);
    });
  }

  it('accepts orderTime as a string of ns, as CCXT recorded it in 2026', () => {
    const data = { ...(frame('ws_private_tradeOrders').data as object), orderTime: '1772043995356345762' };
    expect(parseOrderChange(data).orderId).toBe('247899236673269761');
  });

  it('gives no Position for a mark-price update, which carries only part of the fields', () => {
    // KuCoin's reduced `position.change` for a mark move (changeReason markPriceChange): no currentQty.
    const reduced = {
      symbol: 'XBTUSDTM',
      changeReason: 'markPriceChange',
      markPrice: '91700.1',
      markValue: '91.7001',
      unrealisedPnl: '0.0056',
      unrealisedPnlPcnt: '0.0001',
      unrealisedRoePcnt: '0.0003',
      maintMargin: '0.45',
      riskRate: '0.01',
      realLeverage: '3.0',
      liquidationPrice: '61000',
      bankruptPrice: '60700',
      settleCurrency: 'USDT',
      currentTimestamp: 1731916996764,
    };
    const parsed = parsePositionChange(reduced);
    expect(parsed.position).toBeNull();
    expect(parsed).toMatchObject({ symbol: 'XBTUSDTM', changeReason: 'markPriceChange' });
    expect(parsePositionChange(frame('ws_private_position').data).partial).toBeNull();
  });

  it("takes the symbol from the topic when the frame has none (the S1 docs' mark-price frame), and a full frame with any changeReason", () => {
    // KuCoin's "Position Changes Caused By Mark Price" data: no symbol, no changeReason
    const markOnly = {
      markPrice: '7947.83',
      markValue: '0.00251640',
      maintMargin: '0.00252044',
      realLeverage: '2.06',
      unrealisedPnl: '-0.00014735',
      unrealisedRoePcnt: '-0.1201',
      unrealisedPnlPcnt: '-0.0553',
      delevPercentage: '0.52',
      currentTimestamp: 1558087175068,
      settleCurrency: 'XBT',
    };
    expect(parsePositionChange(markOnly, 'XBTUSDM')).toMatchObject({ symbol: 'XBTUSDM', position: null });
    expect(() => parsePositionChange(markOnly)).toThrow(/no symbol/);
    const recorded = frame('ws_private_position').data as Record<string, unknown>;
    const full = { ...recorded, changeReason: 'markPriceChange' };
    expect(parsePositionChange(full).position?.qty).toBe(recorded['currentQty']);
  });

  it('reads a risk-limit adjustment (position.adjustRiskLimit) with its symbol from the topic', () => {
    // KuCoin's frame (old futures docs, "Adjustment result of risk limit level"; KUCOIN.md §3.9, §4.3).
    // Its data names no symbol: the topic does.
    const docs = {
      userId: 'xbc453tg732eba53a88ggyt8c',
      topic: '/contract/position:ADAUSDTM',
      subject: 'position.adjustRiskLimit',
      data: { success: true, riskLimitLevel: 1, msg: '' },
    };
    expect(parseAdjustRiskLimit(docs.data, topicSymbol(docs.topic))).toEqual({
      symbol: 'ADAUSDTM',
      success: true,
      riskLimitLevel: 1,
      msg: '',
    });
    // a refusal, with a field KuCoin may add later (ignored)
    expect(
      parseAdjustRiskLimit(
        { success: false, riskLimitLevel: 2, msg: 'risk limit exceeded', ts: 1731924561514 },
        'XBTUSDTM',
      ),
    ).toEqual({ symbol: 'XBTUSDTM', success: false, riskLimitLevel: 2, msg: 'risk limit exceeded' });
  });

  it('keeps the candle order from the docs: close is index 2, high 3, low 4', () => {
    const c = parseWsCandle({ symbol: 'X', candles: ['60', '1', '2', '3', '0.5', '7', '8'], time: 1 });
    expect(plain(c)).toMatchObject({
      open: '1',
      close: '2',
      high: '3',
      low: '0.5',
      volume: '8',
      openTime: 60000,
    });
  });
});

describe('KuCoin WS parse boundary rejects bad data', () => {
  const l2 = (change: string) => () => parseLevel2Change({ sequence: 1, change, timestamp: 1 }, 'XBTUSDTM');
  const order = frame('ws_private_tradeOrders').data as Record<string, unknown>;
  const cases: [string, () => unknown][] = [
    ['a level2 change with an unknown side', l2('100,bid,1')],
    ['a level2 change with a negative size', l2('100,buy,-1')],
    ['a level2 change with a NaN price', l2('NaN,buy,1')],
    ['a level2 change with a fractional size', l2('100,buy,1.5')],
    ['a level2 change with missing parts', l2('100,buy')],
    ['an order change with an unknown type', () => parseOrderChange({ ...order, type: 'expired' })],
    ['an order change with a non-integer size', () => parseOrderChange({ ...order, size: '1.5' })],
    ['an order change with filled above size', () => parseOrderChange({ ...order, filledSize: '2' })],
    [
      'a risk-limit adjustment without its outcome',
      () => parseAdjustRiskLimit({ riskLimitLevel: 2, msg: '' }, 'X'),
    ],
    [
      'a risk-limit adjustment with a level 0',
      () => parseAdjustRiskLimit({ success: true, riskLimitLevel: 0, msg: '' }, 'X'),
    ],
    [
      'a risk-limit adjustment with a text level',
      () => parseAdjustRiskLimit({ success: true, riskLimitLevel: '2', msg: '' }, 'X'),
    ],
  ];
  for (const [what, run] of cases) {
    it(`rejects ${what}`, () => {
      expect(run).toThrow(KucoinParseError);
    });
  }
});
