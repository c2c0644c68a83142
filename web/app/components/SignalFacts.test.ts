import { describe, expect, it } from 'vitest';
import type { SignalRow } from '../lib/types.ts';
import { heldSide, positionMismatch, strategyPosition } from './SignalFacts.tsx';

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
