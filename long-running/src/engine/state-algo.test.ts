import type { OrderRow } from '@enigma/db';
import { describe, expect, it } from 'vitest';
import { AccountState } from './state.ts';

describe('the account view counts a running TWAP’s slices that have no order yet', () => {
  it('adds the reservation to the expected position, moves it as slices are written, survives a reload, and releases it', () => {
    const s = new AccountState();
    s.setQty('XBTUSDTM', 2);
    // slice 0 (2 lots) filled and applied; slices 1 and 2 (2 lots each) still to be sent
    s.reserveAlgo('sig-1', 'XBTUSDTM', 4);
    expect(s.expectedQty('XBTUSDTM')).toBe(6);
    expect(s.expectedPositions().get('XBTUSDTM')).toBe(6);
    // slice 1 written: its row counts, the reservation moves past it — still 6, never 8
    s.track({
      id: 'o1',
      clientOid: 'a1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      purpose: 'entry',
      type: 'limit',
      size: 2,
      filledSize: 0,
      status: 'intent',
    } as OrderRow);
    s.reserveAlgo('sig-1', 'XBTUSDTM', 2);
    expect(s.expectedQty('XBTUSDTM')).toBe(6);
    // reconciliation reloads positions and orders: the algorithm's reservation is its runner's, kept
    s.load([], [], new Map());
    expect(s.expectedQty('XBTUSDTM')).toBe(2);
    // a sell TWAP on another contract counts negative, and 0 releases it
    s.reserveAlgo('sig-2', 'ETHUSDTM', -3);
    expect(s.expectedPositions()).toEqual(
      new Map([
        ['XBTUSDTM', 2],
        ['ETHUSDTM', -3],
      ]),
    );
    s.reserveAlgo('sig-1', 'XBTUSDTM', 0);
    s.reserveAlgo('sig-2', 'ETHUSDTM', 0);
    expect(s.expectedPositions()).toEqual(new Map());
  });
});
