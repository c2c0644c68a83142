import { Money } from '@enigma/core/money';
import { price } from './market.ts';
import type { FillRow } from './types.ts';

/** One marker per bar and side of a contract's fills: their lots and volume-weighted price. */
export interface FillMark {
  /** the bar's open time (ms, UTC) */
  barMs: number;
  side: 'buy' | 'sell';
  lots: number;
  /** the volume-weighted average price, at the contract's tick precision (a decimal string) */
  price: string;
  fills: number;
  /** the hover text: "buy 3 @ 64000.5 (2 fills)" */
  text: string;
}

/**
 * The fills of `symbol` at or after `firstBarMs`, grouped by bar (`tfMs`) and side: a TWAP's slices in one
 * bar are one marker at their average price (summed in decimal), not a pile of markers. Oldest first.
 */
export function fillMarks(
  fills: readonly FillRow[],
  symbol: string,
  tfMs: number,
  firstBarMs: number,
): FillMark[] {
  const groups = new Map<
    string,
    { barMs: number; side: 'buy' | 'sell'; lots: number; notional: Money; n: number }
  >();
  for (const f of fills) {
    if (f.symbol !== symbol) continue;
    const barMs = Math.floor(Date.parse(f.filledAt) / tfMs) * tfMs;
    if (barMs < firstBarMs) continue;
    const key = `${barMs}:${f.side}`;
    const g = groups.get(key) ?? { barMs, side: f.side, lots: 0, notional: new Money(0), n: 0 };
    g.lots += f.size;
    g.notional = g.notional.add(new Money(f.price).mul(f.size));
    g.n += 1;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => a.barMs - b.barMs || a.side.localeCompare(b.side))
    .map((g) => {
      const avg = price(symbol, g.notional.div(g.lots).toString());
      return {
        barMs: g.barMs,
        side: g.side,
        lots: g.lots,
        price: avg,
        fills: g.n,
        text: `${g.side} ${g.lots} @ ${avg}${g.n > 1 ? ` (${g.n} fills)` : ''}`,
      };
    });
}
