import Decimal from 'decimal.js';
import { Money } from '../money.ts';
import type { ContractSpec } from './specs.ts';

/**
 * Contract maths for linear (USDT-margined) KuCoin perpetuals. Sizes are signed integer lots
 * (+long / −short); every amount is a Decimal in the settle currency.
 */

const ZERO = new Money(0);

/** Decimal places an average entry price is kept to (a price's own ticks have at most 8). */
export const AVERAGE_ENTRY_DP = 12;
/** Decimal places a realised P&L is kept to (settle-currency amounts; exchanges show 8). */
export const PNL_DP = 10;

/** Notional value of |lots| at `price`: |q| × multiplier × price. */
export function notionalValue(spec: ContractSpec, lots: number, price: Decimal): Decimal {
  return new Money(Math.abs(lots)).mul(spec.multiplier).mul(price);
}

/** Trading fee for a fill: notional × maker or taker rate. */
export function tradingFee(
  spec: ContractSpec,
  lots: number,
  price: Decimal,
  liquidity: 'maker' | 'taker',
): Decimal {
  const rate = liquidity === 'maker' ? spec.makerFeeRate : spec.takerFeeRate;
  return notionalValue(spec, lots, price).mul(rate);
}

/** Initial margin for a notional at a leverage: notional / leverage. */
export function initialMargin(notional: Decimal, leverage: Decimal | number): Decimal {
  const lev = new Money(leverage);
  if (lev.lte(0)) throw new RangeError('leverage must be positive');
  return notional.div(lev);
}

/** Decimal places a closed trade's return (a fraction) is kept to. */
export const ROI_DP = 10;

/**
 * A closed trade's return, two ways, as fractions (0.25 = 25 %) to ROI_DP places (half-even):
 * - `roiOnNotional`: net P&L / entry notional (size × multiplier × entry price);
 * - `roiOnMargin`: net P&L / initial margin, the initial margin being entry notional / leverage (what a
 *   futures trader reads, KuCoin's `roe`), computed as net × leverage / notional (the same, without
 *   rounding the margin first). Null when the position's leverage is unknown (an adopted position): never
 *   guessed.
 * Both null when the entry notional is not positive.
 *
 * @example closedTradeReturns(XBT, { size: 2, entryPrice: '50000', netPnl: '5', leverage: '10' })
 *   // { roiOnNotional: '0.05', roiOnMargin: '0.5' }
 */
export function closedTradeReturns(
  spec: Pick<ContractSpec, 'multiplier'>,
  t: { size: number; entryPrice: string; netPnl: string; leverage: string | null },
): { roiOnNotional: string | null; roiOnMargin: string | null } {
  const notional = new Money(Math.abs(t.size)).mul(spec.multiplier).mul(new Money(t.entryPrice));
  if (!notional.gt(0)) return { roiOnNotional: null, roiOnMargin: null };
  const net = new Money(t.netPnl);
  const leverage = t.leverage === null ? null : new Money(t.leverage);
  return {
    roiOnNotional: net.div(notional).toDecimalPlaces(ROI_DP).toFixed(),
    roiOnMargin:
      leverage?.gt(0) === true ? net.mul(leverage).div(notional).toDecimalPlaces(ROI_DP).toFixed() : null,
  };
}

/** Unrealised PnL: (mark − entry) × q × multiplier (q signed). */
export function unrealisedPnl(spec: ContractSpec, qty: number, entry: Decimal, mark: Decimal): Decimal {
  if (qty === 0) return ZERO;
  return mark.minus(entry).mul(qty).mul(spec.multiplier);
}

/** Funding paid or received at a settlement: positive = received. Longs pay a positive rate. */
export function fundingFee(spec: ContractSpec, qty: number, mark: Decimal, rate: Decimal): Decimal {
  return new Money(qty).mul(spec.multiplier).mul(mark).mul(rate).neg();
}

/**
 * Isolated bankruptcy price: where the position margin is exactly lost.
 * Long E − margin/(|q|m), short E + margin/(|q|m). With margin = IM this is E(1 ∓ 1/L).
 */
export function bankruptcyPrice(
  spec: ContractSpec,
  qty: number,
  entry: Decimal,
  positionMargin: Decimal,
): Decimal {
  if (qty === 0) return ZERO;
  const perUnit = positionMargin.div(new Money(Math.abs(qty)).mul(spec.multiplier));
  const p = qty > 0 ? entry.minus(perUnit) : entry.plus(perUnit);
  return Decimal.max(p, ZERO);
}

/**
 * Isolated liquidation price (KuCoin Help Center formula): the mark price at which the margin left
 * equals the maintenance margin. Long LP = E − (margin − MM)/(|q|m), short LP = E + (margin − MM)/(|q|m),
 * MM = E × |q| × m × MMR.
 */
export function liquidationPrice(
  spec: ContractSpec,
  qty: number,
  entry: Decimal,
  positionMargin: Decimal,
  maintenanceRate: Decimal,
): Decimal {
  if (qty === 0) return ZERO;
  const base = new Money(Math.abs(qty)).mul(spec.multiplier);
  const mm = entry.mul(base).mul(maintenanceRate);
  const perUnit = positionMargin.minus(mm).div(base);
  const p = qty > 0 ? entry.minus(perUnit) : entry.plus(perUnit);
  return Decimal.max(p, ZERO);
}

/**
 * The isolated liquidation price a risk check judges against: of KuCoin's two published formulas for a
 * position opened at `entry` with leverage L (initial margin = notional / L), the one closest to the entry.
 * - Before 22 May 2025: LP = E ∓ (IM − MM)/(|q|m) with MM = E·|q|·m·(MMR + (1 + 1/L)·fee), the close
 *   fee at bankruptcy held in the maintenance margin: LP = E·(1 ∓ (1/L − MMR − (1 + 1/L)·fee)).
 * - Since: LP = E·(1 ∓ 1/L) / (1 ∓ MMR ∓ liqFee), the liquidation fee's constant unpublished: taken as
 *   the taker fee.
 * `side` is +1 for a long, −1 for a short. Funding accrued since the entry moves it further; not counted.
 */
export function conservativeLiquidationPrice(
  entry: Decimal,
  side: 1 | -1,
  leverage: Decimal | number,
  maintenanceRate: Decimal,
  feeRate: Decimal,
): Decimal {
  const invL = new Money(1).div(leverage);
  const one = new Money(1);
  const classic = entry.mul(
    one.minus(invL.minus(maintenanceRate).minus(one.plus(invL).mul(feeRate)).mul(side)),
  );
  const current = entry
    .mul(one.minus(invL.mul(side)))
    .div(one.minus(maintenanceRate.mul(side)).minus(feeRate.mul(side)));
  return Decimal.max(side > 0 ? Decimal.max(classic, current) : Decimal.min(classic, current), ZERO);
}

/** Maintenance margin of a position at a price: |q| × m × price × MMR. */
export function maintenanceMargin(
  spec: ContractSpec,
  qty: number,
  price: Decimal,
  maintenanceRate: Decimal,
): Decimal {
  return notionalValue(spec, qty, price).mul(maintenanceRate);
}

/** The result of applying one fill to a one-way position. */
export interface FillOutcome {
  /** Position size after the fill (signed lots). */
  qty: number;
  /** Average entry after the fill (0 when flat). */
  entryPrice: Decimal;
  /** Lots of the previous position that this fill closed (≥ 0). */
  closedLots: number;
  /** Lots this fill opened in its own direction (≥ 0). */
  openedLots: number;
  /** Gross realised PnL of the closed part: (exit − entry) × closed × m × sign. */
  realisedGross: Decimal;
}

/**
 * Apply a fill of `fillQty` signed lots at `price` to a position (`qty`, `entry`): reduce first,
 * then open the rest at the fill price; the average entry is cost-weighted.
 *
 * @example applyFill(XBT, 1, toMoney(100), 1, toMoney(110)).entryPrice // 105
 */
export function applyFill(
  spec: ContractSpec,
  qty: number,
  entry: Decimal,
  fillQty: number,
  price: Decimal,
): FillOutcome {
  if (!Number.isInteger(fillQty) || fillQty === 0)
    throw new RangeError('fill size must be a non-zero integer');
  const sameDirection = qty === 0 || Math.sign(qty) === Math.sign(fillQty);
  if (sameDirection) {
    const newQty = qty + fillQty;
    const cost = entry.mul(Math.abs(qty)).plus(price.mul(Math.abs(fillQty)));
    return {
      qty: newQty,
      // A cost-weighted average can repeat forever (3 fills: 95,636.5333…): kept to AVERAGE_ENTRY_DP
      // places, so the P&L figured from it is a finite decimal (off by under 1e-12 × lots × multiplier).
      entryPrice: cost.div(Math.abs(newQty)).toDecimalPlaces(AVERAGE_ENTRY_DP),
      closedLots: 0,
      openedLots: Math.abs(fillQty),
      realisedGross: ZERO,
    };
  }
  const closedLots = Math.min(Math.abs(qty), Math.abs(fillQty));
  // To PNL_DP places: from a 12-place average a P&L such as −0.000399999999999 is −0.0004.
  const realisedGross = price
    .minus(entry)
    .mul(closedLots * Math.sign(qty))
    .mul(spec.multiplier)
    .toDecimalPlaces(PNL_DP);
  const newQty = qty + fillQty;
  const openedLots = Math.abs(fillQty) - closedLots;
  return {
    qty: newQty,
    entryPrice: newQty === 0 ? ZERO : openedLots > 0 ? price : entry,
    closedLots,
    openedLots,
    realisedGross,
  };
}
