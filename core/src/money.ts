import Decimal from 'decimal.js';

/** One Decimal configuration for every money computation in the system. */
export const Money = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Money = Decimal;

/**
 * Parse a wire value (string or finite number) as money. Rejects NaN, Infinity and empty strings
 * instead of coercing them.
 *
 * @example toMoney('0.0001') // Decimal 0.0001
 */
export function toMoney(value: string | number | Decimal): Decimal {
  if (value instanceof Decimal) return new Money(value);
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError(`not a finite number: ${value}`);
  if (typeof value === 'string' && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())) {
    throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`);
  }
  return new Money(value);
}

/**
 * A price as the trader reads it, in text: at the decimal places of the contract's tick (XBTUSDTM's 0.1:
 * a mark of 61234.123456789 → '61234.1', 65000 → '65000.0'), half-even, in decimal. The one formatter of
 * prices for people (the dashboard's cells, risk and engine refusals); a price off the tick that a
 * message is about (`tick_size`) is quoted as given instead.
 */
export function priceText(price: Decimal | string | number, tickSize: Decimal): string {
  return new Money(price).toFixed(tickSize.decimalPlaces());
}

/** Round a price to the contract's tick size (half-even by default, or down/up for passive/aggressive sides). */
export function alignToTick(
  price: Decimal,
  tickSize: Decimal,
  mode: 'nearest' | 'down' | 'up' = 'nearest',
): Decimal {
  if (tickSize.lte(0)) throw new RangeError('tick size must be positive');
  const rounding =
    mode === 'down' ? Decimal.ROUND_FLOOR : mode === 'up' ? Decimal.ROUND_CEIL : Decimal.ROUND_HALF_EVEN;
  return price.div(tickSize).toDecimalPlaces(0, rounding).mul(tickSize);
}
