import { describe, expect, it } from 'vitest';
import { alignToTick, decimalTextBeside, priceText, priceTextBeside, toMoney } from './money.ts';

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

describe('priceTextBeside', () => {
  const tick = toMoney('0.1');
  it('writes a price at the tick unless that hides which side of the other price it lies on', () => {
    // a stop of 61234.1 refused against a mark of 61234.06 (long: at or above it) or 61234.14 (short)
    expect(priceTextBeside(toMoney('61234.06'), '61234.1', tick)).toBe('61234.06');
    expect(priceTextBeside('61234.14', '61234.1', tick)).toBe('61234.14');
    expect(priceTextBeside('61234.1000001', '61234.1', tick)).toBe('61234.1000001');
    // far apart, or equal: at the tick, as priceText
    expect(priceTextBeside('61234.123456789', '61300', tick)).toBe('61234.1');
    expect(priceTextBeside('61234.1', '61234.1', tick)).toBe('61234.1');
    expect(priceTextBeside('65000', '66300.1', tick)).toBe('65000.0');
    // rounded and still on the same side of the other number: kept at the tick
    expect(priceTextBeside('61234.06', '61234.05', tick)).toBe('61234.1');
  });

  it('writes a percentage beside its limit at enough places to differ from it', () => {
    expect(decimalTextBeside('2.00020000', 2, 3)).toBe('2.0002');
    expect(decimalTextBeside('3.0769230769', 2, 3)).toBe('3.077');
    expect(decimalTextBeside('2', 2, 3)).toBe('2.000');
  });
});
