import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { order, placeIn, setup } from './test-engine.ts';

/**
 * Cross-margin order margin through the SimEngine, by hand (issue #15, survivors of the `simulator margin &
 * funding` mutation run). KuCoin charges a cross contract's open orders hedged (../shared/KUCOIN.md §6.1,
 * "Cross margin", from the Help Center's /support/35084093025049): order value = max(|position + same-side
 * orders|, |opposite-side orders|) less the position itself; the margin frozen is that value / cross
 * leverage plus the taker fee on it. XBTUSDTM: 0.001 BTC a lot, taker fee 0.06 %; cross leverage set to 10.
 */
function cross() {
  const s = setup();
  s.engine.setMarginMode('XBTUSDTM', 'CROSS');
  s.engine.setCrossLeverage('XBTUSDTM', new Decimal(10));
  return s;
}

const margin = (s: ReturnType<typeof setup>, symbol = 'XBTUSDTM') => s.engine.orderMargin(symbol).toString();

describe('cross order margin, hedged (KuCoin: max(|position + same side|, |opposite side|) − position)', () => {
  it('with no position, only the larger side of the book counts', () => {
    const s = cross();
    // buy 10 at 99,000: 990 → 99 + 0.594
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    expect(margin(s)).toBe('99.594');
    // a sell of 4 at 101,000 (404) is hedged by the buys: nothing more
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 4 }));
    expect(margin(s)).toBe('99.594');
    // 8 more sells at 101,000: sells 12 × 101 = 1,212 > 990 → 121.2 + 0.7272
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 8 }));
    expect(margin(s)).toBe('121.9272');
    expect(margin(s, 'ETHUSDTM')).toBe('0');
    // an order on another contract (ETH, isolated) is not XBT's: XBT's order margin is unchanged
    placeIn(s.engine, order({ symbol: 'ETHUSDTM', side: 'buy', price: '1900', size: 1 }));
    expect(margin(s)).toBe('121.9272');
    s.engine.cancelOrder([...s.engine.openOrders].find((o) => o.symbol === 'ETHUSDTM')!.id);
    expect(s.engine.accountSummary().crossOrderMargin.toString()).toBe('121.9272');
    expect(s.engine.accountSummary().isoOrderMargin.toString()).toBe('0');
  });

  it('a long position: orders on its own side add to it, orders against it count beyond it', () => {
    const s = cross();
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900); // filled at 99,000; mark 98,900: position value 10 × 98.9 = 989
    expect(s.engine.positions.get('XBTUSDTM')!.qty).toBe(10);
    expect(margin(s)).toBe('0');
    // sell 15 at 101,000 = 1,515 against 989 + 0: 1,515 − 989 = 526 → 52.6 + 0.3156
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 15 }));
    expect(margin(s)).toBe('52.9156');
    // buy 2 at 98,000 (196): 989 + 196 = 1,185 < 1,515: unchanged
    placeIn(s.engine, order({ side: 'buy', price: '98000', size: 2 }));
    expect(margin(s)).toBe('52.9156');
    // buy 8 more at 98,000: 989 + 980 = 1,969 > 1,515 → 1,969 − 989 = 980 → 98 + 0.588
    placeIn(s.engine, order({ side: 'buy', price: '98000', size: 8 }));
    expect(margin(s)).toBe('98.588');
  });

  it('a short position: its own side is the sells', () => {
    const s = cross();
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 4 }));
    s.move('XBTUSDTM', 101_100); // short 4 at 101,000; mark 101,100: value 4 × 101.1 = 404.4
    expect(s.engine.positions.get('XBTUSDTM')!.qty).toBe(-4);
    // sell 3 more at 102,000 (306): 404.4 + 306 = 710.4 − 404.4 = 306 → 30.6 + 0.1836
    placeIn(s.engine, order({ side: 'sell', price: '102000', size: 3 }));
    expect(margin(s)).toBe('30.7836');
    // buy 6 at 100,000 (600) < 710.4: unchanged; buy 2 more (800 in all) > 710.4 → 800 − 404.4 = 395.6
    placeIn(s.engine, order({ side: 'buy', price: '100000', size: 6 }));
    expect(margin(s)).toBe('30.7836');
    placeIn(s.engine, order({ side: 'buy', price: '100000', size: 2 }));
    // 395.6 / 10 + 395.6 × 0.0006 = 39.56 + 0.23736
    expect(margin(s)).toBe('39.79736');
  });

  it('reduce-only orders freeze nothing; a cancelled order stops counting', () => {
    const s = cross();
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    placeIn(s.engine, order({ side: 'sell', price: '102000', size: 10, reduceOnly: true }));
    expect(margin(s)).toBe('0');
    const { orderId } = placeIn(s.engine, order({ side: 'sell', price: '101000', size: 15 }));
    expect(margin(s)).toBe('52.9156');
    s.engine.cancelOrder(orderId);
    expect(margin(s)).toBe('0');
  });

  it('a partly filled order counts only what is left of it', () => {
    const s = setup({ balance: 1_000_000 });
    s.engine.setMarginMode('XBTUSDTM', 'CROSS');
    s.engine.setCrossLeverage('XBTUSDTM', new Decimal(10));
    // a buy at the best ask for more than the ask holds: it takes the level, the rest rests at that price
    const top = s.engine.topOfBook(s.engine.market('XBTUSDTM'));
    const size = top.askSize + 7;
    const { orderId } = placeIn(s.engine, order({ side: 'buy', price: top.askPrice, size }));
    const o = s.engine.orders.get(orderId)!;
    expect([o.filledSize, o.isActive]).toEqual([top.askSize, true]);
    expect(s.engine.positions.get('XBTUSDTM')!.qty).toBe(top.askSize);
    // own side only: (position + the 7 lots left) − position = 7 × 0.001 × ask
    const left = new Decimal(7).mul(top.askPrice).mul('0.001');
    expect(margin(s)).toBe(left.div(10).plus(left.mul('0.0006')).toString());
  });

  it('refuses a cross order the available balance cannot margin with KuCoin’s 330008', () => {
    const s = cross();
    s.engine.setCrossLeverage('XBTUSDTM', new Decimal(1));
    // buy 100 at 99,000: 9,900 at 1x + 5.94 fee = 9,905.94 ≤ 10,000: admitted
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 100 }));
    // a sell of 100 at 101,000 (10,100) is hedged by the buys only up to 9,900: 200 more → 200 + 0.12 > 94.06
    expect(() => placeIn(s.engine, order({ side: 'sell', price: '101000', size: 100 }))).toThrow(
      expect.objectContaining({ code: '330008' }),
    );
    // a sell of 90 (9,090) is hedged by the buys entirely: it adds nothing and is admitted
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 90 }));
    expect(margin(s)).toBe('9905.94');
  });
});

/**
 * The cross liquidation price, by hand from KuCoin's cross risk rate (KUCOIN.md §6.1, Help Center
 * /support/35233217061785: (Σ position MM + MM of the orders' expected fills + expected closing fees) /
 * (total cross margin − expected opening fees)) with the rest of the account held where it is: the margin a
 * position can lose is the wallet less what the other terms need, long BP = E − X/(q·m), LP = BP / (1 − MMR −
 * taker fee), short BP = E + X/(q·m), LP = BP / (1 + MMR + taker fee) (the relation KuCoin's own cross
 * position shows, CCXT's sample cited in margin.ts). XBTUSDTM level 1: MMR 0.4 %, taker 0.06 %, maker 0.02 %.
 */
describe('cross liquidation price, by hand', () => {
  function crossWith(balance: number) {
    const s = setup({ balance });
    s.engine.setMarginMode('XBTUSDTM', 'CROSS');
    s.engine.setCrossLeverage('XBTUSDTM', new Decimal(10));
    return s;
  }

  it('a lone long: the whole wallet stands behind it', () => {
    const s = crossWith(200);
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    const p = s.engine.positions.get('XBTUSDTM')!;
    expect(p.qty).toBe(10);
    // maker fee 990 × 0.0002 = 0.198 → wallet 199.802; X = 199.802 (its own PnL is not taken off)
    expect(s.engine.wallet.toString()).toBe('199.802');
    // BP = 99,000 − 199.802 / 0.01 = 79,019.8; LP = 79,019.8 / (1 − 0.004 − 0.0006)
    expect(s.engine.liquidationPriceOf(p).toFixed(8)).toBe(new Decimal('79019.8').div('0.9954').toFixed(8));
    // an isolated contract's resting order (ETH, 0.01 ETH a lot: 1 × 0.01 × 1,900 = 19 → 1.9 + 0.0114) takes
    // its frozen margin off the cross margin, but is no term of the cross risk (no MM, no fees in it):
    // X = 199.802 − 1.9114 = 197.8906; BP = 99,000 − 19,789.06 = 79,210.94
    placeIn(s.engine, order({ symbol: 'ETHUSDTM', side: 'buy', price: '1900', size: 1 }));
    expect(s.engine.liquidationPriceOf(p).toFixed(8)).toBe(new Decimal('79210.94').div('0.9954').toFixed(8));
  });

  it('another contract in cross mode with no position yet adds no term', () => {
    const s = crossWith(200);
    s.engine.setMarginMode('ETHUSDTM', 'CROSS'); // no ETH position exists (positions are made on first use)
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    expect(s.engine.positions.has('ETHUSDTM')).toBe(false);
    const p = s.engine.positions.get('XBTUSDTM')!;
    // as for the lone long: BP = 79,019.8, LP = 79,019.8 / 0.9954
    expect(s.engine.liquidationPriceOf(p).toFixed(8)).toBe(new Decimal('79019.8').div('0.9954').toFixed(8));
  });

  it('an open order on the contract needs its maintenance and fees from the same wallet', () => {
    const s = crossWith(200);
    placeIn(s.engine, order({ side: 'buy', price: '99000', size: 10 }));
    s.move('XBTUSDTM', 98_900);
    // buy 5 at 98,000 resting: value 490 → MM 490 × 0.004 = 1.96, closing fee 0.294, opening fee 0.294
    placeIn(s.engine, order({ side: 'buy', price: '98000', size: 5 }));
    const p = s.engine.positions.get('XBTUSDTM')!;
    // X = 199.802 − 1.96 − 0.294 − 0.294 = 197.254; BP = 99,000 − 19,725.4 = 79,274.6
    expect(s.engine.liquidationPriceOf(p).toFixed(8)).toBe(new Decimal('79274.6').div('0.9954').toFixed(8));
  });

  it('a lone short: BP above the entry, LP = BP / (1 + MMR + fee)', () => {
    const s = crossWith(200);
    placeIn(s.engine, order({ side: 'sell', price: '101000', size: 10 }));
    s.move('XBTUSDTM', 101_100);
    const p = s.engine.positions.get('XBTUSDTM')!;
    expect(p.qty).toBe(-10);
    // maker fee 1,010 × 0.0002 = 0.202 → wallet 199.798; BP = 101,000 + 19,979.8 = 120,979.8
    expect(s.engine.wallet.toString()).toBe('199.798');
    expect(s.engine.liquidationPriceOf(p).toFixed(8)).toBe(new Decimal('120979.8').div('1.0046').toFixed(8));
  });
});

describe('isolated order margin of a partly filled order', () => {
  it('counts only what is left of it, at its own leverage', () => {
    const s = setup({ balance: 1_000_000 });
    const top = s.engine.topOfBook(s.engine.market('XBTUSDTM'));
    const { orderId } = placeIn(
      s.engine,
      order({ side: 'buy', price: top.askPrice, size: top.askSize + 7, leverage: 5 }),
    );
    expect(s.engine.orders.get(orderId)!.filledSize).toBe(top.askSize);
    // the 7 lots left: 7 × 0.001 × ask / 5 + the taker fee on them
    const left = new Decimal(7).mul(top.askPrice).mul('0.001');
    expect(s.engine.orderMargin('XBTUSDTM').toString()).toBe(left.div(5).plus(left.mul('0.0006')).toString());
  });
});
