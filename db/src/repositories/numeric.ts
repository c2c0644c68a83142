import { toMoney } from '@enigma/core';
import type Decimal from 'decimal.js';

/** What repositories accept for numeric columns: a Decimal, a decimal string or a finite number. */
export type NumericInput = Decimal | string | number;

/**
 * Convert a numeric input to the exact string stored in a `numeric` column; null/undefined stay absent.
 * NaN, Infinity and non-numeric strings are rejected, never coerced.
 */
export function numericOrNull(value: NumericInput | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  try {
    const parsed = toMoney(value);
    // Strings are stored exactly as given (numeric keeps every digit); Decimals without exponent notation.
    if (typeof value === 'string') return value.trim();
    return parsed.toFixed();
  } catch (error) {
    throw new RangeError(`${field}: ${(error as Error).message}`);
  }
}
