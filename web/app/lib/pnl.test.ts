import { describe, expect, it } from 'vitest';
import { positionUnrealised, totalPnl } from './pnl.ts';

const pos = (
  symbol: string,
  qty: number,
  entry: string | null,
  stored = '0',
  mark: string | null = null,
) => ({
  symbol,
  qty,
  avgEntryPrice: entry,
  unrealisedPnl: stored,
  markPrice: mark,
});

describe('P&L of positions and the top bar total', () => {
  it('unrealised at the mark, in decimal, for longs and shorts (contract multiplier applied)', () => {
    // XBTUSDTM 0.001 BTC a lot, ETHUSDTM 0.01 ETH
    expect(positionUnrealised(pos('XBTUSDTM', 1, '95600.2'), '95626.3').toFixed()).toBe('0.0261');
    expect(positionUnrealised(pos('ETHUSDTM', -5, '1837.26'), '1836.15').toFixed()).toBe('0.0555');
    expect(positionUnrealised(pos('ETHUSDTM', 5, '0.1'), '0.3').toFixed()).toBe('0.01');
  });

  it('the stored figure without a mark or an entry', () => {
    expect(positionUnrealised(pos('XBTUSDTM', 1, '95600'), null).toFixed()).toBe('0');
    expect(positionUnrealised(pos('XBTUSDTM', 1, null, '1.5'), '95000').toFixed()).toBe('1.5');
  });

  it('total: every closed trade (the account), not the recent ones, plus unrealised at the live marks', () => {
    const positions = [
      pos('XBTUSDTM', 1, '95600.2', '0.0001', '95610'),
      pos('ETHUSDTM', 5, '1836.32', '0', '1836'),
    ];
    const total = totalPnl({
      realised: '-1200.50',
      fallbackRealised: '-0.19',
      positions,
      // a live mark for XBTUSDTM moved it; ETHUSDTM has only the loader's mark
      marks: { XBTUSDTM: '95700.2' },
      markOf: (p) => (p as (typeof positions)[number]).markPrice,
    });
    // -1200.50 + (95700.2 − 95600.2) × 0.001 + (1836 − 1836.32) × 5 × 0.01 = -1200.50 + 0.1 − 0.016
    expect(total).toBe('-1200.416');
  });

  it('the recent trades only when the account could not be read', () => {
    expect(
      totalPnl({ realised: null, fallbackRealised: '-0.19', positions: [], marks: {}, markOf: () => null }),
    ).toBe('-0.19');
  });
});
