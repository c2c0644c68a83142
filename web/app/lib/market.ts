import { CONTRACTS, type ContractSpec } from '@enigma/core/contract/specs';
import {
  parseTimeframe,
  type Timeframe as StoredTimeframe,
  timeframeMs as storedTimeframeMs,
} from '@enigma/core/marketdata/timeframe';
import { Money, priceText } from '@enigma/core/money';

export const SYMBOLS = Object.keys(CONTRACTS);
/** The chart's timeframes: a subset of the stored ones (core/src/marketdata/timeframe.ts). */
export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const satisfies readonly StoredTimeframe[];
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Length of one bar in ms (a RangeError for a timeframe the system does not store). */
export function timeframeMs(tf: string): number {
  return storedTimeframeMs(parseTimeframe(tf));
}

export function specOf(symbol: string): ContractSpec | undefined {
  return CONTRACTS[symbol];
}

/** Decimal places of the contract's tick (XBTUSDTM 0.1 → 1). */
export function priceDecimals(symbol: string): number {
  return specOf(symbol)?.tickSize.decimalPlaces() ?? 2;
}

/**
 * A decimal string shown with exactly `dp` places, computed in decimal (never float noise);
 * '—' for null/empty/unparseable.
 */
export function fixed(value: string | number | null | undefined, dp: number): string {
  if (value === null || value === undefined || value === '') return '—';
  try {
    const text = new Money(value).toFixed(dp);
    // a small negative rounded to zero is zero, not "-0.00"
    return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
  } catch {
    return '—';
  }
}

/** A price at the contract's tick precision (core's `priceText`); '—' for null/empty/unparseable. */
export function price(symbol: string, value: string | number | null | undefined): string {
  const spec = specOf(symbol);
  if (!spec) return fixed(value, 2);
  if (value === null || value === undefined || value === '') return '—';
  try {
    return priceText(value, spec.tickSize);
  } catch {
    return '—';
  }
}

/**
 * A figure already in percent, to `dp` places with a '%' ('-1.3%'); one that rounds to zero is '0.0%',
 * never '-0.0%' (a loss of a cent on a large margin, or a float's -0).
 */
export function pct(value: string | number | null | undefined, dp: number): string {
  const text = fixed(value, dp);
  return text === '—' ? text : `${text}%`;
}

/** USDT amounts: two decimals (never "-0.00"), with a sign when asked (none on "0.00"). */
export function usdt(value: string | number | null | undefined, signed = false): string {
  const s = fixed(value, 2);
  return signed && s !== '—' && !s.startsWith('-') && s !== '0.00' ? `+${s}` : s;
}

/**
 * Sign class for P&L colouring. With `dp`, the sign of the figure as shown at that many places: one that
 * reads 0.00 is neither green nor red.
 */
export function tone(value: string | number | null | undefined, dp?: number): 'pos' | 'neg' | '' {
  if (value === null || value === undefined || value === '') return '';
  const n = Number(dp === undefined ? value : fixed(value, dp));
  return n > 0 ? 'pos' : n < 0 ? 'neg' : '';
}
