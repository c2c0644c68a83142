/// <reference types="node" />
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import type { Candle } from '../src/candle.ts';
import { atr, bollinger, ema, IndicatorBundle, macd, rsi, sma, stochRsi } from '../src/indicators/index.ts';

/**
 * Streaming cost per candle of the whole indicator bundle (RSI 14, MACD 12/26/9, Bollinger 20/2,
 * ATR 14, Stoch RSI 14/14/3/3, EMA 20 and 50, volume SMA 20) on one symbol, ours vs the same set
 * built from trading-signals' number classes and from technicalindicators' nextValue API; and batch
 * throughput of the same indicators vs TA-Lib's native addon when this process can load it.
 * Input: 43,200 real Binance BTCUSDT 1m candles from ../shared/data.
 */

const here = dirname(fileURLToPath(import.meta.url));

function loadCandles(): Candle[] {
  let dir = here;
  while (!existsSync(join(dir, 'shared', 'data'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no shared/data above core/bench');
    dir = parent;
  }
  const lines = readFileSync(join(dir, 'shared/data/candles/binance-futures/BTCUSDT-1m.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  return lines.map((l) => {
    const [time, open, high, low, close, volume] = l.split(',').map(Number);
    return { time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume! };
  });
}

/** Best of `reps` timed runs (after one warm-up run), in ns per candle. */
function nsPerCandle(n: number, reps: number, run: () => number): number {
  let sink = run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    sink += run();
    const dt = performance.now() - t0;
    if (dt < best) best = dt;
  }
  if (Number.isNaN(sink)) throw new Error('benchmark produced NaN everywhere');
  return (best * 1e6) / n;
}

/**
 * Like {@link nsPerCandle} for several runs timed in alternation, so that load from other jobs on
 * the shared machine falls on each alike and their ratio stays meaningful.
 */
function nsPerCandleInterleaved(n: number, reps: number, runs: (() => number)[]): number[] {
  let sink = runs.reduce((acc, run) => acc + run(), 0);
  const best = runs.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < reps; r++) {
    runs.forEach((run, i) => {
      const t0 = performance.now();
      sink += run();
      best[i] = Math.min(best[i]!, performance.now() - t0);
    });
  }
  if (Number.isNaN(sink)) throw new Error('benchmark produced NaN everywhere');
  return best.map((ms) => (ms * 1e6) / n);
}

function oursStreaming(candles: Candle[]): number {
  const b = new IndicatorBundle();
  let acc = 0;
  for (const c of candles) acc += b.update(c).rsi || 0;
  return acc;
}

function tradingSignalsStreaming(candles: Candle[]): number {
  const r = new ts.RSI(14);
  const m = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9));
  const bb = new ts.BollingerBands(20, 2);
  const a = new ts.ATR(14);
  const st = new ts.StochasticRSI(14);
  const e1 = new ts.EMA(20);
  const e2 = new ts.EMA(50);
  const v = new ts.SMA(20);
  let acc = 0;
  for (const c of candles) {
    acc += r.update(c.close, false) ?? 0;
    m.update(c.close, false);
    bb.update(c.close, false);
    a.update(c, false);
    st.update(c.close, false);
    e1.update(c.close, false);
    e2.update(c.close, false);
    v.update(c.volume, false);
  }
  return acc;
}

function technicalIndicatorsStreaming(candles: Candle[]): number {
  const r = new ti.RSI({ period: 14, values: [] });
  const m = new ti.MACD({
    fastPeriod: 12,
    slowPeriod: 26,
    signalPeriod: 9,
    SimpleMAOscillator: false,
    SimpleMASignal: false,
    values: [],
  });
  const bb = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
  const a = new ti.ATR({ period: 14, high: [], low: [], close: [] });
  const st = new ti.StochasticRSI({
    values: [],
    rsiPeriod: 14,
    stochasticPeriod: 14,
    kPeriod: 3,
    dPeriod: 3,
  });
  const e1 = new ti.EMA({ period: 20, values: [] });
  const e2 = new ti.EMA({ period: 50, values: [] });
  const v = new ti.SMA({ period: 20, values: [] });
  let acc = 0;
  for (const c of candles) {
    acc += r.nextValue(c.close) ?? 0;
    m.nextValue(c.close);
    bb.nextValue(c.close);
    a.nextValue({ high: c.high, low: c.low, close: c.close });
    // its d.ts says StochasticRsiInput, but the generator feeds the tick straight to its RSI
    st.nextValue(c.close as never);
    e1.nextValue(c.close);
    e2.nextValue(c.close);
    v.nextValue(c.volume);
  }
  return acc;
}

/** The eight indicators' last values, in {@link INDICATORS} order. */
function oursBatch(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
): number[] {
  const i = close.length - 1;
  return [
    rsi(close)[i]!,
    macd(close).hist[i]!,
    bollinger(close).upper[i]!,
    atr(high, low, close)[i]!,
    stochRsi(close).k[i]!,
    ema(close, 20)[i]!,
    ema(close, 50)[i]!,
    sma(volume, 20)[i]!,
  ];
}

const INDICATORS = [
  'RSI 14',
  'MACD hist',
  'BB upper',
  'ATR 14',
  'StochRSI k',
  'EMA 20',
  'EMA 50',
  'vol SMA 20',
];

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function technicalIndicatorsBatch(high: number[], low: number[], close: number[], volume: number[]): number {
  const last = (a: unknown[]) => (a.length > 0 ? 1 : 0);
  return (
    last(ti.RSI.calculate({ period: 14, values: close })) +
    last(
      ti.MACD.calculate({
        fastPeriod: 12,
        slowPeriod: 26,
        signalPeriod: 9,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
        values: close,
      }),
    ) +
    last(ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: close })) +
    last(ti.ATR.calculate({ period: 14, high, low, close })) +
    last(
      ti.StochasticRSI.calculate({
        values: close,
        rsiPeriod: 14,
        stochasticPeriod: 14,
        kPeriod: 3,
        dPeriod: 3,
      }),
    ) +
    last(ti.EMA.calculate({ period: 20, values: close })) +
    last(ti.EMA.calculate({ period: 50, values: close })) +
    last(ti.SMA.calculate({ period: 20, values: volume }))
  );
}

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
  error?: string;
}
interface Talib {
  execute(args: Record<string, unknown>): TalibResult;
}

const PEER = 'TA-Lib (talib 1.1.6 addon)';

/**
 * talib built for this Node by scripts/talib/build-node22.sh. scripts/talib/node_modules holds
 * the Node 20 build used by generate.mjs, which Node 22 refuses (NODE_MODULE_VERSION 115 vs 127).
 */
function loadTalib(): { talib?: Talib; reason?: string } {
  const dir = join(here, '..', '..', 'scripts', 'talib', 'node22');
  if (!existsSync(join(dir, 'node_modules', 'talib', 'package.json'))) {
    return {
      reason: `talib addon for Node ${process.versions.node} not built (CI does not build it): run scripts/talib/build-node22.sh`,
    };
  }
  try {
    // talib's main is the .node addon itself, which only require() can load
    return { talib: createRequire(join(dir, 'package.json'))('talib') as Talib };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    return { reason: `talib addon not loadable in Node ${process.versions.node}: ${message}` };
  }
}

/** Same eight indicators and parameters as {@link oursBatch}, through TA-Lib's execute(). */
function talibBatch(
  talib: Talib,
  high: number[],
  low: number[],
  close: number[],
  volume: number[],
): number[] {
  const call = (name: string, endIdx: number, args: Record<string, unknown>, key: string) => {
    const r = talib.execute({ name, startIdx: 0, endIdx, ...args });
    if (r.error) throw new Error(`TA-Lib ${name}: ${r.error}`);
    return r.result[key]!;
  };
  const end = close.length - 1;
  const rs = call('RSI', end, { inReal: close, optInTimePeriod: 14 }, 'outReal');
  // TA-Lib's STOCHRSI smooths differently from ours (see docs); STOCH over the RSI series is ours.
  const k = call(
    'STOCH',
    rs.length - 1,
    {
      high: rs,
      low: rs,
      close: rs,
      optInFastK_Period: 14,
      optInSlowK_Period: 3,
      optInSlowK_MAType: 0,
      optInSlowD_Period: 3,
      optInSlowD_MAType: 0,
    },
    'outSlowK',
  );
  const macdArgs = { inReal: close, optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
  const bbArgs = { inReal: close, optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
  return [
    rs.at(-1)!,
    call('MACD', end, macdArgs, 'outMACDHist').at(-1)!,
    call('BBANDS', end, bbArgs, 'outRealUpperBand').at(-1)!,
    call('ATR', end, { high, low, close, optInTimePeriod: 14 }, 'outReal').at(-1)!,
    k.at(-1)!,
    call('EMA', end, { inReal: close, optInTimePeriod: 20 }, 'outReal').at(-1)!,
    call('EMA', end, { inReal: close, optInTimePeriod: 50 }, 'outReal').at(-1)!,
    call('SMA', end, { inReal: volume, optInTimePeriod: 20 }, 'outReal').at(-1)!,
  ];
}

/** Largest relative difference between two sets of last values, and where. */
function worstDiff(a: number[], b: number[]): { rel: number; at: string } {
  let worst = { rel: 0, at: 'none' };
  for (let i = 0; i < a.length; i++) {
    const rel = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(a[i]!), Math.abs(b[i]!), 1e-12);
    if (!(rel <= worst.rel)) worst = { rel, at: INDICATORS[i]! };
  }
  return worst;
}

const suite: BenchSuite = {
  name: 'indicators',
  async run(progress) {
    const candles = loadCandles();
    const n = candles.length;
    progress(`${n} BTCUSDT 1m candles`);
    const results: BenchResult[] = [];

    const ours = nsPerCandle(n, 7, () => oursStreaming(candles));
    progress(`ours ${(ours / 1000).toFixed(3)} µs/candle`);
    const tsig = nsPerCandle(n, 3, () => tradingSignalsStreaming(candles));
    progress(`trading-signals ${(tsig / 1000).toFixed(3)} µs/candle`);
    const tind = nsPerCandle(n, 3, () => technicalIndicatorsStreaming(candles));
    progress(`technicalindicators ${(tind / 1000).toFixed(3)} µs/candle`);

    const oursUs = ours / 1000;
    results.push({
      name: 'bundle streaming update vs trading-signals 8 (RSI, MACD, BB, ATR, StochRSI, 2 EMA, SMA)',
      unit: 'µs/candle',
      value: oursUs,
      higherIsBetter: false,
      peer: { name: 'trading-signals', value: tsig / 1000 },
      ratio: tsig / ours,
      goal: '>= 1.0x trading-signals and <= 2 µs/candle',
      goalMet: tsig / ours >= 1 && oursUs <= 2,
      extra: { candles: n },
    });
    results.push({
      name: 'bundle streaming update vs technicalindicators 3 nextValue',
      unit: 'µs/candle',
      value: oursUs,
      higherIsBetter: false,
      peer: { name: 'technicalindicators', value: tind / 1000 },
      ratio: tind / ours,
      extra: { candles: n },
    });

    const col = (k: keyof Candle) => Float64Array.from(candles, (c) => c[k]);
    const [high, low, close, volume] = [col('high'), col('low'), col('close'), col('volume')];
    const batchNs = nsPerCandle(n, 5, () => sum(oursBatch(high, low, close, volume)));
    const oursRate = 1e9 / batchNs;
    progress(`ours batch ${(oursRate / 1e6).toFixed(2)} M candles/s`);
    const [h, l, c, v] = [Array.from(high), Array.from(low), Array.from(close), Array.from(volume)];
    const tiBatchNs = nsPerCandle(n, 2, () => technicalIndicatorsBatch(h, l, c, v));
    results.push({
      name: 'batch, same 8 indicators vs technicalindicators 3 calculate()',
      unit: 'candles/s',
      value: oursRate,
      higherIsBetter: true,
      peer: { name: 'technicalindicators', value: 1e9 / tiBatchNs },
      ratio: tiBatchNs / batchNs,
    });
    const { talib, reason } = loadTalib();
    if (talib) {
      // Guard that the peer computes the same thing before comparing speed.
      const diff = worstDiff(oursBatch(high, low, close, volume), talibBatch(talib, h, l, c, v));
      if (!(diff.rel < 1e-6)) throw new Error(`TA-Lib disagrees on ${diff.at}: relative diff ${diff.rel}`);
      const [oursNs, talibNs] = nsPerCandleInterleaved(n, 5, [
        () => sum(oursBatch(high, low, close, volume)),
        () => sum(talibBatch(talib, h, l, c, v)),
      ]) as [number, number];
      progress(`ours batch ${(1e3 / oursNs).toFixed(2)} vs TA-Lib ${(1e3 / talibNs).toFixed(2)} M candles/s`);
      results.push({
        name: 'batch, same 8 indicators vs TA-Lib native (interleaved)',
        unit: 'candles/s',
        value: 1e9 / oursNs,
        higherIsBetter: true,
        peer: { name: PEER, value: 1e9 / talibNs },
        ratio: talibNs / oursNs,
        extra: {
          candles: n,
          node: process.versions.node,
          lastValueMaxRelDiff: diff.rel,
          lastValueMaxRelDiffAt: diff.at,
        },
      });
    } else {
      progress(reason ?? 'talib unavailable');
      results.push({
        name: 'batch, same 8 indicators (TA-Lib native peer unavailable)',
        unit: 'candles/s',
        value: oursRate,
        higherIsBetter: true,
        extra: { peer: PEER, peerUnavailable: reason ?? 'unknown' },
      });
    }
    return results;
  },
};

export default suite;
