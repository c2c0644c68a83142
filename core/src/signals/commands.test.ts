import { describe, expect, it } from 'vitest';
import { DEFAULT_EXECUTION } from '../router/plan.ts';
import {
  cancelledByCancelAll,
  operatorCommand,
  operatorRouting,
  orderTicketSchema,
  placeOrderCommand,
  setTpSlCommand,
} from './commands.ts';

describe('operator command schemas', () => {
  const limit = {
    type: 'place_order',
    symbol: 'XBTUSDTM',
    side: 'buy',
    orderType: 'limit',
    size: 2,
    price: '64000.5',
  };

  it('accepts a limit order with integer lots and a decimal-string price', () => {
    expect(placeOrderCommand.parse(limit)).toMatchObject({ size: 2, price: '64000.5', reduceOnly: false });
  });

  it('refuses a limit order without a price, fractional lots, NaN and non-positive prices', () => {
    expect(placeOrderCommand.safeParse({ ...limit, price: undefined }).success).toBe(false);
    expect(placeOrderCommand.safeParse({ ...limit, size: 1.5 }).success).toBe(false);
    expect(placeOrderCommand.safeParse({ ...limit, price: 'NaN' }).success).toBe(false);
    expect(placeOrderCommand.safeParse({ ...limit, price: '0' }).success).toBe(false);
    expect(placeOrderCommand.safeParse({ ...limit, price: 64000.5 }).success).toBe(false);
    expect(placeOrderCommand.safeParse({ ...limit, symbol: 'BTCUSDT' }).success).toBe(false);
  });

  it('needs at least one of take-profit and stop-loss; null clears one', () => {
    expect(setTpSlCommand.safeParse({ type: 'set_tpsl', symbol: 'XBTUSDTM' }).success).toBe(false);
    expect(setTpSlCommand.parse({ type: 'set_tpsl', symbol: 'XBTUSDTM', stopLoss: null })).toMatchObject({
      stopLoss: null,
    });
  });

  it("refuses a stop-loss or take-profit off the contract's tick, naming the field (KuCoin would refuse the order)", () => {
    const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
      r.error?.issues.map((i) => i.path.join('.')) ?? [];
    const tpsl = { type: 'set_tpsl', symbol: 'XBTUSDTM' };
    expect(paths(setTpSlCommand.safeParse({ ...tpsl, stopLoss: '90000.05' }))).toEqual(['stopLoss']);
    expect(paths(setTpSlCommand.safeParse({ ...tpsl, takeProfit: '150.0005' }))).toEqual(['takeProfit']);
    expect(setTpSlCommand.safeParse({ ...tpsl, stopLoss: '90000.1', takeProfit: null }).success).toBe(true);
    const order = { type: 'place_order', symbol: 'XBTUSDTM', side: 'buy', orderType: 'market', size: 1 };
    expect(paths(placeOrderCommand.safeParse({ ...order, stopLoss: '93000.05' }))).toEqual(['stopLoss']);
    expect(paths(placeOrderCommand.safeParse({ ...order, takeProfit: '99000.01' }))).toEqual(['takeProfit']);
    expect(placeOrderCommand.safeParse({ ...order, stopLoss: '93000', takeProfit: '99000.1' }).success).toBe(
      true,
    );
  });

  it('dispatches on the type field', () => {
    expect(operatorCommand.parse({ type: 'kill_switch', on: true, reason: 'drill' })).toEqual({
      type: 'kill_switch',
      on: true,
      reason: 'drill',
    });
    expect(operatorCommand.safeParse({ type: 'withdraw_all' }).success).toBe(false);
  });

  const issuesOf = (body: Record<string, unknown>) => {
    const r = placeOrderCommand.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('stop orders: a stop price for both, a limit price for a stop limit only', () => {
    const stop = { ...limit, orderType: 'stop_market', price: undefined, stopPrice: '65000' };
    expect(placeOrderCommand.parse(stop)).toMatchObject({ orderType: 'stop_market', stopPrice: '65000' });
    expect(issuesOf({ ...stop, stopPrice: undefined })).toEqual([
      'stopPrice: a stop order needs a stop price',
    ]);
    expect(issuesOf({ ...stop, price: '65010' })).toEqual(['price: a stop market order takes no price']);
    expect(issuesOf({ ...stop, orderType: 'stop_limit' })).toEqual([
      'price: a stop limit order needs a price',
    ]);
    expect(placeOrderCommand.parse({ ...stop, orderType: 'stop_limit', price: '65010' })).toMatchObject({
      price: '65010',
      stopPrice: '65000',
    });
    expect(issuesOf({ ...limit, stopPrice: '65000' })).toEqual([
      'stopPrice: only a stop order takes a stop price',
    ]);
    expect(issuesOf({ ...stop, stopPrice: '-1' })[0]).toMatch(/^stopPrice: /);
  });

  it('post-only is for limit orders; margin mode isolated by default, cross accepted, nothing else', () => {
    expect(placeOrderCommand.parse({ ...limit, postOnly: true })).toMatchObject({
      postOnly: true,
      marginMode: 'isolated',
    });
    expect(issuesOf({ ...limit, orderType: 'market', price: undefined, postOnly: true })).toEqual([
      'postOnly: post-only is for limit orders',
    ]);
    expect(placeOrderCommand.parse({ ...limit, marginMode: 'cross' }).marginMode).toBe('cross');
    expect(issuesOf({ ...limit, marginMode: 'portfolio' })[0]).toMatch(/^marginMode: /);
  });

  it('execution: a router style or a whole execution block, for market orders only', () => {
    const market = { ...limit, orderType: 'market', price: undefined };
    expect(placeOrderCommand.parse({ ...market, execution: 'twap' }).execution).toBe('twap');
    expect(placeOrderCommand.parse({ ...market, execution: 'auto' }).execution).toBe('auto');
    expect(
      placeOrderCommand.parse({ ...market, execution: { style: 'twap', twap: { slices: 3 } } }).execution,
    ).toMatchObject({ style: 'twap', twap: { slices: 3, durationSeconds: 60 } });
    expect(issuesOf({ ...market, execution: 'vwap' })[0]).toMatch(/^execution: /);
    expect(issuesOf({ ...limit, execution: 'twap' })).toEqual([
      'execution: a router style is for market orders (the router prices its own children)',
    ]);
  });

  it('the preview reads the same ticket (one schema)', () => {
    const { type: _t, ...ticket } = limit;
    expect(orderTicketSchema.parse({ ...ticket, orderType: 'stop_limit', stopPrice: '63000' })).toMatchObject(
      {
        stopPrice: '63000',
      },
    );
    expect(orderTicketSchema.safeParse({ ...ticket, orderType: 'stop_limit' }).success).toBe(false);
  });

  it('operatorRouting: a named style wins; auto chooses from the book; a block is the configuration', () => {
    expect(operatorRouting('twap')).toEqual({ config: DEFAULT_EXECUTION, requested: 'twap' });
    expect(operatorRouting('auto')).toEqual({
      config: { ...DEFAULT_EXECUTION, style: 'auto' },
      requested: null,
    });
    const block = { ...DEFAULT_EXECUTION, style: 'iceberg' as const };
    expect(operatorRouting(block)).toEqual({ config: block, requested: null });
  });
});

describe('what cancel-all cancels', () => {
  const o = (purpose: string, symbol = 'XBTUSDTM') => ({ purpose, symbol });
  it('entries and manual orders, of the contract it names; never stops, take-profits, exits or a flatten', () => {
    expect(
      ['entry', 'manual', 'stop', 'take_profit', 'exit', 'flatten'].filter((p) => cancelledByCancelAll(o(p))),
    ).toEqual(['entry', 'manual']);
    expect(cancelledByCancelAll(o('entry', 'ETHUSDTM'), 'XBTUSDTM')).toBe(false);
    expect(cancelledByCancelAll(o('manual', 'XBTUSDTM'), 'XBTUSDTM')).toBe(true);
  });
});
