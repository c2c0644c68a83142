import { describe, expect, it } from 'vitest';
import { alignToTick, priceText, toMoney } from './money.ts';

describe('toMoney', () => {
  it('parses wire strings exactly', () => {
    expect(toMoney('0.1').plus(toMoney('0.2')).toString()).toBe('0.3');
  });
  it('rejects NaN, Infinity and garbage rather than coercing', () => {
    expect(() => toMoney(Number.NaN)).toThrow(RangeError);
    expect(() => toMoney(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => toMoney('')).toThrow(RangeError);
    expect(() => toMoney('12abc')).toThrow(RangeError);
  });
});

describe('alignToTick', () => {
  it('rounds to the tick in the requested direction', () => {
    const tick = toMoney('0.1');
    expect(alignToTick(toMoney('100.06'), tick).toString()).toBe('100.1');
    expect(alignToTick(toMoney('100.06'), tick, 'down').toString()).toBe('100');
    expect(alignToTick(toMoney('100.01'), tick, 'up').toString()).toBe('100.1');
  });
});

describe('priceText', () => {
  it("writes a price at the places of the contract's tick, in decimal", () => {
    expect(priceText(toMoney('61234.123456789'), toMoney('0.1'))).toBe('61234.1');
    expect(priceText('65000', toMoney('0.1'))).toBe('65000.0');
    expect(priceText(0.1 + 0.2, toMoney('0.01'))).toBe('0.30');
    expect(priceText('2.34567', toMoney('0.001'))).toBe('2.346');
    expect(priceText('61234.7', toMoney('1'))).toBe('61235');
  });
});
