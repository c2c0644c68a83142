import { describe, expect, it } from 'vitest';
import type { SignalRow } from '../lib/types.ts';
import { heldForNewest, heldSide, positionMismatch, strategyPosition } from './SignalFacts.tsx';

const alert = (payload: Record<string, unknown>) => ({ symbol: 'XBTUSDTM', payload }) as unknown as SignalRow;

describe("a strategy alert's market_position against our position", () => {
  it('reads the side we hold in the contract (flat without a position)', () => {
    const positions = [
      { symbol: 'XBTUSDTM', qty: 3 },
      { symbol: 'ETHUSDTM', qty: -2 },
    ];
    expect(heldSide(positions, 'XBTUSDTM')).toBe('long');
    expect(heldSide(positions, 'ETHUSDTM')).toBe('short');
    expect(heldSide(positions, 'SOLUSDTM')).toBe('flat');
  });

  it('flags a disagreement, and nothing when they agree or the alert carries no position', () => {
    expect(positionMismatch(alert({ market_position: 'long' }), 'flat')).toBe(
      "TradingView's strategy is long, the KuCoin position is flat",
    );
    expect(positionMismatch(alert({ marketPosition: 'Short' }), 'long')).toMatch(/is short, .* is long/);
    expect(positionMismatch(alert({ market_position: 'long' }), 'long')).toBeNull();
    expect(positionMismatch(alert({ market_position: 'FLAT' }), 'flat')).toBeNull();
    expect(positionMismatch(alert({ action: 'buy' }), 'flat')).toBeNull();
    expect(positionMismatch(alert({ market_position: 'long' }), undefined)).toBeNull();
    expect(strategyPosition(alert({ market_position: '' }))).toBeNull();
  });
});

describe('the drill-down compares only the newest alert of its contract', () => {
  const positions = [{ symbol: 'XBTUSDTM', qty: -1 }];
  it('our side for the newest alert, flat without a position', () => {
    expect(heldForNewest({ id: 'a', symbol: 'XBTUSDTM' }, 'a', positions)).toBe('short');
    expect(heldForNewest({ id: 'b', symbol: 'ETHUSDTM' }, 'b', positions)).toBe('flat');
  });
  it('nothing for an older alert, an alert without a contract, or when the newest is unknown', () => {
    expect(heldForNewest({ id: 'a', symbol: 'XBTUSDTM' }, 'z', positions)).toBeUndefined();
    expect(heldForNewest({ id: 'a', symbol: null }, 'a', positions)).toBeUndefined();
    expect(heldForNewest({ id: 'a', symbol: 'XBTUSDTM' }, undefined, positions)).toBeUndefined();
  });
});
