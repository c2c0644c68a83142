import { Money } from '@enigma/core/money';
import type { DailyPnlRow } from './types.ts';

export interface SeriesPoint {
  /** a UTC day, YYYY-MM-DD */
  day: string;
  /** USDT, a decimal string */
  value: string;
}

/**
 * The closed-trade equity curve (running net P&L) from the day before the first day shown (the running
 * total before it), as `GET /api/pnl/daily` gives it; summed in decimal.
 */
export function equityPoints(days: readonly DailyPnlRow[]): SeriesPoint[] {
  const points = days.map((d) => ({ day: d.day, value: d.cumulativeNetPnl }));
  const first = days[0];
  if (first) {
    const before = new Date(Date.parse(`${first.day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    points.unshift({ day: before, value: new Money(first.cumulativeNetPnl).minus(first.netPnl).toFixed() });
  }
  return points;
}

/** The drawdown of the equity curve from its running peak (≤ 0, USDT, decimal), one point per day. */
export function drawdownPoints(days: readonly DailyPnlRow[]): SeriesPoint[] {
  let peak: Money | null = null;
  return equityPoints(days).map((p) => {
    const v = new Money(p.value);
    if (peak === null || v.gt(peak)) peak = v;
    return { day: p.day, value: v.minus(peak).toFixed() };
  });
}

/**
 * The drawdown breaker's limit in USDT on the drawdown chart's scale (≤ 0): `maxDrawdownPct` % of the
 * equity peak the engine measures from (the drawdown breaker's `equityPeak`); null without either.
 */
export function drawdownLimit(
  equityPeak: string | null | undefined,
  maxDrawdownPct: string | null | undefined,
): string | null {
  if (!equityPeak || !maxDrawdownPct) return null;
  const peak = new Money(equityPeak);
  const pct = new Money(maxDrawdownPct);
  if (!peak.gt(0) || !pct.gt(0)) return null;
  return peak.mul(pct).div(100).neg().toFixed();
}

/**
 * Each day's loss (net P&L below zero, as a positive amount; 0 on a winning day) against the daily-loss
 * limit: `share` is the loss over the limit (1 = the limit reached), null without a limit.
 */
export function dailyLossPoints(
  days: readonly DailyPnlRow[],
  maxDailyLoss: string | null | undefined,
): (SeriesPoint & { share: number | null })[] {
  const limit = maxDailyLoss ? new Money(maxDailyLoss) : null;
  return days.map((d) => {
    const net = new Money(d.netPnl);
    const loss = net.lt(0) ? net.neg() : new Money(0);
    return {
      day: d.day,
      value: loss.toFixed(),
      share: limit?.gt(0) ? loss.div(limit).toNumber() : null,
    };
  });
}
