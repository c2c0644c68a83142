import { describe, expect, it } from 'vitest';
import type { Candle } from '../src/candle.ts';
import {
  AtrStream,
  atr,
  BollingerStream,
  bollinger,
  EmaStream,
  ema,
  MacdStream,
  macd,
  RsiStream,
  rsi,
  SmaStream,
  StochRsiStream,
  sma,
  stochRsi,
} from '../src/indicators/index.ts';
import { type TalibFixture, talibFixtures } from './helpers/fixtures.ts';
import { column, readCandles } from './helpers/shared-data.ts';

/**
 * |ours − ref| ≤ 1e-9 · max(|ref|, scale). Prices and price differences compare purely relatively
 * (scale 0); the 0–100 oscillators use scale 100, because a Stoch RSI of 1e-14 vs TA-Lib's 0 is the
 * same reading and a pure relative error there is meaningless.
 */
const REL = 1e-9;
const OSCILLATOR_SCALE = 100;

type Mode = 'batch' | 'update' | 'peek';

type Params = TalibFixture['params'];

/**
 * One of our series, computed inside the test that checks it (not when the file is collected): under
 * mutation testing each test then covers only the indicator it names, so a mutant reruns only the tests
 * that reach it.
 */
function ours(f: TalibFixture, mode: Mode, key: string): Float64Array | undefined {
  const candles = candlesOf(f);
  return mode === 'batch'
    ? batchSeries[key]?.(candles, f.params)
    : streamSeries(candles, f.params, key, mode);
}

const candleCache = new Map<string, Candle[]>();
function candlesOf(f: TalibFixture): Candle[] {
  let c = candleCache.get(f.name);
  if (!c) {
    c = readCandles(f.source.file, f.source.start, f.source.count);
    candleCache.set(f.name, c);
  }
  return c;
}

const closeOf = (c: Candle[]) => column(c, 'close');
const batchSeries: Record<string, (c: Candle[], p: Params) => Float64Array> = {
  sma: (c, p) => sma(closeOf(c), p.sma),
  ema: (c, p) => ema(closeOf(c), p.ema),
  ema50: (c) => ema(closeOf(c), 50),
  volumeSma20: (c) => sma(column(c, 'volume'), 20),
  rsi: (c, p) => rsi(closeOf(c), p.rsi),
  macd: (c, p) => macd(closeOf(c), ...p.macd).macd,
  macdSignal: (c, p) => macd(closeOf(c), ...p.macd).signal,
  macdHist: (c, p) => macd(closeOf(c), ...p.macd).hist,
  bbUpper: (c, p) => bollinger(closeOf(c), ...p.bollinger).upper,
  bbMiddle: (c, p) => bollinger(closeOf(c), ...p.bollinger).middle,
  bbLower: (c, p) => bollinger(closeOf(c), ...p.bollinger).lower,
  atr: (c, p) => atr(column(c, 'high'), column(c, 'low'), closeOf(c), p.atr),
  stochRsiK: (c, p) => stochRsi(closeOf(c), ...p.stochRsi).k,
  stochRsiD: (c, p) => stochRsi(closeOf(c), ...p.stochRsi).d,
};

interface Stream<T> {
  update(c: Candle): T;
  peek(c: Candle): T;
}
interface StreamCase {
  make(p: Params): Stream<unknown>;
  pick(v: unknown): number;
  input?(c: Candle): Candle;
}
const value = (v: unknown) => v as number;
const field =
  (k: string) =>
  (v: unknown): number =>
    (v as Record<string, number>)[k]!;
const streamCases: Record<string, StreamCase> = {
  sma: { make: (p) => new SmaStream(p.sma), pick: value },
  ema: { make: (p) => new EmaStream(p.ema), pick: value },
  ema50: { make: () => new EmaStream(50), pick: value },
  // SmaStream averages the candle's close; the volume series goes in as the close of a flat candle
  volumeSma20: {
    make: () => new SmaStream(20),
    pick: value,
    input: (c) => ({ ...c, open: c.volume, high: c.volume, low: c.volume, close: c.volume }),
  },
  rsi: { make: (p) => new RsiStream(p.rsi), pick: value },
  macd: { make: (p) => new MacdStream(...p.macd), pick: field('macd') },
  macdSignal: { make: (p) => new MacdStream(...p.macd), pick: field('signal') },
  macdHist: { make: (p) => new MacdStream(...p.macd), pick: field('hist') },
  bbUpper: { make: (p) => new BollingerStream(...p.bollinger), pick: field('upper') },
  bbMiddle: { make: (p) => new BollingerStream(...p.bollinger), pick: field('middle') },
  bbLower: { make: (p) => new BollingerStream(...p.bollinger), pick: field('lower') },
  atr: { make: (p) => new AtrStream(p.atr), pick: value },
  stochRsiK: { make: (p) => new StochRsiStream(...p.stochRsi), pick: field('k') },
  stochRsiD: { make: (p) => new StochRsiStream(...p.stochRsi), pick: field('d') },
};

/**
 * A streaming class fed bar by bar, read through `update` or through `peek` (then `update`): checked
 * against TA-Lib directly, not against our batch functions, which share their cores.
 */
function streamSeries(candles: Candle[], p: Params, key: string, mode: 'update' | 'peek') {
  const sc = streamCases[key];
  if (!sc) return undefined;
  const s = sc.make(p);
  const out = new Float64Array(candles.length);
  candles.forEach((c, i) => {
    const candle = sc.input ? sc.input(c) : c;
    if (mode === 'update') out[i] = sc.pick(s.update(candle));
    else {
      out[i] = sc.pick(s.peek(candle));
      s.update(candle);
    }
  });
  return out;
}

const scaleOf: Record<string, number> = {
  rsi: OSCILLATOR_SCALE,
  stochRsiK: OSCILLATOR_SCALE,
  stochRsiKTradingView: OSCILLATOR_SCALE,
  stochRsiD: OSCILLATOR_SCALE,
};

/**
 * Every series is compared from TA-Lib's first value, and ours must have no value before it. Where
 * TradingView's definition (ours) differs from TA-Lib's function, generate.mjs also writes a
 * `…TradingView` series built from TA-Lib's primitives to TradingView's definition, compared from its
 * first value; TA-Lib's own function is then compared once the seed difference has decayed:
 * - `atr`: TradingView counts bar 0's true range (high − low), TA-Lib skips bar 0; the gap decays as
 *   ((p − 1) / p)^n, so TA-Lib's own ATR is compared from 40·period bars.
 * - `macd*`: TA-Lib seeds the fast EMA at the slow EMA's first bar and starts all three outputs with
 *   the signal; compared from bar 300 (where the tests started before the warm-up was compared).
 * - `stochRsiK`: TA-Lib starts %K with %D, TradingView dPeriod − 1 bars earlier (values are equal).
 */
const LATE_FROM: Record<string, (f: TalibFixture) => number> = {
  atr: (f) => 40 * f.params.atr,
  macd: () => 300,
  macdSignal: () => 300,
  macdHist: () => 300,
};
/** TA-Lib series that start later than ours (so ours has values before their first one). */
const STARTS_LATER = new Set(['atr', 'macd', 'macdSignal', 'macdHist', 'stochRsiK']);

function firstCompared(f: TalibFixture, key: string, firstDefined: number): number {
  return Math.max(firstDefined, LATE_FROM[key]?.(f) ?? 0);
}

/** Which of our series a fixture key is compared with. */
const oursFor: Record<string, string> = {
  atrTradingView: 'atr',
  macdTradingView: 'macd',
  macdSignalTradingView: 'macdSignal',
  macdHistTradingView: 'macdHist',
  stochRsiKTradingView: 'stochRsiK',
};

describe.each<Mode>(['batch', 'update', 'peek'])(
  'indicators (%s) match TA-Lib on real candles from their first value',
  (mode) => {
    for (const f of talibFixtures()) {
      describe(`${f.name} (${f.source.file} from row ${f.source.start})`, () => {
        for (const [key, ref] of Object.entries(f.values)) {
          it(`${key} is within ${REL} relative of TA-Lib`, () => {
            const series = ours(f, mode, oursFor[key] ?? key);
            expect(series, `no series of ours for ${key}`).toBeDefined();
            const scale = scaleOf[key] ?? 0;
            const firstRef = ref.findIndex((r) => r !== null);
            expect(firstRef, `TA-Lib has no value for ${key}`).toBeGreaterThanOrEqual(0);
            const firstDefined = f.compareFrom + firstRef;
            const from = firstCompared(f, key, firstDefined);
            // we have no value where TA-Lib has none
            if (!STARTS_LATER.has(key))
              for (let i = 0; i < firstDefined; i++)
                expect(series![i], `${key} at bar ${i} before TA-Lib's first value`).toBeNaN();
            let compared = 0;
            for (let j = from - f.compareFrom; j < ref.length; j++) {
              const r = ref[j];
              if (r === null || r === undefined)
                throw new Error(`${key}: TA-Lib has no value at bar ${f.compareFrom + j}`);
              const o = series![f.compareFrom + j]!;
              const tolerance = REL * Math.max(Math.abs(r), scale);
              if (!(Math.abs(o - r) <= tolerance)) {
                throw new Error(
                  `${key} at bar ${f.compareFrom + j}: ours ${o}, TA-Lib ${r}, tolerance ${tolerance}`,
                );
              }
              compared++;
            }
            expect(compared).toBeGreaterThan(1000);
          });
        }
      });
    }
  },
);
