import Decimal from 'decimal.js';
import { alignToTick } from '../money.ts';
import type { Direction } from './decide.ts';
import type { Sizing, StopRule } from './strategy.ts';

export interface SizingInput {
  sizing: Sizing;
  /** account equity, USDT */
  equity: Decimal;
  /** reference price of the entry (the touch on the side we take) */
  price: Decimal;
  /** contract multiplier (base units per lot) */
  multiplier: Decimal;
  lotSize: number;
  /** |entry − stop| in price units; needed by `risk` sizing */
  stopDistance: Decimal | null;
  /** the risk limit's default percentage for `risk` sizing without its own */
  defaultRiskPct: string;
  /** our score 0..1, used when `scaleByScore` */
  score: number | null;
  scaleByScore: boolean;
  /**
   * `risk` sizing: the taker fee rate paid entering and at the stop, and the tick the stop is aligned
   * away from the entry by (up to one more tick of loss). Without them the loss at the stop is the move
   * alone, which understates it: at a 0.5 % stop the two fees add about 24 %.
   */
  takerFeeRate?: Decimal | undefined;
  tickSize?: Decimal | undefined;
}

export type SizingResult = { ok: true; lots: number } | { ok: false; code: string; message: string };

/** Entry size in whole lots (rounded down to the lot step); never more than the rule allows. */
export function entryLots(input: SizingInput): SizingResult {
  const { sizing, price, multiplier } = input;
  if (!price.isFinite() || price.lte(0))
    return { ok: false, code: 'price_missing', message: 'no positive reference price' };
  if (!multiplier.isFinite() || multiplier.lte(0) || !Number.isFinite(input.lotSize))
    return { ok: false, code: 'contract_invalid', message: 'contract multiplier or lot size is not usable' };
  const lotValue = price.mul(multiplier);
  let lots: Decimal;
  switch (sizing.method) {
    case 'fixed_lots':
      lots = new Decimal(sizing.lots);
      break;
    case 'fixed_notional':
      lots = new Decimal(sizing.notional).div(lotValue);
      break;
    case 'equity_fraction':
      if (!input.equity.isFinite() || input.equity.lte(0))
        return { ok: false, code: 'balance_missing', message: 'equity unknown or not positive' };
      lots = input.equity.mul(sizing.pct).div(100).div(lotValue);
      break;
    case 'risk': {
      if (!input.equity.isFinite() || input.equity.lte(0))
        return { ok: false, code: 'balance_missing', message: 'equity unknown or not positive' };
      const d = input.stopDistance;
      if (d === null || !d.isFinite() || d.lte(0))
        return { ok: false, code: 'stop_missing', message: 'risk sizing needs a stop distance' };
      const riskUsdt = input.equity.mul(sizing.riskPct ?? input.defaultRiskPct).div(100);
      // The loss of one lot stopped out: the move to the stop (one tick more once aligned), the entry's
      // fee and the stop's fee (at the farther of a long's and a short's stop price: the larger).
      const fee = input.takerFeeRate ?? new Decimal(0);
      const move = d.plus(input.tickSize ?? 0);
      const perLot = move.plus(price.mul(fee)).plus(price.plus(move).mul(fee)).mul(multiplier);
      lots = riskUsdt.div(perLot);
      break;
    }
  }
  if (input.scaleByScore) {
    const s = input.score;
    if (s === null || !Number.isFinite(s))
      return { ok: false, code: 'score_missing', message: 'scale-by-score needs a score' };
    lots = lots.mul(Math.min(1, Math.max(0, s)));
  }
  const step = Math.max(1, input.lotSize);
  const whole = lots.div(step).toDecimalPlaces(0, Decimal.ROUND_DOWN).mul(step).toNumber();
  if (whole < step) {
    return {
      ok: false,
      code: 'size_below_one_lot',
      message: `the sizing rule gives ${lots.toFixed(4)} lots (< ${step})`,
    };
  }
  return { ok: true, lots: whole };
}

/**
 * Stop distance in price units from the rule: multiple × ATR (at least `minPct` % of the price when the
 * rule sets a floor), or a percentage of the price. No usable ATR → null: the floor is not a fallback.
 */
export function stopDistance(rule: StopRule, price: Decimal, atr: number | null): Decimal | null {
  if (rule.kind === 'pct') return price.mul(rule.pct).div(100);
  if (atr === null || !Number.isFinite(atr) || atr <= 0) return null;
  const distance = new Decimal(atr).mul(rule.multiple);
  if (rule.minPct === undefined) return distance;
  return Decimal.max(distance, price.mul(rule.minPct).div(100));
}

/** The protective stop price for a position on `side` entered at `entry`, aligned away from the entry. */
export function stopPriceFor(side: Direction, entry: Decimal, distance: Decimal, tickSize: Decimal): Decimal {
  return side === 'long'
    ? alignToTick(entry.minus(distance), tickSize, 'down')
    : alignToTick(entry.plus(distance), tickSize, 'up');
}

/** Take-profit price `r` stop distances beyond the entry, aligned toward the entry. */
export function takeProfitPriceFor(
  side: Direction,
  entry: Decimal,
  distance: Decimal,
  r: string,
  tickSize: Decimal,
): Decimal {
  const move = distance.mul(r);
  return side === 'long'
    ? alignToTick(entry.plus(move), tickSize, 'down')
    : alignToTick(entry.minus(move), tickSize, 'up');
}
