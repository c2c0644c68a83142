import { z } from 'zod';

/**
 * The one validator of decimal numbers written as text (webhook prices and sizes, API amounts, stream
 * entries). The pattern is linear (no two adjacent quantifiers can share a digit, so a 60,000-digit
 * input fails in one pass), the text is capped in length before the pattern runs, and the exponent is
 * bounded, so the canonical plain form always fits PostgreSQL `numeric` and the stream catalog.
 */

/** Longest text accepted (sign, digits, point and exponent included). */
export const MAX_DECIMAL_TEXT_LENGTH = 64;
/** At most this many digits before, and this many after, the decimal point in the canonical form. */
export const MAX_DECIMAL_DIGITS = 30;
/** Largest exponent magnitude accepted in `1.5e3` forms. */
export const MAX_DECIMAL_EXPONENT = 40;

// Linear: the optional `.` is not optional between two digit runs ((\d+)(\.\d*)? or \.\d+), and the
// exponent has a fixed width.
const DECIMAL_PATTERN = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d{1,9}))?$/;
/** A plain decimal: optional minus, no exponent, at most 30 digits each side of the point. */
export const PLAIN_DECIMAL_PATTERN = /^-?(?:\d{1,30}(?:\.\d{1,30})?|\.\d{1,30})$/;

/** Which values a field accepts. */
export interface DecimalRule {
  /** `positive` (> 0), `nonNegative` (≥ 0) or `any` (default) */
  sign?: 'positive' | 'nonNegative' | 'any';
  /** whole numbers only (sizes in lots) */
  integer?: boolean;
}

export type DecimalCheck = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Check a decimal given as text or a JSON number and return its canonical plain form.
 *
 * @example checkDecimal('6.415e4', { sign: 'positive' }) // { ok: true, value: '64150' }
 * @example checkDecimal('-1', { sign: 'positive' })      // { ok: false, reason: 'must be greater than 0' }
 */
export function checkDecimal(input: unknown, rule: DecimalRule = {}): DecimalCheck {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, reason: 'not a finite number' };
    text = String(input);
  } else if (typeof input === 'string') text = input.trim();
  else return { ok: false, reason: 'not a number' };
  if (text.length > MAX_DECIMAL_TEXT_LENGTH)
    return { ok: false, reason: `longer than ${MAX_DECIMAL_TEXT_LENGTH} characters` };
  const m = DECIMAL_PATTERN.exec(text);
  if (!m) return { ok: false, reason: 'not a decimal number' };
  const negative = m[1] === '-';
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? m[4] ?? '';
  const exponent = m[5] === undefined ? 0 : Number(m[5]);
  if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT)
    return { ok: false, reason: `exponent beyond ±${MAX_DECIMAL_EXPONENT}` };
  // Shift the point by the exponent over the digit string, then trim zeros on both sides.
  const digits = intDigits + fracDigits;
  const point = intDigits.length + exponent;
  let whole: string;
  let frac: string;
  if (point <= 0) {
    whole = '';
    frac = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    frac = '';
  } else {
    whole = digits.slice(0, point);
    frac = digits.slice(point);
  }
  whole = whole.replace(/^0+/, '');
  frac = frac.replace(/0+$/, '');
  if (whole.length > MAX_DECIMAL_DIGITS)
    return { ok: false, reason: `more than ${MAX_DECIMAL_DIGITS} digits before the decimal point` };
  if (frac.length > MAX_DECIMAL_DIGITS)
    return { ok: false, reason: `more than ${MAX_DECIMAL_DIGITS} digits after the decimal point` };
  const zero = whole === '' && frac === '';
  const sign = rule.sign ?? 'any';
  if (negative && !zero && sign !== 'any') return { ok: false, reason: 'must not be negative' };
  if (zero && sign === 'positive') return { ok: false, reason: 'must be greater than 0' };
  if (rule.integer && frac !== '') return { ok: false, reason: 'must be a whole number' };
  if (zero) return { ok: true, value: '0' };
  const value = `${negative ? '-' : ''}${whole || '0'}${frac ? `.${frac}` : ''}`;
  return { ok: true, value };
}

/**
 * A zod schema over `checkDecimal`: text or a JSON number in, the canonical plain string out.
 *
 * @example decimalText({ sign: 'positive' }).parse('65000.50') // '65000.5'
 */
export function decimalText(rule: DecimalRule = {}) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const r = checkDecimal(v, rule);
    if (!r.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `${r.reason}: ${JSON.stringify(typeof v === 'string' ? v.slice(0, 24) : v)}`,
      });
      return z.NEVER;
    }
    return r.value;
  });
}

/** A decimal already in canonical plain form (stream entries): checked, not rewritten. */
export const plainDecimal = z
  .string()
  .max(MAX_DECIMAL_TEXT_LENGTH)
  .regex(PLAIN_DECIMAL_PATTERN, 'a plain decimal string (at most 30 digits each side of the point)');

/**
 * A finite number given as text or a JSON number (indicator values): the same bounded pattern and
 * length cap, returned as a float.
 */
export function checkFiniteNumber(
  input: unknown,
): { ok: true; value: number } | { ok: false; reason: string } {
  const r = checkDecimal(input);
  return r.ok ? { ok: true, value: Number(r.value) } : r;
}
