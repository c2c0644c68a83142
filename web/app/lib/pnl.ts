import { Money } from '@enigma/core/money';
import { specOf } from './market.ts';

/** What the top bar's total and the positions table read of a position. */
export interface PositionPnlInput {
  symbol: string;
  qty: number;
  avgEntryPrice: string | null;
  unrealisedPnl: string;
}

/**
 * A position's unrealised P&L at a mark, in decimal: (mark − entry) × qty × multiplier; the stored
 * figure when there is no mark or entry to compute it from.
 */
export function positionUnrealised(p: PositionPnlInput, mark: string | null | undefined): Money {
  const spec = specOf(p.symbol);
  const mult = spec ? new Money(spec.multiplier.toString()) : new Money(1);
  try {
    const entry = p.avgEntryPrice ? new Money(p.avgEntryPrice) : null;
    const m = mark ? new Money(mark) : null;
    if (entry?.gt(0) && m?.gt(0)) return m.minus(entry).mul(p.qty).mul(mult);
  } catch {
    // an unparseable figure: the stored one below
  }
  return new Money(p.unrealisedPnl || 0);
}

/**
 * The top bar's total P&L: every closed trade's net P&L (the account's `realisedPnl`, summed by the API
 * over all of them; `fallbackRealised` — the recent trades' sum — only when the account could not be
 * read) plus the open positions' unrealised P&L at the live marks, the same figures as the positions
 * table shows. A decimal string.
 */
export function totalPnl(input: {
  realised: string | null | undefined;
  fallbackRealised: string;
  positions: readonly PositionPnlInput[];
  marks: Readonly<Record<string, string>>;
  /** a position's own mark when no live one has come (the loader's) */
  markOf(p: PositionPnlInput): string | null | undefined;
}): string {
  let sum = new Money(input.realised ?? input.fallbackRealised);
  for (const p of input.positions)
    sum = sum.plus(positionUnrealised(p, input.marks[p.symbol] ?? input.markOf(p)));
  return sum.toFixed();
}
