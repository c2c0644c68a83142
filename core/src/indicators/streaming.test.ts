import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candleSeries } from '../../test/helpers/arbitraries.ts';
import { column, readCandles } from '../../test/helpers/shared-data.ts';
import type { Candle } from '../candle.ts';
import {
  AtrStream,
  atr,
  BollingerSqueezeStream,
  BollingerStream,
  bollinger,
  bollingerSqueeze,
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
  VolumeSpikeStream,
  volumeSpike,
} from './index.ts';

type Row = Record<string, number>;

/** A streaming indicator, its batch twin, and how to read both as named numbers. */
interface Case {
  name: string;
  stream(): { update(c: Candle): unknown; peek(c: Candle): unknown };
  read(value: unknown): Row;
  batch(candles: Candle[]): Record<string, ArrayLike<number>>;
}

const num = (v: unknown): Row => ({ value: v as number });
const flags = (v: Record<string, number | boolean>): Row =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'boolean' ? (x ? 1 : 0) : x]));

const cases: Case[] = [
  {
    name: 'sma(7)',
    stream: () => new SmaStream(7),
    read: num,
    batch: (c) => ({ value: sma(column(c, 'close'), 7) }),
  },
  {
    name: 'ema(9)',
    stream: () => new EmaStream(9),
    read: num,
    batch: (c) => ({ value: ema(column(c, 'close'), 9) }),
  },
  {
    name: 'rsi(14)',
    stream: () => new RsiStream(),
    read: num,
    batch: (c) => ({ value: rsi(column(c, 'close')) }),
  },
  {
    name: 'rsi(2)',
    stream: () => new RsiStream(2),
    read: num,
    batch: (c) => ({ value: rsi(column(c, 'close'), 2) }),
  },
  {
    name: 'macd(12,26,9)',
    stream: () => new MacdStream(),
    read: (v) => ({ ...(v as Row) }),
    batch: (c) => macd(column(c, 'close')),
  },
  {
    name: 'macd(3,7,4)',
    stream: () => new MacdStream(3, 7, 4),
    read: (v) => ({ ...(v as Row) }),
    batch: (c) => macd(column(c, 'close'), 3, 7, 4),
  },
  {
    name: 'bollinger(20,2)',
    stream: () => new BollingerStream(),
    read: (v) => ({ ...(v as Row) }),
    batch: (c) => bollinger(column(c, 'close')),
  },
  {
    name: 'atr(14)',
    stream: () => new AtrStream(),
    read: num,
    batch: (c) => ({ value: atr(column(c, 'high'), column(c, 'low'), column(c, 'close')) }),
  },
  {
    name: 'stochRsi(14,14,3,3)',
    stream: () => new StochRsiStream(),
    read: (v) => ({ ...(v as Row) }),
    batch: (c) => stochRsi(column(c, 'close')),
  },
  {
    name: 'stochRsi(5,4,2,3)',
    stream: () => new StochRsiStream(5, 4, 2, 3),
    read: (v) => ({ ...(v as Row) }),
    batch: (c) => stochRsi(column(c, 'close'), 5, 4, 2, 3),
  },
  {
    name: 'volumeSpike(20,2)',
    stream: () => new VolumeSpikeStream(),
    read: (v) => flags(v as Record<string, number | boolean>),
    batch: (c) => volumeSpike(column(c, 'volume')),
  },
  {
    name: 'bollingerSqueeze(20,2,30)',
    stream: () => new BollingerSqueezeStream(20, 2, 30),
    read: (v) => flags(v as Record<string, number | boolean>),
    batch: (c) => bollingerSqueeze(column(c, 'close'), 20, 2, 30),
  },
];

/** Throws at the first bar where peek, update and batch disagree under Object.is. */
function assertStreamEqualsBatch(c: Case, candles: Candle[]): void {
  const batch = c.batch(candles);
  const s = c.stream();
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i]!;
    const peeked = c.read(s.peek(candle));
    const peekedTwice = c.read(s.peek(candle));
    const updated = c.read(s.update(candle));
    for (const [key, series] of Object.entries(batch)) {
      const b = series[i];
      if (!Object.is(updated[key], b) || !Object.is(peeked[key], b) || !Object.is(peekedTwice[key], b)) {
        throw new Error(
          `${c.name} ${key} at bar ${i}: update ${updated[key]}, peek ${peeked[key]}, batch ${b} (of ${candles.length})`,
        );
      }
    }
  }
}

// Consistency only: batch and stream share one core, so this cannot catch a wrong core. The streams are
// checked against TA-Lib from the first value in test/talib-parity.test.ts.
describe('streaming classes equal the batch functions bit for bit', () => {
  for (const c of cases) {
    it(`${c.name}: update and peek equal batch on random series`, () => {
      fc.assert(
        fc.property(candleSeries({ maxLength: 400 }), (candles) => assertStreamEqualsBatch(c, candles)),
        { numRuns: 60 },
      );
    });
  }

  const real = readCandles('candles/kucoin-spot/BTC-USDT-1m.csv', 5000, 3000);
  for (const c of cases) {
    it(`${c.name}: update and peek equal batch on 3000 real KuCoin BTC-USDT 1m candles`, () => {
      assertStreamEqualsBatch(c, real);
    });
  }

  it('peek with a different forming candle does not disturb the next update', () => {
    const candles = readCandles('candles/binance-futures/ETHUSDT-1m.csv', 0, 500);
    const s = new MacdStream();
    const expected = macd(column(candles, 'close'));
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i]!;
      s.peek({ ...c, close: c.close * 1.5, high: c.high * 1.5 });
      expect(Object.is(s.update(c).hist, expected.hist[i])).toBe(true);
    }
  });
});

describe('bad input is rejected and changes nothing', () => {
  it('throws on a non-finite close and keeps the state', () => {
    const candles = readCandles('candles/binance-futures/BTCUSDT-1m.csv', 0, 100);
    const s = new RsiStream();
    for (const c of candles.slice(0, 50)) s.update(c);
    expect(() => s.update({ ...candles[50]!, close: Number.NaN })).toThrow(RangeError);
    const expected = rsi(column(candles, 'close'));
    for (let i = 50; i < 100; i++) expect(s.update(candles[i]!)).toBe(expected[i]);
  });

  it('throws on an inconsistent candle for range-based indicators', () => {
    const s = new AtrStream();
    expect(() => s.update({ time: 0, open: 10, high: 9, low: 8, close: 9, volume: 1 })).toThrow(
      /inconsistent/,
    );
  });

  it('rejects bad periods and NaN inputs in batch functions', () => {
    expect(() => sma([1, 2, 3], 0)).toThrow(RangeError);
    expect(() => ema([1, 2, 3], 1.5)).toThrow(RangeError);
    expect(() => macd([1, 2, 3], 26, 12)).toThrow(/shorter/);
    expect(() => rsi([1, Number.NaN, 3])).toThrow(/close\[1\]/);
    expect(() => atr([1, 2], [1], [1, 2])).toThrow(/same length/);
  });
});

describe('warm-up lengths', () => {
  const close = Float64Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i) * 5 + i * 0.1);
  const firstValue = (a: ArrayLike<number>) =>
    Array.prototype.findIndex.call(a, (x: number) => !Number.isNaN(x));

  it('are as TradingView defines them', () => {
    expect(firstValue(sma(close, 20))).toBe(19);
    expect(firstValue(ema(close, 20))).toBe(19);
    expect(firstValue(rsi(close, 14))).toBe(14);
    const m = macd(close);
    expect(firstValue(m.macd)).toBe(25);
    expect(firstValue(m.signal)).toBe(33);
    expect(firstValue(bollinger(close).upper)).toBe(19);
    expect(firstValue(atr(close, close, close, 14))).toBe(13);
    const st = stochRsi(close);
    expect(firstValue(st.k)).toBe(14 + 13 + 2);
    expect(firstValue(st.d)).toBe(14 + 13 + 2 + 2);
    expect(sma(close, 20).length).toBe(60);
  });

  it('RSI of a series that only rises is 100, of one that only falls is 0', () => {
    const up = Float64Array.from({ length: 30 }, (_, i) => i + 1);
    expect(rsi(up)[29]).toBe(100);
    expect(rsi(up.slice().reverse())[29]).toBe(0);
  });
});
