import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDecimal, decimalText, PLAIN_DECIMAL_PATTERN, plainDecimal } from './decimal-text.ts';

describe('checkDecimal', () => {
  it.each([
    ['65000.50', {}, '65000.5'],
    ['  1 ', {}, '1'],
    ['+2', {}, '2'],
    ['-0.000', {}, '0'],
    ['.5', {}, '0.5'],
    ['5.', {}, '5'],
    ['6.415e4', {}, '64150'],
    ['1E-3', {}, '0.001'],
    ['-12.5', {}, '-12.5'],
    ['0010', {}, '10'],
    [3, { sign: 'positive', integer: true }, '3'],
    [0.25, {}, '0.25'],
    ['1e30', {}, undefined],
    ['1e29', {}, '100000000000000000000000000000'],
  ] as const)('%j with %j → %j', (input, rule, expected) => {
    const r = checkDecimal(input, rule);
    if (expected === undefined) expect(r.ok).toBe(false);
    else expect(r).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['abc', {}, 'not a decimal number'],
    ['', {}, 'not a decimal number'],
    ['.', {}, 'not a decimal number'],
    ['1e999999', {}, 'exponent beyond'],
    ['1e41', {}, 'exponent beyond'],
    ['NaN', {}, 'not a decimal number'],
    ['Infinity', {}, 'not a decimal number'],
    ['0x10', {}, 'not a decimal number'],
    ['1_000', {}, 'not a decimal number'],
    ['-1', { sign: 'positive' }, 'must not be negative'],
    ['0', { sign: 'positive' }, 'must be greater than 0'],
    ['-0.5', { sign: 'nonNegative' }, 'must not be negative'],
    ['1.5', { integer: true }, 'whole number'],
    ['1'.repeat(65), {}, 'longer than 64'],
    ['1'.repeat(31), {}, 'digits before'],
    [`0.${'1'.repeat(31)}`, {}, 'digits after'],
    [Number.NaN, {}, 'not a finite number'],
    [true, {}, 'not a number'],
  ] as const)('refuses %j with %j (%s)', (input, rule, reason) => {
    const r = checkDecimal(input, rule);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  it('answers a 60,000-digit number (and a near-miss of the pattern) in linear time', () => {
    for (const text of ['9'.repeat(60_000), `${'9'.repeat(60_000)}x`, `1.${'0'.repeat(60_000)}.`]) {
      // Refused by the length cap before any pattern runs (speed is measured by `pnpm bench`, not here).
      expect(checkDecimal(text).ok).toBe(false);
      expect(decimalText().safeParse(text).success).toBe(false);
    }
  });

  it('always yields a canonical plain form that fits the stream catalog and means the same number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(10 ** 12), max: 10 ** 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: -12, max: 12 }),
        (mantissa, places, exp) => {
          const s = `${(mantissa / 10 ** places).toFixed(places)}e${exp}`;
          const r = checkDecimal(s);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.value).toMatch(PLAIN_DECIMAL_PATTERN);
          expect(plainDecimal.safeParse(r.value).success).toBe(true);
          expect(Number(r.value)).toBeCloseTo(Number(s), 6);
        },
      ),
    );
  });
});
