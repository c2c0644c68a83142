import type { OrderRow, PositionRow } from '@enigma/db';
import { describe, expect, it } from 'vitest';
import { AccountState } from './state.ts';

let n = 0;
function order(over: Partial<OrderRow>): OrderRow {
  n++;
  return {
    id: `id-${n}`,
    clientOid: `c-${n}`,
    symbol: 'XBTUSDTM',
    side: 'buy',
    purpose: 'entry',
    type: 'market',
    size: 1,
    filledSize: 0,
    status: 'intent',
    ...over,
  } as OrderRow;
}

describe('the account view (expected position = confirmed + decided orders still to fill)', () => {
  it('counts a decided order until the ledger has applied its fills, never twice', () => {
    const s = new AccountState();
    const buy = order({ size: 3 });
    s.track(buy);
    expect(s.expectedQty('XBTUSDTM')).toBe(3);
    expect(s.confirmedQty('XBTUSDTM')).toBe(0);
    // the exchange reports it filled before the ledger has applied the fills: still 3, not 6 and not 0
    s.track({ ...buy, status: 'filled', filledSize: 3 });
    expect(s.expectedQty('XBTUSDTM')).toBe(3);
    // fills applied one by one: the position moves and the order's share shrinks by the same lots
    s.applied('XBTUSDTM', 1, buy.id, 1);
    expect([s.confirmedQty('XBTUSDTM'), s.expectedQty('XBTUSDTM')]).toEqual([1, 3]);
    s.applied('XBTUSDTM', 3, buy.id, 2);
    expect([s.confirmedQty('XBTUSDTM'), s.expectedQty('XBTUSDTM')]).toEqual([3, 3]);
    // a late report about the settled order does not bring it back
    s.track({ ...buy, status: 'filled', filledSize: 3 });
    expect(s.expectedQty('XBTUSDTM')).toBe(3);
  });

  it('plans a signal against an operator’s resting order only for what it has filled; risk counts it whole', () => {
    const s = new AccountState();
    const limit = order({ purpose: 'manual', type: 'limit', size: 2, status: 'open' });
    s.track(limit);
    expect(s.expectedQty('XBTUSDTM')).toBe(2);
    expect(s.expectedQty('XBTUSDTM', { resting: false })).toBe(0);
    // part of it fills: that part counts, applied or not
    s.track({ ...limit, status: 'partially_filled', filledSize: 1 });
    expect(s.expectedQty('XBTUSDTM', { resting: false })).toBe(1);
    s.applied('XBTUSDTM', 1, limit.id, 1);
    expect(s.expectedQty('XBTUSDTM', { resting: false })).toBe(1);
    // an operator's market order, and a signal's own legs, count whole either way
    s.track(order({ purpose: 'manual', type: 'market', size: 3 }));
    s.track(order({ purpose: 'entry', type: 'limit', size: 4, status: 'open' }));
    expect(s.expectedQty('XBTUSDTM', { resting: false })).toBe(8);
    expect(s.expectedQty('XBTUSDTM')).toBe(9);
  });

  it('leaves one order out on request: an unsent intent judged again as a proposal is not counted twice', () => {
    const s = new AccountState();
    s.setQty('XBTUSDTM', 1);
    const intent = order({ size: 2 });
    const other = order({ size: 3, status: 'open' });
    s.track(intent);
    s.track(other);
    s.reserveAlgo('twap', 'XBTUSDTM', 4);
    expect(s.expectedQty('XBTUSDTM')).toBe(10);
    // everything else stays: the position, the other order, the algorithm's reservation
    expect(s.expectedQty('XBTUSDTM', { except: intent.clientOid })).toBe(8);
    // an order the view does not hold (settled and forgotten, another contract's) changes nothing
    expect(s.expectedQty('XBTUSDTM', { except: 'c-unknown' })).toBe(10);
  });

  it('ignores writes that land out of order: an answer written after the order filled and settled', () => {
    const s = new AccountState();
    const buy = order({ size: 2 });
    s.track(buy);
    const answered = { ...buy, status: 'open' as const, exchangeOrderId: 'x1' };
    // the fills are applied while the answer's write is still on its way
    s.track({ ...answered, status: 'filled', filledSize: 2 });
    s.track(answered);
    expect(s.expectedQty('XBTUSDTM')).toBe(2);
    s.applied('XBTUSDTM', 2, buy.id, 2);
    expect([s.confirmedQty('XBTUSDTM'), s.expectedQty('XBTUSDTM')]).toEqual([2, 2]);
    // the answer written last: the order is not live again, nothing is counted twice
    s.track(answered);
    expect([s.confirmedQty('XBTUSDTM'), s.expectedQty('XBTUSDTM')]).toEqual([2, 2]);
    expect(s.openOrders('XBTUSDTM')).toEqual({ limit: 0, stop: 0 });
  });

  it('counts only what a canceled order filled, and nothing of a rejected one', () => {
    const s = new AccountState();
    const sell = order({ side: 'sell', size: 4, purpose: 'exit' });
    const rejected = order({ size: 2 });
    s.track(sell);
    s.track(rejected);
    expect(s.expectedQty('XBTUSDTM')).toBe(-2);
    s.track({ ...rejected, status: 'rejected' });
    expect(s.expectedQty('XBTUSDTM')).toBe(-4);
    s.track({ ...sell, status: 'canceled', filledSize: 1 });
    expect(s.expectedQty('XBTUSDTM')).toBe(-1);
    s.applied('XBTUSDTM', -1, sell.id, 1);
    expect([s.confirmedQty('XBTUSDTM'), s.expectedQty('XBTUSDTM')]).toEqual([-1, -1]);
  });

  it('leaves protection out of the expectation and counts live limit and stop orders per contract', () => {
    const s = new AccountState();
    s.setQty('XBTUSDTM', 2);
    s.track(order({ side: 'sell', purpose: 'stop', type: 'stop_market', size: 2, status: 'open' }));
    s.track(order({ side: 'sell', purpose: 'take_profit', type: 'limit', size: 1, status: 'open' }));
    s.track(order({ symbol: 'ETHUSDTM', type: 'limit', status: 'open' }));
    expect(s.expectedQty('XBTUSDTM')).toBe(2);
    expect(s.openOrders('XBTUSDTM')).toEqual({ limit: 1, stop: 1 });
    expect(s.openOrders('ETHUSDTM')).toEqual({ limit: 1, stop: 0 });
    expect(s.expectedPositions()).toEqual(
      new Map([
        ['XBTUSDTM', 2],
        ['ETHUSDTM', 1],
      ]),
    );
  });

  it('loads from the database with the fills already recorded per order', () => {
    const s = new AccountState();
    const live = order({ size: 5, filledSize: 2, status: 'partially_filled' });
    s.load(
      [{ symbol: 'XBTUSDTM', qty: 2 } as PositionRow, { symbol: 'SOLUSDTM', qty: 0 } as PositionRow],
      [live],
      new Map([[live.id, 2]]),
    );
    expect(s.confirmedQty('XBTUSDTM')).toBe(2);
    expect(s.confirmedQty('SOLUSDTM')).toBe(0);
    // the flat row leaves no position behind
    expect([...s.expectedPositions().keys()]).toEqual(['XBTUSDTM']);
    expect(s.expectedQty('XBTUSDTM')).toBe(5);
    // an unknown outcome counts in full (it may be at the exchange)
    s.track(order({ side: 'sell', size: 5, purpose: 'exit', status: 'unknown' }));
    expect(s.expectedQty('XBTUSDTM')).toBe(0);
  });
});
