import type { Candle } from '@enigma/core/candle';
import type {
  IChartApi,
  IPriceLine,
  ISeriesApi,
  ISeriesMarkersPluginApi,
  SeriesMarker,
  Time,
  UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import { computeIndicators } from '../lib/bars.ts';
import { fillMarks } from '../lib/fill-markers.ts';
import type { LiveFeed } from '../lib/live.ts';
import { pct, priceDecimals, timeframeMs } from '../lib/market.ts';
import { PriceBand, stopLiquidationZone } from '../lib/price-band.ts';
import { signalMarks } from '../lib/signal-markers.ts';
import { useTime } from '../lib/time.tsx';
import type { FillRow, OrderRow, PositionRow, SignalRow } from '../lib/types.ts';

type Charts = typeof import('lightweight-charts');

interface Props {
  symbol: string;
  timeframe: string;
  /** bars from the loader; drawn with setData on load and on a symbol/timeframe switch only */
  initialBars: Candle[];
  signals: SignalRow[];
  /** the contract's fills, newest first (`GET /api/fills`): a marker per bar and side at their price */
  fills: FillRow[];
  orders: OrderRow[];
  position: PositionRow | undefined;
  feed: LiveFeed;
  /** the bars after live updates (throttled), for the indicator strip */
  onBars(bars: Candle[]): void;
}

const GREY = '#6e7681';
/**
 * The live chart is redrawn at most this often. A redraw (core's indicators, 13 series updated, every
 * pane repainted) took 15–25 ms of the page's main thread on the shared 2-core machine; at each tick
 * (3 a second per contract) that kept the thread busy often enough to delay other events' rendering
 * in the dashboard bench's tail.
 */
const LIVE_REDRAW_MS = 1000;
const UP = '#26a69a';
const DOWN = '#ef5350';
/** fills: brighter than the candles so a square at the price stands out from the bar under it */
const FILL_BUY = '#3fb950';
const FILL_SELL = '#ff7b72';

interface Series {
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
  bbUpper: ISeriesApi<'Line'>;
  bbMiddle: ISeriesApi<'Line'>;
  bbLower: ISeriesApi<'Line'>;
  ema20: ISeriesApi<'Line'>;
  ema50: ISeriesApi<'Line'>;
  rsi: ISeriesApi<'Line'>;
  macd: ISeriesApi<'Line'>;
  macdSignal: ISeriesApi<'Line'>;
  macdHist: ISeriesApi<'Histogram'>;
  stochK: ISeriesApi<'Line'>;
  stochD: ISeriesApi<'Line'>;
  markers: ISeriesMarkersPluginApi<Time>;
  /** the zone between the position's stop and its liquidation price */
  zone: PriceBand;
}

/** The liquidation line's title: its distance from the price, in %. */
function liqTitle(liq: number, price: number): string {
  return `liq ${pct((Math.abs(price - liq) / price) * 100, 1)}`;
}

/**
 * Candles, volume, Bollinger and EMA overlays, RSI / MACD / StochRSI panes (core's indicators),
 * signal markers (refused and duplicate alerts in grey, the reason on hover), fill markers at their
 * price (a square per bar and side: lots and average price on hover), the zone between the position's
 * stop and its liquidation price shaded (red when the stop lies past the liquidation), price lines for open
 * orders, entry, stop, take-profit and liquidation; the forming candle drawn live from ticks.
 * Lightweight Charts is created on the client only; `update()` for live bars.
 */
export function PriceChart(props: Props) {
  const { symbol, timeframe, initialBars, signals, fills, orders, position, feed, onBars } = props;
  const box = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ lib: Charts; chart: IChartApi; s: Series } | null>(null);
  const bars = useRef<Candle[]>([]);
  const lines = useRef<IPriceLine[]>([]);
  /** the liquidation price line: its title (distance from the price in %) follows the live price */
  const liqLine = useRef<{ line: IPriceLine; price: number } | null>(null);
  const [hover, setHover] = useState<{ x: number; text: string } | null>(null);
  const [ready, setReady] = useState(false);
  const { chartOffsetSeconds, mode } = useTime();
  const offsetRef = useRef(chartOffsetSeconds);
  offsetRef.current = chartOffsetSeconds;
  const onBarsRef = useRef(onBars);
  onBarsRef.current = onBars;
  const dp = priceDecimals(symbol);
  const tfMs = timeframeMs(timeframe);

  const t = (ms: number) => (Math.floor(ms / 1000) + offsetRef.current(ms)) as UTCTimestamp;

  // create once
  useEffect(() => {
    let disposed = false;
    let resize: ResizeObserver | undefined;
    void import('lightweight-charts').then((lib) => {
      if (disposed || !box.current) return;
      const chart = lib.createChart(box.current, {
        autoSize: true,
        layout: {
          background: { type: lib.ColorType.Solid, color: '#0d1117' },
          textColor: '#c9d1d9',
          fontSize: 11,
          panes: { separatorColor: '#30363d', enableResize: true },
          attributionLogo: false,
        },
        grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
        rightPriceScale: { borderColor: '#30363d' },
        timeScale: { borderColor: '#30363d', timeVisible: true, secondsVisible: false },
        crosshair: { mode: lib.CrosshairMode.Normal },
        // a phone must still scroll the page: vertical drags over the chart are not the chart's
        handleScroll: { vertTouchDrag: false },
      });
      const line = (color: string, pane = 0, width: 1 | 2 = 1) =>
        chart.addSeries(
          lib.LineSeries,
          {
            color,
            lineWidth: width,
            priceLineVisible: false,
            lastValueVisible: false,
            crosshairMarkerVisible: false,
          },
          pane,
        );
      const candles = chart.addSeries(lib.CandlestickSeries, {
        upColor: UP,
        downColor: DOWN,
        borderVisible: false,
        wickUpColor: UP,
        wickDownColor: DOWN,
      });
      const volume = chart.addSeries(lib.HistogramSeries, {
        priceFormat: { type: 'volume' },
        priceScaleId: 'volume',
        lastValueVisible: false,
        priceLineVisible: false,
      });
      chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
      const s: Series = {
        candles,
        volume,
        bbUpper: line('#8b949e'),
        bbMiddle: line('#6e7681'),
        bbLower: line('#8b949e'),
        ema20: line('#e3b341', 0, 2),
        ema50: line('#a371f7', 0, 2),
        rsi: line('#58a6ff', 1),
        macd: line('#58a6ff', 2),
        macdSignal: line('#f0883e', 2),
        macdHist: chart.addSeries(
          lib.HistogramSeries,
          { priceLineVisible: false, lastValueVisible: false },
          2,
        ),
        stochK: line('#58a6ff', 3),
        stochD: line('#f0883e', 3),
        markers: lib.createSeriesMarkers(candles, []),
        zone: new PriceBand(),
      };
      candles.attachPrimitive(s.zone);
      for (const level of [30, 70])
        s.rsi.createPriceLine({
          price: level,
          color: '#30363d',
          lineWidth: 1,
          lineStyle: 2,
          axisLabelVisible: false,
          title: '',
        });
      chartRef.current = { lib, chart, s };
      setReady(true);
    });
    return () => {
      disposed = true;
      resize?.disconnect();
      chartRef.current?.chart.remove();
      chartRef.current = null;
    };
  }, []);

  // setData on load, on a switch, and when the time zone changes
  // biome-ignore lint/correctness/useExhaustiveDependencies: setData only on a switch, never on a revalidation
  useEffect(() => {
    const c = chartRef.current;
    if (!ready || !c) return;
    bars.current = initialBars.slice();
    c.s.candles.applyOptions({
      priceFormat: { type: 'price', precision: dp, minMove: 1 / 10 ** dp },
    });
    c.chart.applyOptions({ localization: { priceFormatter: (p: number) => p.toFixed(dp) } });
    redrawAll();
    // indicator panes get a fixed share of the chart's height once it has one
    const h = box.current?.clientHeight ?? 0;
    if (h > 0) for (const i of [1, 2, 3]) c.chart.panes()[i]?.setHeight(Math.round(h * 0.14));
    c.chart.timeScale().fitContent();
    if (bars.current.length > 120)
      c.chart
        .timeScale()
        .setVisibleLogicalRange({ from: bars.current.length - 120, to: bars.current.length + 3 });
  }, [ready, symbol, timeframe, mode]);

  function indicatorPoints(values: Float64Array | undefined, from = 0) {
    const out: { time: UTCTimestamp; value?: number }[] = [];
    if (!values) return out;
    for (let i = from; i < values.length; i++) {
      const v = values[i]!;
      out.push(
        Number.isFinite(v)
          ? { time: t(bars.current[i]!.time), value: v }
          : { time: t(bars.current[i]!.time) },
      );
    }
    return out;
  }

  function redrawAll() {
    const c = chartRef.current;
    if (!c) return;
    const b = bars.current;
    c.s.candles.setData(
      b.map((x) => ({ time: t(x.time), open: x.open, high: x.high, low: x.low, close: x.close })),
    );
    c.s.volume.setData(
      b.map((x) => ({
        time: t(x.time),
        value: x.volume,
        color: x.close >= x.open ? '#26a69a55' : '#ef535055',
      })),
    );
    const ind = computeIndicators(b);
    c.s.bbUpper.setData(indicatorPoints(ind.bb?.upper));
    c.s.bbMiddle.setData(indicatorPoints(ind.bb?.middle));
    c.s.bbLower.setData(indicatorPoints(ind.bb?.lower));
    c.s.ema20.setData(indicatorPoints(ind.ema20 ?? undefined));
    c.s.ema50.setData(indicatorPoints(ind.ema50 ?? undefined));
    c.s.rsi.setData(indicatorPoints(ind.rsi ?? undefined));
    c.s.macd.setData(indicatorPoints(ind.macd?.macd));
    c.s.macdSignal.setData(indicatorPoints(ind.macd?.signal));
    c.s.macdHist.setData(
      indicatorPoints(ind.macd?.hist).map((p) =>
        p.value === undefined ? p : { ...p, color: p.value >= 0 ? '#26a69a99' : '#ef535099' },
      ),
    );
    c.s.stochK.setData(indicatorPoints(ind.stoch?.k));
    c.s.stochD.setData(indicatorPoints(ind.stoch?.d));
  }

  /** Draw the newest bar and the newest indicator values with update(). */
  function updateLast() {
    const c = chartRef.current;
    const b = bars.current;
    const x = b[b.length - 1];
    if (!c || !x) return;
    const time = t(x.time);
    c.s.candles.update({ time, open: x.open, high: x.high, low: x.low, close: x.close });
    c.s.volume.update({ time, value: x.volume, color: x.close >= x.open ? '#26a69a55' : '#ef535055' });
    const ind = computeIndicators(b);
    const i = b.length - 1;
    const put = (series: ISeriesApi<'Line'> | ISeriesApi<'Histogram'>, values: Float64Array | undefined) => {
      const v = values?.[i];
      if (v !== undefined && Number.isFinite(v)) series.update({ time, value: v });
    };
    put(c.s.bbUpper, ind.bb?.upper);
    put(c.s.bbMiddle, ind.bb?.middle);
    put(c.s.bbLower, ind.bb?.lower);
    put(c.s.ema20, ind.ema20 ?? undefined);
    put(c.s.ema50, ind.ema50 ?? undefined);
    put(c.s.rsi, ind.rsi ?? undefined);
    put(c.s.macd, ind.macd?.macd);
    put(c.s.macdSignal, ind.macd?.signal);
    put(c.s.macdHist, ind.macd?.hist);
    put(c.s.stochK, ind.stoch?.k);
    put(c.s.stochD, ind.stoch?.d);
    if (liqLine.current && x.close > 0)
      liqLine.current.line.applyOptions({ title: liqTitle(liqLine.current.price, x.close) });
  }

  // live: closed candles replace the bar; ticks move the forming one
  // biome-ignore lint/correctness/useExhaustiveDependencies: helpers read refs
  useEffect(() => {
    let lastPush = 0;
    const publish = () => {
      const now = Date.now();
      if (now - lastPush > 2000) {
        lastPush = now;
        onBarsRef.current(bars.current.slice());
      }
    };
    // the bars change with every message; the chart (and core's indicators over all the bars) is
    // redrawn on an animation frame at most every LIVE_REDRAW_MS, however many ticks came meanwhile
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastDraw = Number.NEGATIVE_INFINITY;
    const draw = () => {
      frame = 0;
      lastDraw = performance.now();
      updateLast();
      publish();
    };
    const schedule = () => {
      if (frame || timer) return;
      const wait = LIVE_REDRAW_MS - (performance.now() - lastDraw);
      if (wait <= 0) frame = requestAnimationFrame(draw);
      else
        timer = setTimeout(() => {
          timer = undefined;
          frame = requestAnimationFrame(draw);
        }, wait);
    };
    const off = feed.on((msg) => {
      const d = msg.data;
      if (d['symbol'] !== symbol || !chartRef.current) return;
      const b = bars.current;
      if (msg.channel === 'events:market.candle' && d['timeframe'] === timeframe) {
        const bar: Candle = {
          time: Number(d['openTime']),
          open: Number(d['open']),
          high: Number(d['high']),
          low: Number(d['low']),
          close: Number(d['close']),
          volume: Number(d['volume']),
        };
        const lastBar = b[b.length - 1];
        if (lastBar && bar.time < lastBar.time) return;
        if (lastBar && bar.time === lastBar.time) b[b.length - 1] = bar;
        else b.push(bar);
        schedule();
      } else if (msg.channel === 'events:market.tick') {
        const bid = Number(d['bestBid']);
        const ask = Number(d['bestAsk']);
        const time = Number(d['time']);
        if (!(bid > 0 && ask > 0 && time > 0)) return;
        const mid = (bid + ask) / 2;
        const bucket = Math.floor(time / tfMs) * tfMs;
        const lastBar = b[b.length - 1];
        if (!lastBar || bucket > lastBar.time)
          b.push({ time: bucket, open: mid, high: mid, low: mid, close: mid, volume: 0 });
        else if (bucket === lastBar.time)
          b[b.length - 1] = {
            ...lastBar,
            high: Math.max(lastBar.high, mid),
            low: Math.min(lastBar.low, mid),
            close: mid,
          };
        else return;
        schedule();
      }
    });
    return () => {
      off();
      if (frame) cancelAnimationFrame(frame);
      if (timer) clearTimeout(timer);
    };
  }, [feed, symbol, timeframe, tfMs]);

  // signal markers: every alert's fate, grey when refused; fill markers at their average price
  // biome-ignore lint/correctness/useExhaustiveDependencies: t reads a ref
  useEffect(() => {
    const c = chartRef.current;
    if (!ready || !c) return;
    const first = bars.current[0]?.time ?? 0;
    // one marker per bar, direction and fate: a burst of alerts in one bar is one arrow, `buy ×5`
    const signalsShown = signalMarks(signals, symbol, tfMs, first);
    const markers: SeriesMarker<Time>[] = signalsShown.map((m) => ({
      time: t(m.barMs),
      position: m.direction === 'up' ? 'belowBar' : 'aboveBar',
      shape: m.direction === 'up' ? 'arrowUp' : m.direction === 'down' ? 'arrowDown' : 'circle',
      color: m.accepted ? (m.direction === 'up' ? UP : m.direction === 'down' ? DOWN : '#58a6ff') : GREY,
      text: m.text,
      id: m.id,
    }));
    const fillsShown = fillMarks(fills, symbol, tfMs, first);
    for (const f of fillsShown) {
      markers.push({
        time: t(f.barMs),
        position: f.side === 'buy' ? 'atPriceBottom' : 'atPriceTop',
        price: Number(f.price),
        shape: 'square',
        color: f.side === 'buy' ? FILL_BUY : FILL_SELL,
        text: `${f.side === 'buy' ? 'B' : 'S'} ${f.lots}`,
        id: `fill:${f.barMs}:${f.side}`,
      });
    }
    markers.sort((a, b) => Number(a.time) - Number(b.time));
    c.s.markers.setMarkers(markers);
    // how many fill and alert markers are drawn (the e2e tests read them: the canvas cannot be queried)
    if (box.current) {
      box.current.dataset['fillMarkers'] = String(fillsShown.length);
      box.current.dataset['signalMarkers'] = String(signalsShown.length);
    }

    const onMove = (param: { time?: Time; point?: { x: number } }) => {
      if (!param.time || !param.point) return setHover(null);
      const hits = signals
        .filter(
          (s) => s.symbol === symbol && t(Math.floor(Date.parse(s.receivedAt) / tfMs) * tfMs) === param.time,
        )
        .map((s) => `${s.action ?? '?'} · ${s.status}${s.reason ? `: ${s.reason}` : ''}`)
        .concat(fillsShown.filter((f) => t(f.barMs) === param.time).map((f) => `fill: ${f.text}`));
      setHover(hits.length ? { x: param.point.x, text: hits.join('\n') } : null);
    };
    c.chart.subscribeCrosshairMove(onMove);
    return () => c.chart.unsubscribeCrosshairMove(onMove);
  }, [ready, signals, fills, symbol, timeframe, mode]);

  // price lines: open orders, entry, stop, take-profit, liquidation (distance % in the title)
  useEffect(() => {
    const c = chartRef.current;
    if (!ready || !c) return;
    for (const l of lines.current) c.s.candles.removePriceLine(l);
    lines.current = [];
    liqLine.current = null;
    const add = (price: string | null | undefined, color: string, title: string, style = 2) => {
      const p = Number(price);
      if (!price || !(p > 0)) return null;
      const line = c.s.candles.createPriceLine({
        price: p,
        color,
        lineWidth: 1,
        lineStyle: style,
        axisLabelVisible: true,
        title,
      });
      lines.current.push(line);
      return line;
    };
    for (const o of orders) {
      if (o.symbol !== symbol) continue;
      const isStop = o.purpose === 'stop' || o.purpose === 'stop_loss';
      const isTp = o.purpose === 'take_profit' || o.purpose === 'tp';
      const color = isStop ? DOWN : isTp ? UP : '#58a6ff';
      const label = isStop ? 'stop' : isTp ? 'TP' : `${o.side} ${o.size - o.filledSize} ${o.type}`;
      add(o.price ?? o.stopPrice, color, label);
      if (o.price && o.stopPrice) add(o.stopPrice, color, `${label} trigger`, 3);
    }
    if (position && position.qty !== 0) {
      add(
        position.avgEntryPrice,
        '#e3b341',
        `entry ${position.qty > 0 ? 'long' : 'short'} ${Math.abs(position.qty)}`,
        0,
      );
      const mark = Number(bars.current[bars.current.length - 1]?.close ?? position.markPrice);
      const liq = Number(position.liquidationPrice);
      const line =
        liq > 0 && mark > 0 ? add(position.liquidationPrice, '#ff7b72', liqTitle(liq, mark), 1) : null;
      if (line) liqLine.current = { line, price: liq };
    }
    // the zone between stop and liquidation: amber while the stop comes first, red when it would not
    const zone = position?.symbol === symbol ? stopLiquidationZone(position) : null;
    c.s.zone.set(
      zone ? { ...zone, color: zone.protects ? 'rgba(210,153,34,0.12)' : 'rgba(248,81,73,0.22)' } : null,
    );
  }, [ready, orders, position, symbol]);

  return (
    <div className="chart-wrap">
      <div
        ref={box}
        className="chart"
        role="img"
        aria-label={`${symbol} ${timeframe} candlestick chart with volume, Bollinger Bands, EMA 20/50, RSI, MACD and StochRSI`}
        data-testid="price-chart"
      />
      {!ready ? <p className="chart-loading muted">Loading chart…</p> : null}
      {ready && initialBars.length === 0 ? (
        <p className="chart-loading muted">
          No {timeframe} candles stored for {symbol} yet: the collector fills them in; live ticks draw the
          forming bar.
        </p>
      ) : null}
      {hover ? (
        <div className="chart-tip" style={{ left: Math.max(8, hover.x - 100) }} role="tooltip">
          {hover.text}
        </div>
      ) : null}
    </div>
  );
}
