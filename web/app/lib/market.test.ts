import { describe, expect, it } from 'vitest';
import { fixed, price, usdt } from './market.ts';

describe('money and prices on screen', () => {
  it('rounds in decimal to the places asked, never float noise, never "-0.00"', () => {
    expect(fixed('0.1', 2)).toBe('0.10');
    expect(fixed(0.1 + 0.2, 2)).toBe('0.30');
    expect(fixed('-0.001', 2)).toBe('0.00');
    expect(fixed('-0.004', 2)).toBe('0.00');
    expect(fixed('-0.006', 2)).toBe('-0.01');
    expect(usdt('-0.0001', true)).toBe('0.00');
    expect(usdt('12.5', true)).toBe('+12.50');
    expect(fixed(null, 2)).toBe('—');
    expect(fixed('abc', 2)).toBe('—');
    expect(price('XBTUSDTM', '60000.123')).toBe('60000.1');
  });
});
