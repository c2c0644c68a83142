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
 * message is about (`tick_size`) is quoted as given instead, and one a message compares with another
 * price through `priceTextBeside`.
 */
export function priceText(price: Decimal | string | number, tickSize: Decimal): string {
  return new Money(price).toFixed(tickSize.decimalPlaces());
}

/**
 * A number a message compares with another, at `places` decimal places, or at as many more as it takes
 * for the text to stand on the same side of `other` as the number does: rounded, a mark of 61234.06
 * beside a stop of 61234.1 (refused: at or above the mark) would read '61234.1', two equal numbers for
 * an unequal comparison; this writes '61234.06'. Equal numbers stay equal.
 *
 * @example decimalTextBeside('61234.06', '61234.1', 1) // '61234.06'
 * @example decimalTextBeside('2.0002', 2, 3) // '2.0002' (not '2.000' against a limit of 2)
 */
export function decimalTextBeside(
  value: Decimal | string | number,
  other: Decimal | string | number,
  places: number,
): string {
  const v = new Money(value);
  const side = v.cmp(new Money(other));
  for (let dp = places; dp < v.decimalPlaces(); dp++) {
    const text = v.toFixed(dp);
    if (new Money(text).cmp(new Money(other)) === side) return text;
  }
  return v.toFixed(Math.max(places, v.decimalPlaces()));
}

/**
 * `priceText` for a price a message compares with another (the mark with the trader's stop or limit
 * price, a liquidation price with the stop): at the tick's places unless that would hide which side of
 * `other` it lies on (`decimalTextBeside`).
 */
export function priceTextBeside(
  price: Decimal | string | number,
  other: Decimal | string | number,
  tickSize: Decimal,
): string {
  return decimalTextBeside(price, other, tickSize.decimalPlaces());
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
