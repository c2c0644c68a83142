import { Money } from '@enigma/core/money';
import { describe, expect, it } from 'vitest';
import { DivergenceMonitor } from './divergence.ts';

const p = (v: string) => new Money(v);

describe('DivergenceMonitor', () => {
  it('alerts once when the spread exceeds the threshold and recovers only well inside it', () => {
    const m = new DivergenceMonitor(50);
    expect(m.update('XBTUSDTM', p('100.4'), p('100'), 1).event).toBeUndefined();
    const up = m.update('XBTUSDTM', p('100.6'), p('100'), 2);
    expect(up.bps).toBeCloseTo(60, 9);
    expect(up.event).toMatchObject({
      state: 'diverged',
      symbol: 'XBTUSDTM',
      kucoin: '100.6',
      reference: '100',
    });
    expect(m.update('XBTUSDTM', p('100.7'), p('100'), 3).event).toBeUndefined();
    // 45 bps: below the threshold but above the 80 % recovery line, still diverged
    expect(m.update('XBTUSDTM', p('100.45'), p('100'), 4).event).toBeUndefined();
    expect(m.isDiverged('XBTUSDTM')).toBe(true);
    expect(m.update('XBTUSDTM', p('99.7'), p('100'), 5).event?.state).toBe('recovered');
  });

  it('treats a lower KuCoin price the same way (signed bps) and keeps symbols apart', () => {
    const m = new DivergenceMonitor(10);
    const r = m.update('ETHUSDTM', p('99'), p('100'), 1);
    expect(r.bps).toBeCloseTo(-100, 9);
    expect(r.event?.state).toBe('diverged');
    expect(m.isDiverged('XBTUSDTM')).toBe(false);
  });

  it('rejects a non-positive price or threshold', () => {
    expect(() => new DivergenceMonitor(0)).toThrow(RangeError);
    expect(() => new DivergenceMonitor(5).update('X', p('1'), p('0'), 1)).toThrow(RangeError);
  });
});
