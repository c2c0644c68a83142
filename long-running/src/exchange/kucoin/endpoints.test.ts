import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { account, type Endpoint, market, positions, trade } from './endpoints.ts';
import { KucoinParseError } from './errors.ts';
import { fixtureData } from './test-fixtures.ts';

const order = {
  clientOid: 'c-1',
  symbol: 'XBTUSDTM',
  side: 'buy' as const,
  type: 'market' as const,
  size: 1,
};

// Response table per operation: the spec's recorded `data` → what the operation returns.
const rows: { name: string; endpoint: Endpoint<unknown>; fixture: string; check: (out: never) => void }[] = [
  {
    name: 'server time',
    endpoint: market.serverTime(),
    fixture: 'http_get_timestamp',
    check: (t: number) => expect(t).toBe(1729260030774),
  },
  {
    name: 'server status',
    endpoint: market.serverStatus(),
    fixture: 'http_get_status',
    check: (s: { status: string }) => expect(s.status).toBe('open'),
  },
  {
    name: 'public token',
    endpoint: market.publicToken(),
    fixture: 'http_post_bullet_public',
    check: (b: { instanceServers: { pingInterval: number }[] }) =>
      expect(b.instanceServers[0]!.pingInterval).toBe(18000),
  },
  {
    name: 'private token',
    endpoint: market.privateToken(),
    fixture: 'http_post_bullet_private',
    check: (b: { token: string }) => expect(b.token.length).toBeGreaterThan(20),
  },
  {
    name: 'trade history',
    endpoint: market.trades('XBTUSDTM'),
    fixture: 'http_get_trade_history',
    check: (t: { symbol: string }[]) => expect(t[0]!.symbol).toBe('XBTUSDTM'),
  },
  {
    name: 'klines',
    endpoint: market.klines('XBTUSDTM', 60),
    fixture: 'http_get_kline_query',
    check: (k: unknown[]) => expect(k.length).toBeGreaterThan(1),
  },
  {
    name: 'depth',
    endpoint: market.orderBook('XBTUSDM', 20),
    fixture: 'http_get_level2_depth_size',
    check: (b: { bids: unknown[] }) => expect(b.bids).toHaveLength(2),
  },
  {
    name: 'risk limits',
    endpoint: market.riskLimits('XBTUSDTM'),
    fixture: 'http_get_contracts_risk_limit_symbol',
    check: (r: { level: number }[]) => expect(r.map((x) => x.level)).toContain(1),
  },
  {
    name: 'order ack',
    endpoint: trade.placeOrder(order),
    fixture: 'http_post_orders',
    check: (a: object) =>
      expect(a).toEqual({ orderId: '234125150956625920', clientOid: '5c52e11203aa677f33e493fb' }),
  },
  {
    name: 'test order ack',
    endpoint: trade.testOrder(order),
    fixture: 'http_post_orders_test',
    check: (a: { orderId: string }) => expect(a.orderId).toBe('234125150956625920'),
  },
  {
    name: 'TP/SL ack',
    endpoint: trade.placeTpSlOrder({ ...order, downTriggerPrice: toMoney(1), stopPriceType: 'MP' }),
    fixture: 'http_post_st_orders',
    check: (a: { orderId: string }) => expect(a.orderId).toBe('234125150956625920'),
  },
  {
    name: 'batch results',
    endpoint: trade.placeOrders([order]),
    fixture: 'http_post_orders_multi',
    check: (r: { code: string }[]) => expect(r[0]!.code).toBe('200000'),
  },
  {
    name: 'cancel by id',
    endpoint: trade.cancelOrder('1'),
    fixture: 'http_delete_orders_orderId',
    check: (ids: string[]) => expect(ids).toEqual(['235303670076489728']),
  },
  {
    name: 'cancel by clientOid',
    endpoint: trade.cancelOrderByClientOid('x', 'XBTUSDTM'),
    fixture: 'http_delete_orders_client_order_clientOid',
    check: (c: string) => expect(c).toBe('017485b0-2957-4681-8a14-5d46b35aee0d'),
  },
  {
    name: 'cancel all (v3)',
    endpoint: trade.cancelAllOrders('XBTUSDTM'),
    fixture: 'http_delete_v3_orders',
    check: (ids: string[]) => expect(ids).toHaveLength(2),
  },
  {
    name: 'cancel all stops',
    endpoint: trade.cancelAllStopOrders(),
    fixture: 'http_delete_stopOrders',
    check: (ids: string[]) => expect(ids).toHaveLength(2),
  },
  {
    name: 'order by clientOid',
    endpoint: trade.orderByClientOid('x'),
    fixture: 'http_get_orders_byClientOid',
    check: (o: { id: string }) => expect(o.id).toBe('250444645610336256'),
  },
  {
    name: 'order page',
    endpoint: trade.orders({ status: 'active' }),
    fixture: 'http_get_orders',
    check: (p: { totalNum: number; items: unknown[] }) =>
      expect([p.totalNum, p.items.length]).toEqual([1, 1]),
  },
  {
    name: 'stop order page',
    endpoint: trade.stopOrders(),
    fixture: 'http_get_stopOrders',
    check: (p: { items: unknown[] }) => expect(p.items).toHaveLength(1),
  },
  {
    name: 'recent done orders',
    endpoint: trade.recentDoneOrders(),
    fixture: 'http_get_recentDoneOrders',
    check: (o: { status: string }[]) => expect(o[0]!.status).toBe('done'),
  },
  {
    name: 'fill page',
    endpoint: trade.fills(),
    fixture: 'http_get_fills',
    check: (p: { items: unknown[] }) => expect(p.items.length).toBeGreaterThan(0),
  },
  {
    name: 'recent fills',
    endpoint: trade.recentFills(),
    fixture: 'http_get_recentFills',
    check: (f: { tradeId: string }[]) => expect(f[0]!.tradeId).toBe('1784277229880'),
  },
  {
    name: 'positions',
    endpoint: positions.positions(),
    fixture: 'http_get_positions',
    check: (p: { symbol: string }[]) => expect(p[0]!.symbol).toBe('ETHUSDM'),
  },
  {
    name: 'position history',
    endpoint: positions.history(),
    fixture: 'http_get_history_positions',
    check: (p: { items: { side: string }[] }) => expect(p.items[0]!.side).toBe('LONG'),
  },
  {
    name: 'margin mode',
    endpoint: positions.marginMode('XBTUSDTM'),
    fixture: 'http_get_v2_position_getMarginMode',
    check: (m: object) => expect(m).toEqual({ symbol: 'XBTUSDTM', marginMode: 'ISOLATED' }),
  },
  {
    name: 'change margin mode',
    endpoint: positions.changeMarginMode('XBTUSDTM', 'ISOLATED'),
    fixture: 'http_post_v2_position_changeMarginMode',
    check: (m: { marginMode: string }) => expect(m.marginMode).toBe('ISOLATED'),
  },
  {
    name: 'cross leverage',
    endpoint: positions.crossLeverage('XBTUSDTM'),
    fixture: 'http_get_v2_getCrossUserLeverage',
    check: (l: { leverage: string }) => expect(l.leverage).toBe('3'),
  },
  {
    name: 'change cross leverage',
    endpoint: positions.changeCrossLeverage('XBTUSDTM', toMoney(3)),
    fixture: 'http_post_v2_changeCrossUserLeverage',
    check: (ok: boolean) => expect(ok).toBe(true),
  },
  {
    name: 'change risk limit level',
    endpoint: positions.changeRiskLimitLevel('XBTUSDTM', 2),
    fixture: 'http_post_position_risk_limit_level_change',
    check: (ok: boolean) => expect(ok).toBe(true),
  },
  {
    name: 'funding history (own)',
    endpoint: account.fundingHistory({ symbol: 'XBTUSDTM' }),
    fixture: 'http_get_funding_history',
    check: (h: { hasMore: boolean; items: unknown[] }) =>
      expect([h.hasMore, h.items.length]).toEqual([true, 1]),
  },
];

describe('KuCoin operation response table', () => {
  for (const row of rows) {
    it(`parses ${row.name}`, () => {
      row.check(row.endpoint.parse(fixtureData(row.fixture)) as never);
    });
  }

  it('rejects an acknowledgement that is not `true`', () => {
    expect(() => positions.changeRiskLimitLevel('XBTUSDTM', 2).parse(false)).toThrow(KucoinParseError);
  });

  it('returns null for an unknown clientOid instead of failing', () => {
    expect(trade.orderByClientOid('nope').parse(null)).toBeNull();
  });
});
