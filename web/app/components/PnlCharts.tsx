import type { IChartApi, ISeriesApi, SeriesType, Time } from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { fixed } from '../lib/market.ts';
import { dailyLossPoints, drawdownPoints, equityPoints } from '../lib/risk-series.ts';
import type { DailyPnlRow } from '../lib/types.ts';

const UP = '#26a69a';
const DOWN = '#ef5350';

type Charts = typeof import('lightweight-charts');

/** A limit drawn on `series` as the charts draw every limit: a dashed amber line with its price on the axis. */
function limitLine(series: ISeriesApi<SeriesType>, price: number, title: string): void {
  series.createPriceLine({
    price,
    color: '#d29922',
    lineWidth: 1,
    lineStyle: 2,
    axisLabelVisible: true,
    title,
  });
}

/** One Lightweight Charts instance in `box`, created in the browser only, removed on unmount. */
function useChart(
  box: React.RefObject<HTMLDivElement | null>,
  draw: (lib: Charts, chart: IChartApi) => void,
  /** the chart is drawn again when this changes */
  data: unknown,
) {
  const drawRef = useRef(draw);
  drawRef.current = draw;
  // biome-ignore lint/correctness/useExhaustiveDependencies: redrawn when the data changes
  useEffect(() => {
    let chart: IChartApi | null = null;
    let disposed = false;
    void import('lightweight-charts').then((lib) => {
      if (disposed || !box.current) return;
      chart = lib.createChart(box.current, {
        autoSize: true,
        layout: {
          background: { type: lib.ColorType.Solid, color: '#0d1117' },
          textColor: '#c9d1d9',
          fontSize: 11,
          panes: { separatorColor: '#30363d' },
          attributionLogo: false,
        },
        grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
        rightPriceScale: { borderColor: '#30363d' },
        timeScale: { borderColor: '#30363d' },
        localization: { priceFormatter: (p: number) => fixed(p, 2) },
        // a phone must still scroll the page: vertical drags over the chart are not the chart's
        handleScroll: { vertTouchDrag: false },
      });
      drawRef.current(lib, chart);
      chart.timeScale().fitContent();
      box.current.dataset['drawn'] = 'true';
    });
    return () => {
      disposed = true;
      chart?.remove();
    };
  }, [data]);
}

/**
 * The equity curve (running net P&L of closed trades, from the day before the first trade shown) with
 * its drawdown from the running peak in a pane below.
 */
export function EquityCurve({ days }: { days: DailyPnlRow[] }) {
  const box = useRef<HTMLDivElement>(null);
  useChart(
    box,
    (lib, chart) => {
      const equity = chart.addSeries(lib.AreaSeries, {
        lineColor: '#4493f8',
        topColor: 'rgba(68,147,248,0.35)',
        bottomColor: 'rgba(68,147,248,0.02)',
        lineWidth: 2,
        priceLineVisible: false,
      });
      const drawdown = chart.addSeries(
        lib.AreaSeries,
        {
          lineColor: DOWN,
          topColor: 'rgba(239,83,80,0.05)',
          bottomColor: 'rgba(239,83,80,0.4)',
          lineWidth: 1,
          priceLineVisible: false,
          invertFilledArea: true,
        },
        1,
      );
      equity.setData(equityPoints(days).map((p) => ({ time: p.day as Time, value: Number(p.value) })));
      drawdown.setData(drawdownPoints(days).map((p) => ({ time: p.day as Time, value: Number(p.value) })));
      chart.panes()[1]?.setHeight(80);
    },
    days,
  );
  return (
    <div ref={box} className="perf-chart" data-testid="equity-chart" role="img" aria-label="equity curve" />
  );
}

/** Daily net P&L bars (green/red), with the daily-loss limit as a line below zero. */
export function DailyPnlBars({ days, maxDailyLoss }: { days: DailyPnlRow[]; maxDailyLoss: string | null }) {
  const box = useRef<HTMLDivElement>(null);
  useChart(
    box,
    (lib, chart) => {
      const bars = chart.addSeries(lib.HistogramSeries, { priceLineVisible: false });
      bars.setData(
        days.map((d) => ({
          time: d.day as Time,
          value: Number(d.netPnl),
          color: Number(d.netPnl) >= 0 ? UP : DOWN,
        })),
      );
      if (maxDailyLoss) limitLine(bars, -Number(maxDailyLoss), 'daily loss limit');
    },
    `${JSON.stringify(days)}|${maxDailyLoss}`,
  );
  return (
    <div ref={box} className="perf-chart" data-testid="daily-pnl-chart" role="img" aria-label="daily P&L" />
  );
}

/**
 * The risk panel's drawdown chart: the closed-trade equity curve's drawdown from its running peak (USDT),
 * one point per UTC day.
 */
export function DrawdownChart({
  days,
  label,
  limit = null,
}: {
  days: DailyPnlRow[];
  label: string;
  /** the drawdown breaker's limit in USDT (≤ 0, drawdownLimit()), drawn as a line; null: none */
  limit?: string | null;
}) {
  const box = useRef<HTMLDivElement>(null);
  useChart(
    box,
    (lib, chart) => {
      const dd = chart.addSeries(lib.AreaSeries, {
        lineColor: DOWN,
        topColor: 'rgba(239,83,80,0.05)',
        bottomColor: 'rgba(239,83,80,0.4)',
        lineWidth: 1,
        priceLineVisible: false,
        invertFilledArea: true,
      });
      dd.setData(drawdownPoints(days).map((p) => ({ time: p.day as Time, value: Number(p.value) })));
      if (limit) limitLine(dd, Number(limit), 'limit');
    },
    `${JSON.stringify(days)}|${limit}`,
  );
  return <div ref={box} className="risk-chart" data-testid="drawdown-chart" role="img" aria-label={label} />;
}

/** The risk panel's daily-loss chart: each UTC day's loss (USDT) with the daily-loss limit as a line. */
export function DailyLossChart({
  days,
  maxDailyLoss,
  label,
}: {
  days: DailyPnlRow[];
  maxDailyLoss: string | null;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useChart(
    box,
    (lib, chart) => {
      const bars = chart.addSeries(lib.HistogramSeries, { priceLineVisible: false });
      bars.setData(
        dailyLossPoints(days, maxDailyLoss).map((p) => ({
          time: p.day as Time,
          value: Number(p.value),
          color:
            p.share !== null && p.share >= 1
              ? DOWN
              : p.share !== null && p.share >= 0.8
                ? '#d29922'
                : '#8b949e',
        })),
      );
      if (maxDailyLoss) limitLine(bars, Number(maxDailyLoss), 'limit');
    },
    `${JSON.stringify(days)}|${maxDailyLoss}`,
  );
  return (
    <div ref={box} className="risk-chart" data-testid="daily-loss-chart" role="img" aria-label={label} />
  );
}
