import { describe, expect, it } from 'vitest';
import { dailyLossPoints, drawdownLimit, drawdownPoints, equityPoints } from './risk-series.ts';
import type { DailyPnlRow } from './types.ts';

const day = (d: string, netPnl: string, cumulativeNetPnl: string): DailyPnlRow => ({
  day: d,
  trades: 1,
  wins: Number(netPnl) > 0 ? 1 : 0,
  grossPnl: netPnl,
  fees: '0',
  funding: '0',
  netPnl,
  cumulativeNetPnl,
});

// the running total was 100.1 before the first day shown
const DAYS = [
  day('2024-05-02', '0.2', '100.3'),
  day('2024-05-03', '-0.7', '99.6'),
  day('2024-05-05', '0.3', '99.9'),
  day('2024-05-06', '1.1', '101'),
  day('2024-05-07', '-600.1', '-499.1'),
];

describe('risk series', () => {
  it('the equity curve starts from the running total before the first day', () => {
    expect(equityPoints(DAYS).slice(0, 2)).toEqual([
      { day: '2024-05-01', value: '100.1' },
      { day: '2024-05-02', value: '100.3' },
    ]);
    expect(equityPoints([])).toEqual([]);
  });

  it('drawdown from the running peak, exact in decimal (float gives -0.699999…)', () => {
    expect(drawdownPoints(DAYS).map((p) => p.value)).toEqual(['0', '0', '-0.7', '-0.4', '0', '-600.1']);
  });

  it("each day's loss against the daily-loss limit", () => {
    const pts = dailyLossPoints(DAYS, '500');
    expect(pts.map((p) => p.value)).toEqual(['0', '0.7', '0', '0', '600.1']);
    expect(pts.map((p) => p.share)).toEqual([0, 0.0014, 0, 0, 1.2002]);
    expect(dailyLossPoints(DAYS, null).every((p) => p.share === null)).toBe(true);
  });

  it("puts the drawdown breaker's limit on the chart's USDT scale: pct % of the equity peak, below zero", () => {
    expect(drawdownLimit('100250.5', '20')).toBe('-20050.1');
    expect(drawdownLimit('0.3', '10')).toBe('-0.03');
    // without a peak or a limit (or a nonsensical one) there is no line
    expect(drawdownLimit(null, '20')).toBeNull();
    expect(drawdownLimit('1000', undefined)).toBeNull();
    expect(drawdownLimit('0', '20')).toBeNull();
    expect(drawdownLimit('1000', '0')).toBeNull();
  });
});
