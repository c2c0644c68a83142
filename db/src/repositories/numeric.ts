import { toMoney } from '@enigma/core';
import type Decimal from 'decimal.js';

/** What repositories accept for numeric columns: a Decimal, a decimal string or a finite number. */
export type NumericInput = Decimal | string | number;

/** The same textual rule as core's `toMoney`, checked without building a Decimal (hot path for candles). */
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Convert a numeric input to the exact string stored in a `numeric` column; null/undefined stay absent.
 * Strings are stored as given (numeric keeps every digit), Decimals without exponent notation. NaN,
 * Infinity and non-numeric strings are rejected, never coerced.
 */
export function numericOrNull(value: NumericInput | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!DECIMAL_TEXT.test(text))
      throw new RangeError(`${field}: not a decimal number: ${JSON.stringify(value)}`);
    return text;
  }
  let d: Decimal;
  try {
    d = toMoney(value);
  } catch (error) {
    throw new RangeError(`${field}: ${(error as Error).message}`);
  }
  // toMoney passes a Decimal through as is, and numeric would store a NaN Decimal's 'NaN' text
  if (!d.isFinite()) throw new RangeError(`${field}: not a finite number: ${d.toString()}`);
  return d.toFixed();
}
