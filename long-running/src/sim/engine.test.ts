import { toMoney } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { SimEngine } from './engine.ts';
import { SimError } from './errors.ts';
import { syntheticSource } from './market/synthetic.ts';
import { order, placeIn, setup, T0, tpSlLong } from './test-engine.ts';

describe('matching', () => {
  it('walks the book for a market order: partial fills at rising prices, taker fee on each', () => {
    const { engine } = setup();
    const m = engine.market('XBTUSDTM');
    const first = m.asks[0]!;
    const size = first.size + 5;
    const { orderId } = engine.placeOrder(order({ side: 'buy', type: 'market', size }));
    const fills = engine.fills.filter((f) => f.orderId === orderId);
    expect(fills.length).toBeGreaterThanOrEqual(2);
    expect(fills[0]!.price.toNumber()).toBe(m.tickToPrice(first.tick).toNumber());
    expect(fills[1]!.price.gt(fills[0]!.price)).toBe(true);
    expect(fills.reduce((s, f) => s + f.size, 0)).toBe(size);
    for (const f of fills) expect(f.fee.toString()).toBe(f.value.mul('0.0006').toString());
    const pos = engine.positions.get('XBTUSDTM')!;
    expect(pos.qty).toBe(size);
    const fees = fills.reduce((s, f) => s.plus(f.fee), toMoney(0));
    expect(engine.wallet.toString()).toBe(toMoney(10_000).minus(fees).toString());
  });

  it('rests a passive limit order and fills it as maker when the market trades through', () => {
    const { engine, move } = setup();
    const { orderId } = engine.placeOrder(order({ side: 'buy', price: '99000', size: 2 }));
    expect(engine.orders.get(orderId)).toMatchObject({ status: 'open', isActive: true, filledSize: 0 });
    move('XBTUSDTM', 98_900);
    const o = engine.orders.get(orderId)!;
    expect(o).toMatchObject({ status: 'done', filledSize: 2 });
    const fill = engine.fills.find((f) => f.orderId === orderId)!;
    expect(fill).toMatchObject({ liquidity: 'maker', size: 2 });
    expect(fill.price.toString()).toBe('99000');
    expect(fill.fee.toString()).toBe('0.0396');
  });

  it('realises PnL on a reduce-only close: (exit − entry) × lots × multiplier − fees', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'buy', price: '99000', size: 10 }));
    move('XBTUSDTM', 98_000);
    const walletAfterOpen = engine.wallet;
    engine.placeOrder(order({ side: 'sell', price: '101000', size: 10, reduceOnly: true }));
    move('XBTUSDTM', 101_500);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(0);
    // +2000 × 10 × 0.001 = 20 USDT gross, minus the maker fee on 1010 USDT.
    expect(engine.wallet.minus(walletAfterOpen).toString()).toBe('19.798');
    const closed = engine.closedPositions.at(-1)!;
    expect(closed).toMatchObject({ type: 'CLOSE_LONG', side: 'LONG' });
    expect(closed.realisedGrossCost.toString()).toBe('-20');
  });

  it('rejects an order the balance cannot margin and changes nothing', () => {
    const { engine } = setup({ balance: 50 });
    const before = engine.orders.size;
    expect(() =>
      engine.placeOrder(order({ side: 'buy', type: 'market', size: 100, leverage: 1 })),
    ).toThrowError(
      expect.objectContaining({ code: '300003', message: expect.stringMatching(/^Balance insufficient/) }),
    );
    expect(engine.orders.size).toBe(before);
    expect(engine.positions.get('XBTUSDTM')?.qty ?? 0).toBe(0);
    expect(engine.wallet.toString()).toBe('50');
  });

  it('cancels a crossing post-only order, and the unfilled rest of an IOC', () => {
    const { engine } = setup();
    const ask = engine.market('XBTUSDTM').tickToPrice(engine.market('XBTUSDTM').asks[0]!.tick);
    const po = engine.placeOrder(
      order({ side: 'buy', price: ask.plus(10).toString(), size: 1, postOnly: true }),
    );
    expect(engine.orders.get(po.orderId)).toMatchObject({ status: 'done', filledSize: 0, cancelExist: true });
    const topSize = engine.market('XBTUSDTM').asks[0]!.size;
    const ioc = engine.placeOrder(
      order({ side: 'buy', price: ask.toString(), size: topSize + 50, timeInForce: 'IOC' }),
    );
    expect(engine.orders.get(ioc.orderId)).toMatchObject({
      status: 'done',
      filledSize: topSize,
      canceledSize: 50,
    });
  });

  it('hides hidden orders from the book and shows only the visible part of an iceberg', () => {
    const { engine } = setup();
    const m = engine.market('XBTUSDTM');
    engine.placeOrder(order({ side: 'buy', price: '99500', size: 5, hidden: true }));
    engine.placeOrder(order({ side: 'buy', price: '99400', size: 100, iceberg: true, visibleSize: 10 }));
    const level = (p: string) => engine.depth(m).bids.find(([price]) => price.toString() === p)?.[1] ?? 0;
    const synthetic = (p: string) => m.bids.find((l) => m.tickToPrice(l.tick).toString() === p)?.size ?? 0;
    expect(level('99500')).toBe(synthetic('99500'));
    expect(level('99400')).toBe(synthetic('99400') + 10);
  });

  it('rejects bad input at the boundary', () => {
    const { engine } = setup();
    const code = (body: unknown) => {
      try {
        engine.placeOrder(body);
      } catch (e) {
        return (e as SimError).code;
      }
      return 'accepted';
    };
    expect(code(order({ side: 'buy', price: '100000.05', size: 1 }))).toBe('100001');
    expect(code(order({ side: 'buy', price: '100000', size: 1.5 }))).toBe('100001');
    expect(code(order({ side: 'buy', price: 'NaN', size: 1 }))).toBe('100001');
    expect(code(order({ side: 'hold', price: '100000', size: 1 }))).toBe('100001');
    expect(code(order({ side: 'buy', price: '100000', size: 1, timeInForce: 'FOK' }))).toBe('100001');
    expect(code(order({ symbol: 'DOGEUSDTM', side: 'buy', price: '1', size: 1 }))).toBe('100003');
    expect(code(order({ side: 'buy', price: '100000', size: 1, leverage: 200 }))).toBe('300016');
    expect(code(order({ side: 'sell', type: 'market', size: 1, reduceOnly: true }))).toBe('300009');
    expect(code(order({ symbol: 'SOLUSDTM', side: 'buy', price: '100', size: 1, marginMode: 'CROSS' }))).toBe(
      '330005',
    );
    const dup = order({ side: 'buy', price: '90000', size: 1 });
    expect(code(dup)).toBe('accepted');
    expect(code(dup)).toBe('300018');
  });
});

describe('stops', () => {
  it('triggers a mark-price stop and executes it as a market order', () => {
    const { engine, move } = setup();
    const { orderId } = engine.placeOrder(
      order({ side: 'buy', type: 'market', size: 1, stop: 'up', stopPrice: '101000', stopPriceType: 'MP' }),
    );
    move('XBTUSDTM', 100_500);
    expect(engine.orders.get(orderId)!.stopTriggered).toBe(false);
    move('XBTUSDTM', 101_200);
    expect(engine.orders.get(orderId)).toMatchObject({ stopTriggered: true, status: 'done', filledSize: 1 });
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(1);
  });

  // KuCoin does not document what happens to TP/SL stops when their position closes (KUCOIN.md §3.4:
  // "How the attached TP/SL orders appear afterwards … is UNCONFIRMED"); users report stale ones left
  // behind, so they stay by default and `cancelStopsOnClose` restores the auto-cancel.
  it('attaches TP/SL stops with /st-orders; with cancelStopsOnClose they go when the position closes', () => {
    const { engine, move } = setup();
    engine.setBehaviour({ cancelStopsOnClose: true });
    engine.placeTpSlOrder(tpSlLong());
    const stops = () => [...engine.orders.values()].filter((o) => o.stop && o.status === 'open');
    expect(stops().map((o) => [o.stop, o.side, o.reduceOnly])).toEqual([
      ['up', 'sell', true],
      ['down', 'sell', true],
    ]);
    move('XBTUSDTM', 94_000);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(0);
    expect(stops()).toEqual([]);
  });
});

describe('margin, liquidation and funding', () => {
  it('holds isolated margin of notional / leverage and reports the KuCoin liquidation price', () => {
    const { engine } = setup();
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 10, leverage: 10 }));
    const p = engine.positions.get('XBTUSDTM')!;
    const notional = p.entryPrice.mul(10).mul('0.001');
    expect(p.isolatedMargin.toString()).toBe(notional.div(10).toString());
    // long LP = E − (IM − MM)/(q·m), MMR 0.4 % at tier 1.
    const expected = p.entryPrice.minus(notional.div(10).minus(notional.mul('0.004')).div('0.01'));
    expect(engine.liquidationPriceOf(p).toString()).toBe(expected.toString());
  });

  it('liquidates an isolated long when the mark reaches its liquidation price, losing its margin', () => {
    const { engine, move } = setup();
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 10, leverage: 20 }));
    const p = engine.positions.get('XBTUSDTM')!;
    const margin = p.isolatedMargin;
    const walletBefore = engine.wallet;
    const lp = engine.liquidationPriceOf(p).toNumber();
    move('XBTUSDTM', lp + 50);
    expect(p.qty).toBe(10);
    move('XBTUSDTM', lp - 1);
    expect(p.qty).toBe(0);
    expect(engine.wallet.toString()).toBe(walletBefore.minus(margin).toString());
    expect(engine.fills.at(-1)).toMatchObject({ tradeType: 'liquid' });
    expect(engine.closedPositions.at(-1)).toMatchObject({ type: 'LIQUID_LONG' });
  });

  it('liquidates cross positions when cross equity falls to maintenance margin', () => {
    const { engine, move } = setup({ balance: 200 });
    engine.setMarginMode('XBTUSDTM', 'CROSS');
    engine.setCrossLeverage('XBTUSDTM', toMoney(20));
    placeIn(engine, order({ side: 'buy', type: 'market', size: 30 }));
    expect(engine.positions.get('XBTUSDTM')).toMatchObject({ qty: 30, marginMode: 'CROSS' });
    move('XBTUSDTM', 97_000);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(30);
    move('XBTUSDTM', 93_500);
    expect(engine.positions.get('XBTUSDTM')!.qty).toBe(0);
    expect(engine.wallet.toNumber()).toBeLessThan(20);
  });

  it('refuses to change margin mode while a position is open', () => {
    const { engine } = setup();
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 1 }));
    expect(() => engine.setMarginMode('XBTUSDTM', 'CROSS')).toThrow(SimError);
    expect(engine.settingsOf('XBTUSDTM').marginMode).toBe('ISOLATED');
  });

  it('settles funding at 04:00 UTC: longs pay mark value × rate, shorts receive it', () => {
    const { engine, move } = setup({ fundingRate: 0.0001 });
    const subjects: string[] = [];
    engine.onEvent((ev) => subjects.push(`${ev.topic} ${ev.subject}`));
    engine.placeOrder(order({ side: 'buy', type: 'market', size: 10 }));
    engine.placeOrder(order({ symbol: 'ETHUSDTM', side: 'sell', type: 'market', size: 10 }));
    const wallet = engine.wallet;
    move('XBTUSDTM', 100_000, 4 * 3600_000 - 60_000);
    expect(engine.fundingRecords).toEqual([]);
    move('XBTUSDTM', 100_000, 60_000);
    const [xbt, eth] = ['XBTUSDTM', 'ETHUSDTM'].map(
      (s) => engine.fundingRecords.find((f) => f.symbol === s)!,
    );
    expect(xbt!.timePoint).toBe(T0 + 4 * 3600_000);
    expect(xbt!.funding.toString()).toBe('-0.1'); // 10 × 0.001 × 100000 × 0.0001
    expect(eth!.funding.toString()).toBe('0.02'); // 10 × 0.01 × 2000 × 0.0001
    expect(engine.wallet.minus(wallet).toString()).toBe('-0.08');
    expect(subjects).toEqual(
      expect.arrayContaining([
        '/contract/announcement:XBTUSDTM funding.begin',
        '/contract/announcement:XBTUSDTM funding.end',
        '/contract/position:XBTUSDTM position.settlement',
      ]),
    );
  });
});

describe('determinism', () => {
  it('produces the same prices and book for the same seed and clock', () => {
    const run = () => {
      const clock = new ManualClock(T0);
      const engine = new SimEngine({
        clock,
        source: syntheticSource({ seed: 42 }),
        seed: 42,
        warmupMinutes: 10,
      });
      for (let i = 0; i < 40; i++) {
        clock.advance(250);
        engine.step();
      }
      const m = engine.market('ETHUSDTM');
      return { mark: m.mark.toString(), seq: m.sequence, depth: JSON.stringify(engine.depth(m, 5)) };
    };
    expect(run()).toEqual(run());
  });
});

describe('fees', () => {
  it('charges hidden orders the taker rate even when they fill as maker', () => {
    const { engine, move } = setup();
    const { orderId } = engine.placeOrder(order({ side: 'buy', price: '99000', size: 2, hidden: true }));
    move('XBTUSDTM', 98_900);
    const fill = engine.fills.find((f) => f.orderId === orderId)!;
    expect(fill.liquidity).toBe('maker');
    expect(fill.fee.toString()).toBe('0.1188'); // 198 × 0.0006
  });
});
