import { describe, expect, it } from 'vitest';
import { fillMarks } from './fill-markers.ts';
import type { FillRow } from './types.ts';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
let n = 0;
const fill = (over: Partial<FillRow>): FillRow => ({
  id: crypto.randomUUID(),
  orderId: null,
  tradeId: `t${n++}`,
  symbol: 'XBTUSDTM',
  side: 'buy',
  price: '64000',
  size: 1,
  fee: '0',
  feeCurrency: 'USDT',
  liquidity: 'taker',
  filledAt: new Date(T0).toISOString(),
  ...over,
});

describe('fillMarks', () => {
  it('one mark per bar and side, lots summed, price volume-weighted in decimal at the tick', () => {
    const marks = fillMarks(
      [
        fill({ price: '64000.1', size: 1, filledAt: new Date(T0 + 5_000).toISOString() }),
        fill({ price: '64000.4', size: 2, filledAt: new Date(T0 + 30_000).toISOString() }),
        fill({ side: 'sell', price: '64010', size: 3, filledAt: new Date(T0 + 50_000).toISOString() }),
        fill({ price: '64020', size: 1, filledAt: new Date(T0 + 60_000).toISOString() }),
      ],
      'XBTUSDTM',
      60_000,
      T0,
    );
    expect(marks).toEqual([
      // (64000.1 + 2 × 64000.4) / 3 = 64000.3 exactly (a float sum gives 64000.29999…)
      { barMs: T0, side: 'buy', lots: 3, price: '64000.3', fills: 2, text: 'buy 3 @ 64000.3 (2 fills)' },
      { barMs: T0, side: 'sell', lots: 3, price: '64010.0', fills: 1, text: 'sell 3 @ 64010.0' },
      { barMs: T0 + 60_000, side: 'buy', lots: 1, price: '64020.0', fills: 1, text: 'buy 1 @ 64020.0' },
    ]);
  });

  it("leaves out other contracts' fills and fills before the first bar", () => {
    const marks = fillMarks(
      [
        fill({ symbol: 'ETHUSDTM' }),
        fill({ filledAt: new Date(T0 - 1).toISOString() }),
        fill({ filledAt: new Date(T0 + 300_000).toISOString(), price: '64001.25' }), // shown half-even at the tick
      ],
      'XBTUSDTM',
      300_000,
      T0,
    );
    expect(marks.map((m) => [m.barMs, m.price])).toEqual([[T0 + 300_000, '64001.2']]);
  });
});
