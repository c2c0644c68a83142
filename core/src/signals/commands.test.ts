import { describe, expect, it } from 'vitest';
import { operatorCommand, placeOrderCommand, setTpSlCommand } from './commands.ts';

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

  it('dispatches on the type field', () => {
    expect(operatorCommand.parse({ type: 'kill_switch', on: true, reason: 'drill' })).toEqual({
      type: 'kill_switch',
      on: true,
      reason: 'drill',
    });
    expect(operatorCommand.safeParse({ type: 'withdraw_all' }).success).toBe(false);
  });
});
