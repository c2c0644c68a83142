import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { SimError } from './errors.ts';
import { accountSummary, adjustIsolatedMargin, maxWithdrawMargin, orderMargin } from './margin.ts';
import { order, placeIn, setup, T0 } from './test-engine.ts';

// Expected values computed by hand: XBTUSDTM is 0.001 BTC a lot, taker fee 0.06 %, orders at 10x; a
// passive buy at 99,000 filled when the market trades through is an entry at exactly 99,000.

/** Long 10 lots at 99,000, isolated, 10x: notional 990, initial margin 99; mark then 98,900. */
function long10() {
  const s = setup();
  s.engine.placeOrder(order({ side: 'buy', price: '99000', size: 10 }));
  s.move('XBTUSDTM', 98_900);
  const p = s.engine.positions.get('XBTUSDTM')!;
  expect(p.qty).toBe(10);
  expect(p.entryPrice.toString()).toBe('99000');
  return { ...s, p };
}

function simError(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('expected a SimError');
}

describe('isolated margin: add and withdraw', () => {
  it('withdraws only what lies above the initial margin (notional at entry / leverage)', () => {
    const { engine, p } = long10();
    expect(p.isolatedMargin.toString()).toBe('99');
    expect(maxWithdrawMargin(engine.account, 'XBTUSDTM').toString()).toBe('0');
    adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney(10));
    expect(p.isolatedMargin.toString()).toBe('109');
    expect(maxWithdrawMargin(engine.account, 'XBTUSDTM').toString()).toBe('10');
    const over = simError(() => adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney('-10.01')));
    expect([over.code, over.message]).toEqual(['300000', 'The withdrawal amount exceeds the maximum']);
    expect(p.isolatedMargin.toString()).toBe('109');
    adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney(-10));
    expect(p.isolatedMargin.toString()).toBe('99');
  });

  it('refuses more than the available balance, naming the amount', () => {
    const { engine, p } = long10();
    const e = simError(() => adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney(20_000)));
    expect([e.code, e.message]).toEqual([
      '300003',
      'Balance insufficient. The order would cost 20000.0000000000.',
    ]);
    expect(p.isolatedMargin.toString()).toBe('99');
  });

  it('there is nothing to adjust without an isolated position', () => {
    const { engine } = long10();
    for (const symbol of ['ETHUSDTM', 'NOPEUSDTM']) {
      const e = simError(() => adjustIsolatedMargin(engine.account, symbol, toMoney(1)));
      expect([e.code, e.message]).toEqual(['300009', 'Position does not exist']);
      expect(maxWithdrawMargin(engine.account, symbol).toString()).toBe('0');
    }
    const cross = setup();
    cross.engine.setMarginMode('XBTUSDTM', 'CROSS');
    placeIn(cross.engine, order({ side: 'buy', price: '99000', size: 10 }));
    cross.move('XBTUSDTM', 98_900);
    expect(cross.engine.positions.get('XBTUSDTM')!.qty).toBe(10);
    expect(simError(() => adjustIsolatedMargin(cross.engine.account, 'XBTUSDTM', toMoney(1))).code).toBe(
      '300009',
    );
    expect(maxWithdrawMargin(cross.engine.account, 'XBTUSDTM').toString()).toBe('0');
  });
});

describe('order margin: only the part of an order that would open or grow a position', () => {
  it('a sell against a long freezes margin only beyond the position; a buy freezes it all', () => {
    const { engine } = long10();
    // sell 15 at 101,000: 10 close the long, 5 would open a short: 5 × 0.001 × 101,000 = 505 → 50.5 + 0.303
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 15 }));
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('50.803');
    // buy 2 at 98,000 grows the long: 196 → 19.6 + 0.1176
    engine.placeOrder(order({ side: 'buy', price: '98000', size: 2 }));
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('70.5206');
    // a reduce-only sell freezes nothing
    engine.placeOrder(order({ side: 'sell', price: '102000', size: 3, reduceOnly: true }));
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('70.5206');
    expect(orderMargin(engine.account, 'ETHUSDTM').toString()).toBe('0');
  });

  it('a buy against a short freezes margin only beyond the position', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 4 }));
    move('XBTUSDTM', 101_100);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(-4);
    // buy 6 at 100,000: 4 close the short, 2 would open a long: 200 → 20 + 0.12
    engine.placeOrder(order({ side: 'buy', price: '100000', size: 6 }));
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('20.12');
  });
});

describe('more isolated-margin and order-margin rules, by hand', () => {
  it('a closed position has no margin to adjust; an adjustment is pushed as marginChange', () => {
    const { engine, move } = long10();
    const reasons: string[] = [];
    engine.onEvent((ev) => {
      const r = (ev.data as { changeReason?: string }).changeReason;
      if (ev.subject === 'position.change' && r) reasons.push(r);
    });
    adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney(5));
    expect(reasons).toContain('marginChange');
    engine.placeOrder(order({ side: 'sell', type: 'market', size: 10, reduceOnly: true }));
    move('XBTUSDTM', 98_900);
    expect(engine.positions.get('XBTUSDTM')?.qty ?? 0).toBe(0);
    expect(simError(() => adjustIsolatedMargin(engine.account, 'XBTUSDTM', toMoney(1))).code).toBe('300009');
    expect(maxWithdrawMargin(engine.account, 'XBTUSDTM').toString()).toBe('0');
  });

  it('each reducing order uses up the position: two sells of 6 against a long of 10 leave 2 lots to margin', () => {
    const { engine } = long10();
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 6 }));
    engine.placeOrder(order({ side: 'sell', price: '102000', size: 6 }));
    // the second uses the 4 lots left, 2 would open a short: 2 × 0.001 × 102,000 = 204 → 20.4 + 0.1224
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('20.5224');
  });

  it('a sell that grows a short freezes margin on every lot', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 4 }));
    move('XBTUSDTM', 101_100);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(-4);
    // sell 3 more at 102,000: 306 → 30.6 + 0.1836
    engine.placeOrder(order({ side: 'sell', price: '102000', size: 3 }));
    expect(orderMargin(engine.account, 'XBTUSDTM').toString()).toBe('30.7836');
  });
});

describe('funding on an isolated position, by hand', () => {
  it('takes the fee from the isolated margin and records the settlement field by field', () => {
    const s = setup({ fundingRate: 0.0001 });
    s.engine.placeOrder(order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    const p = s.engine.positions.get('XBTUSDTM')!;
    const settlements: unknown[] = [];
    const channels: string[] = [];
    const reasons: string[] = [];
    s.engine.onEvent((ev) => {
      if (ev.subject === 'position.settlement') {
        settlements.push(ev.data);
        channels.push(ev.channel);
      }
      const r = (ev.data as { changeReason?: string }).changeReason;
      if (ev.subject === 'position.change' && r) reasons.push(r);
    });
    // to 04:00 UTC at a mark of 100,000: a long pays 10 × 0.001 × 100,000 × 0.0001 = 0.1
    s.move('XBTUSDTM', 100_000, T0 + 4 * 3600_000 - s.clock.now());
    expect(p.isolatedMargin.toString()).toBe('98.9');
    expect(p.posFunding.toString()).toBe('-0.1');
    const [rec] = s.engine.fundingRecords;
    expect({
      ...rec,
      fundingRate: rec!.fundingRate.toString(),
      markPrice: rec!.markPrice.toString(),
      positionCost: rec!.positionCost.toString(),
      funding: rec!.funding.toString(),
    }).toEqual({
      id: 1_472_387_374_042_586, // the first record: the count before it (0) + KuCoin-sized base
      symbol: 'XBTUSDTM',
      timePoint: T0 + 4 * 3600_000,
      fundingRate: '0.0001',
      markPrice: '100000',
      positionQty: 10,
      positionCost: '1000',
      funding: '-0.1',
      marginMode: 'ISOLATED',
    });
    expect(settlements).toEqual([
      {
        fundingTime: T0 + 4 * 3600_000,
        qty: 10,
        markPrice: 100_000,
        fundingRate: 0.0001,
        fundingFee: -0.1,
        ts: (T0 + 4 * 3600_000) * 1_000_000,
        settleCurrency: 'USDT',
      },
    ]);
    expect(channels).toEqual(['private']);
    expect(reasons).toContain('positionChange');
  });
});

describe('liquidation cancels the contract’s own orders only', () => {
  it('an isolated long liquidated: its resting XBT order is cancelled, the ETH order stays', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 10, leverage: 20 }));
    const p = engine.positions.get('XBTUSDTM')!;
    const xbt = engine.placeOrder(order({ side: 'buy', price: '50000', size: 1 }));
    const eth = engine.placeOrder(order({ symbol: 'ETHUSDTM', side: 'buy', price: '1000', size: 1 }));
    move('XBTUSDTM', engine.liquidationPriceOf(p).toNumber() - 1);
    expect(p.qty).toBe(0);
    expect(engine.orders.get(xbt.orderId)).toMatchObject({ status: 'done', isActive: false });
    expect(engine.orders.get(eth.orderId)).toMatchObject({ status: 'open', isActive: true });
    const liq = engine.fills.at(-1)!;
    expect(liq).toMatchObject({ tradeType: 'liquid', size: 10, side: 'sell' });
  });
});

describe('the liquidation order and the funding announcements, by hand', () => {
  it('liquidates with a stored, reduce-only, closing taker order named liq-…', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 10, leverage: 20 }));
    const p = engine.positions.get('XBTUSDTM')!;
    move('XBTUSDTM', engine.liquidationPriceOf(p).toNumber() - 1);
    expect(p.qty).toBe(0);
    const liq = [...engine.orders.values()].filter((o) => o.tradeType === 'liquid');
    expect(liq).toHaveLength(1);
    expect(liq[0]).toMatchObject({
      side: 'sell',
      size: 10,
      reduceOnly: true,
      closeOrder: true,
      filledSize: 10,
    });
    expect(liq[0]!.clientOid).toMatch(/^liq-\d+$/);
    expect(engine.fills.at(-1)).toMatchObject({
      orderId: liq[0]!.id,
      liquidity: 'taker',
      tradeType: 'liquid',
    });
  });

  it('announces funding only on watched topics, on the public channel, and records nothing for a closed position', () => {
    const s = setup({ fundingRate: 0.0001 });
    s.engine.isWatched = (topic) => topic === '/contract/announcement:XBTUSDTM';
    const events: { channel: string; topic: string; subject: string; data: unknown }[] = [];
    s.engine.onEvent((ev) => {
      if (ev.topic.startsWith('/contract/announcement:')) events.push(ev as never);
    });
    // a position opened and closed before the settlement pays nothing and leaves no record
    s.engine.placeOrder(order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    s.engine.placeOrder(order({ side: 'sell', type: 'market', size: 10, reduceOnly: true }));
    expect(s.engine.positions.get('XBTUSDTM')?.qty ?? 0).toBe(0);
    s.move('XBTUSDTM', 100_000, T0 + 4 * 3600_000 - s.clock.now());
    expect(s.engine.fundingRecords).toEqual([]);
    const at = T0 + 4 * 3600_000;
    expect(
      events.map((e) => ({ channel: e.channel, topic: e.topic, subject: e.subject, data: e.data })),
    ).toEqual(
      ['funding.begin', 'funding.end'].map((subject) => ({
        channel: 'public',
        topic: '/contract/announcement:XBTUSDTM',
        subject,
        data: { symbol: 'XBTUSDTM', fundingTime: at, fundingRate: 0.0001, timestamp: at },
      })),
    );
  });
});

describe('account figures, by hand', () => {
  it('an isolated long of 10 at 99,000 (mark 98,900) with a sell of 15 resting at 101,000', () => {
    const { engine } = long10();
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 15 }));
    const a = Object.fromEntries(
      Object.entries(accountSummary(engine.account)).map(([k, v]) => [k, v.toString()]),
    );
    expect(a).toEqual({
      wallet: '9999.802', // 10,000 − the maker fee 990 × 0.02 %
      equity: '9998.802', // wallet + (98,900 − 99,000) × 10 × 0.001
      unrealised: '-1',
      crossUnPnl: '0',
      isoUnPnl: '-1',
      isoPosMargin: '99',
      crossPosMargin: '0',
      positionMargin: '99',
      orderMargin: '50.803',
      crossOrderMargin: '0',
      isoOrderMargin: '50.803',
      available: '9849.999', // 9,999.802 − 99 − 50.803
      totalCrossMargin: '9849.999',
    });
  });
});
