import Decimal from 'decimal.js';

/**
 * The slippage model: walking a level-2 book. Pure, decimal throughout; sizes are whole lots. A buy
 * takes the asks from the lowest up, a sell the bids from the highest down. Costs are in basis points
 * against the mid and positive when they cost the trader (paying above the mid, selling below it).
 */

export interface BookLevel {
  price: Decimal;
  /** lots resting at this price */
  lots: number;
}

export interface BookSide {
  /** best first: bids descending, asks ascending */
  bids: readonly BookLevel[];
  asks: readonly BookLevel[];
}

export type Side = 'buy' | 'sell';

export interface Walk {
  /** lots the book can give (≤ the lots asked) */
  filledLots: number;
  /** volume-weighted price of those lots, null when nothing fills */
  vwap: Decimal | null;
  /** the last (worst) price reached */
  worstPrice: Decimal | null;
  /** cost of the filled part against the mid, bps (null without a mid or a fill) */
  costBps: Decimal | null;
  levels: number;
}

const BPS = new Decimal(10_000);

export function midOf(book: BookSide): Decimal | null {
  const bid = book.bids[0]?.price;
  const ask = book.asks[0]?.price;
  if (!bid || !ask || bid.lte(0) || ask.lt(bid)) return null;
  return bid.plus(ask).div(2);
}

/** The side of the book an order of `side` takes from. */
export function takenSide(book: BookSide, side: Side): readonly BookLevel[] {
  return side === 'buy' ? book.asks : book.bids;
}

/** Signed cost in bps of trading at `price` against `mid` (positive = worse than the mid). */
export function costBps(side: Side, price: Decimal, mid: Decimal): Decimal {
  const diff = side === 'buy' ? price.minus(mid) : mid.minus(price);
  return diff.div(mid).mul(BPS);
}

/** Walk the book for `lots`, optionally no further than `limit` (a buy's highest, a sell's lowest price). */
export function walkBook(book: BookSide, side: Side, lots: number, limit?: Decimal): Walk {
  if (!Number.isSafeInteger(lots) || lots < 0) throw new RangeError(`lots must be whole and ≥ 0: ${lots}`);
  let left = lots;
  let value = new Decimal(0);
  let worst: Decimal | null = null;
  let levels = 0;
  for (const level of takenSide(book, side)) {
    if (left === 0) break;
    if (limit && (side === 'buy' ? level.price.gt(limit) : level.price.lt(limit))) break;
    if (level.lots <= 0) continue;
    const take = Math.min(left, level.lots);
    value = value.plus(level.price.mul(take));
    left -= take;
    worst = level.price;
    levels++;
  }
  const filledLots = lots - left;
  const vwap = filledLots > 0 ? value.div(filledLots) : null;
  const mid = midOf(book);
  return {
    filledLots,
    vwap,
    worstPrice: worst,
    costBps: vwap && mid ? costBps(side, vwap, mid) : null,
    levels,
  };
}

/** Lots available up to `limit` (inclusive). */
export function depthWithin(book: BookSide, side: Side, limit: Decimal): number {
  let lots = 0;
  for (const level of takenSide(book, side)) {
    if (side === 'buy' ? level.price.gt(limit) : level.price.lt(limit)) break;
    lots += Math.max(0, level.lots);
  }
  return lots;
}

/**
 * The price protection of a taker order: the touch moved by `budgetBps` against us, on the tick grid
 * and never beyond the budget (a buy's limit rounds down, a sell's up).
 */
export function protectedLimit(
  side: Side,
  touch: Decimal,
  budgetBps: Decimal | number,
  tick: Decimal,
): Decimal {
  if (tick.lte(0)) throw new RangeError('tick size must be positive');
  const bps = new Decimal(budgetBps);
  if (bps.isNeg() || !bps.isFinite()) throw new RangeError(`slippage budget must be ≥ 0 bps: ${bps}`);
  const raw = side === 'buy' ? touch.mul(BPS.plus(bps)).div(BPS) : touch.mul(BPS.minus(bps)).div(BPS);
  const steps = raw.div(tick).toDecimalPlaces(0, side === 'buy' ? Decimal.ROUND_FLOOR : Decimal.ROUND_CEIL);
  const limit = steps.mul(tick);
  // The touch itself is always inside the budget (a touch off the grid is taken as it is).
  return side === 'buy' ? Decimal.max(limit, touch) : Decimal.min(limit, touch);
}
