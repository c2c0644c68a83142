import { describe, expect, it } from 'vitest';
import { stopLiquidationZone } from './price-band.ts';

describe('the zone between stop and liquidation', () => {
  it("a long's stop above its liquidation protects; below it does not", () => {
    expect(stopLiquidationZone({ qty: 3, stopPrice: '63000', liquidationPrice: '58000.5' })).toEqual({
      from: 63000,
      to: 58000.5,
      protects: true,
    });
    expect(stopLiquidationZone({ qty: 3, stopPrice: '57000', liquidationPrice: '58000' })?.protects).toBe(
      false,
    );
  });

  it("a short's stop below its liquidation protects; above it does not", () => {
    expect(stopLiquidationZone({ qty: -2, stopPrice: '66000', liquidationPrice: '70000' })?.protects).toBe(
      true,
    );
    expect(stopLiquidationZone({ qty: -2, stopPrice: '71000', liquidationPrice: '70000' })?.protects).toBe(
      false,
    );
  });

  it('nothing without a position, a stop or a liquidation price', () => {
    expect(stopLiquidationZone(undefined)).toBeNull();
    expect(stopLiquidationZone({ qty: 0, stopPrice: '63000', liquidationPrice: '58000' })).toBeNull();
    expect(stopLiquidationZone({ qty: 1, stopPrice: null, liquidationPrice: '58000' })).toBeNull();
    expect(stopLiquidationZone({ qty: 1, stopPrice: '63000', liquidationPrice: null })).toBeNull();
    expect(stopLiquidationZone({ qty: 1, stopPrice: '63000', liquidationPrice: '0' })).toBeNull();
  });
});
