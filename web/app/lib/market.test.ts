import { describe, expect, it } from 'vitest';
import { fixed, pct, price, tone, usdt } from './market.ts';

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

describe('percentages and P&L colours on screen', () => {
  it('shows a percentage that rounds to zero as "0.0%", never "-0.0%"', () => {
    expect(pct(-0.0008, 1)).toBe('0.0%');
    expect(pct(-0, 1)).toBe('0.0%');
    expect(pct('-0.04', 1)).toBe('0.0%');
    expect(pct(-0.06, 1)).toBe('-0.1%');
    expect(pct(12.345, 1)).toBe('12.3%');
    expect(pct(null, 1)).toBe('—');
  });

  it('colours a figure by its sign as shown: one that reads 0.00 is neither green nor red', () => {
    expect(tone('-0.004', 2)).toBe('');
    expect(tone('0.004', 2)).toBe('');
    expect(tone('-0.006', 2)).toBe('neg');
    expect(tone('0.006', 2)).toBe('pos');
    expect(tone('-0.004')).toBe('neg');
    expect(tone(null, 2)).toBe('');
  });
});
