import { describe, expect, it } from 'vitest';
import { positionMargin } from './Positions.tsx';

// The positions panel's margin and "P&L % of margin" are over entry notional / the position's leverage.
describe("a position's margin on the dashboard", () => {
  const long = { qty: 4, avgEntryPrice: '50000', leverage: '5' };

  it('is the entry notional over its leverage: 4 lots × 0.001 × 50000 / 5 = 40 USDT', () => {
    expect(positionMargin(long, 0.001)).toBe(40);
    expect(positionMargin({ ...long, qty: -4, leverage: '10' }, 0.001)).toBe(20);
  });

  it('is unknown, not figured at 1×, when the leverage is not known (an adopted position, a mixed scale-in)', () => {
    expect(positionMargin({ ...long, leverage: null }, 0.001)).toBeNull();
    expect(positionMargin({ ...long, leverage: '0' }, 0.001)).toBeNull();
    expect(positionMargin({ ...long, avgEntryPrice: null }, 0.001)).toBeNull();
  });
});
