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

function ours(f: TalibFixture, mode: Mode): Record<string, Float64Array> {
  const candles = readCandles(f.source.file, f.source.start, f.source.count);
  return mode === 'batch' ? batchSeries(f, candles) : streamSeries(f, candles, mode);
}

function batchSeries(f: TalibFixture, candles: Candle[]): Record<string, Float64Array> {
  const close = column(candles, 'close');
  const p = f.params;
  const m = macd(close, ...p.macd);
  const bb = bollinger(close, ...p.bollinger);
  const st = stochRsi(close, ...p.stochRsi);
  return {
    sma: sma(close, p.sma),
    ema: ema(close, p.ema),
    ema50: ema(close, 50),
    volumeSma20: sma(column(candles, 'volume'), 20),
    rsi: rsi(close, p.rsi),
    macd: m.macd,
    macdSignal: m.signal,
    macdHist: m.hist,
    bbUpper: bb.upper,
    bbMiddle: bb.middle,
    bbLower: bb.lower,
    atr: atr(column(candles, 'high'), column(candles, 'low'), close, p.atr),
    stochRsiK: st.k,
    stochRsiD: st.d,
  };
}

/**
 * The streaming classes fed bar by bar, read through `update` or through `peek` (then `update`): checked
 * against TA-Lib directly, not against our batch functions, which share their cores.
 */
function streamSeries(f: TalibFixture, candles: Candle[], mode: 'update' | 'peek') {
  const p = f.params;
  const s = {
    sma: new SmaStream(p.sma),
    ema: new EmaStream(p.ema),
    ema50: new EmaStream(50),
    volumeSma20: new SmaStream(20),
    rsi: new RsiStream(p.rsi),
    macd: new MacdStream(...p.macd),
    bb: new BollingerStream(...p.bollinger),
    atr: new AtrStream(p.atr),
    st: new StochRsiStream(...p.stochRsi),
  };
  const out: Record<string, Float64Array> = {};
  candles.forEach((c, i) => {
    const readValue = <T>(stream: { update(c: Candle): T; peek(c: Candle): T }, candle: Candle) => {
      if (mode === 'update') return stream.update(candle);
      const peeked = stream.peek(candle);
      stream.update(candle);
      return peeked;
    };
    const read = <T>(stream: { update(c: Candle): T; peek(c: Candle): T }) => readValue(stream, c);
    const m = read(s.macd);
    const bb = read(s.bb);
    const st = read(s.st);
    const row: Record<string, number> = {
      sma: read(s.sma),
      ema: read(s.ema),
      ema50: read(s.ema50),
      // SmaStream averages the candle's close; the volume series goes in as the close of a flat candle
      volumeSma20: readValue(s.volumeSma20, {
        ...c,
        open: c.volume,
        high: c.volume,
        low: c.volume,
        close: c.volume,
      }),
      rsi: read(s.rsi),
      macd: m.macd,
      macdSignal: m.signal,
      macdHist: m.hist,
      bbUpper: bb.upper,
      bbMiddle: bb.middle,
      bbLower: bb.lower,
      atr: read(s.atr),
      stochRsiK: st.k,
      stochRsiD: st.d,
    };
    for (const [k, v] of Object.entries(row)) {
      out[k] ??= new Float64Array(candles.length);
      out[k][i] = v;
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
        const mine = ours(f, mode);
        for (const [key, ref] of Object.entries(f.values)) {
          it(`${key} is within ${REL} relative of TA-Lib`, () => {
            const series = mine[oursFor[key] ?? key];
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
