import { describe, expect, it } from 'vitest';
import type { Candle } from '../candle.ts';
import {
  AtrCore,
  AtrStream,
  atr,
  BollingerCore,
  BollingerStream,
  bollinger,
  EmaCore,
  EmaStream,
  ema,
  MacdCore,
  MacdStream,
  macd,
  RingWindow,
  RsiCore,
  RsiStream,
  rsi,
  SlidingMin,
  SmaCore,
  SmaStream,
  StochRsiCore,
  StochRsiStream,
  sma,
  stochRsi,
} from './index.ts';

/**
 * The indicator cores on short series whose values are computed by hand from the textbook (TradingView)
 * definitions, independent of TA-Lib and of this code: the arithmetic is in the comments, and where it has
 * more than a few steps it was worked in Python floats from the same formulas, written out in the comments.
 * test/talib-parity.test.ts compares the same cores with TA-Lib on real candles; these pin the edges the
 * long series do not reach (partial windows, ties of ±0, sources, exact error messages).
 */

const NaN_ = Number.NaN;
const bar = (close: number, extra: Partial<Candle> = {}): Candle => ({
  time: 0,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  ...extra,
});

/** expected values: NaN exactly where NaN, otherwise within 1e-12 relative */
function expectSeries(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e)) expect(a, `index ${i}`).toBeNaN();
    else
      expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(
        1e-12 * Math.max(1, Math.abs(e)),
      );
  }
}

/** push each value through `push` after checking `peek` gives the same number first */
function streamed(values: number[], core: { push(x: number): number; peek(x: number): number }): number[] {
  return values.map((x) => {
    const peeked = core.peek(x);
    const pushed = core.push(x);
    expect(Object.is(peeked, pushed), `peek ${peeked} vs push ${pushed}`).toBe(true);
    return pushed;
  });
}

describe('SMA and EMA by hand', () => {
  // close 2, 4, 6, 8, 4, 10
  const close = [2, 4, 6, 8, 4, 10];

  it('sma(3): (2+4+6)/3 = 4, (4+6+8)/3 = 6, (6+8+4)/3 = 6, (8+4+10)/3 = 22/3', () => {
    const expected = [NaN_, NaN_, 4, 6, 6, 22 / 3];
    expectSeries(sma(close, 3), expected);
    expectSeries(streamed(close, new SmaCore(3)), expected);
  });

  it('ema(3): k = 2/4 = 0.5, seeded with the mean 4; then 4 + 0.5·(8−4) = 6, 6 + 0.5·(4−6) = 5, 5 + 0.5·(10−5) = 7.5', () => {
    const expected = [NaN_, NaN_, 4, 6, 5, 7.5];
    expectSeries(ema(close, 3), expected);
    const core = new EmaCore(3);
    expect(core.value).toBeNaN();
    expectSeries(streamed(close, core), expected);
    expect(core.value).toBe(7.5);
  });

  it('ema(1) is the input itself (k = 1)', () => {
    expectSeries(ema(close, 1), close);
  });

  it('the candle streams read the price they are given (close by default)', () => {
    const c: Candle = { time: 0, open: 1, high: 8, low: 2, close: 4, volume: 3 };
    const s = new SmaStream(1);
    expect(s.source).toBe('close');
    expect(s.peek(c)).toBe(4);
    expect(s.update(c)).toBe(4);
    const high = new SmaStream(2, 'high');
    expect(high.update(c)).toBeNaN();
    expect(high.peek({ ...c, high: 10 })).toBe(9);
    expect(high.update({ ...c, high: 10 })).toBe(9);
    const e = new EmaStream(1);
    expect(e.source).toBe('close');
    expect(e.update(c)).toBe(4);
    const low = new EmaStream(2, 'low');
    expect(low.update(c)).toBeNaN();
    expect(low.peek({ ...c, low: 4 })).toBe(3);
    expect(low.update({ ...c, low: 4 })).toBe(3);
  });

  it('bad input names the field and leaves the state as it was', () => {
    expect(() => new SmaCore(0)).toThrow('sma period must be an integer >= 1, got 0');
    expect(() => new SmaStream(2.5)).toThrow('sma period must be an integer >= 1, got 2.5');
    expect(() => new EmaCore(0)).toThrow('ema period must be an integer >= 1, got 0');
    expect(() => sma([1, Number.NaN], 1)).toThrow('sma values[1] must be a finite number, got NaN');
    expect(() => ema([1, 2, Number.POSITIVE_INFINITY], 1)).toThrow(
      'ema values[2] must be a finite number, got Infinity',
    );
    const s = new SmaStream(2);
    s.update(bar(2));
    expect(() => s.update(bar(Number.NaN))).toThrow('sma input must be a finite number, got NaN');
    expect(() => s.peek(bar(Number.NaN))).toThrow('sma input must be a finite number, got NaN');
    expect(s.update(bar(4))).toBe(3);
    const e = new EmaStream(2);
    e.update(bar(2));
    expect(() => e.update(bar(Number.NaN))).toThrow('ema input must be a finite number, got NaN');
    expect(() => e.peek(bar(Number.NaN))).toThrow('ema input must be a finite number, got NaN');
    expect(e.update(bar(4))).toBe(3);
  });
});

describe('RingWindow', () => {
  it('an empty window: no values, sum 0, no last value, min +∞ and max −∞', () => {
    const w = new RingWindow(3);
    expect(w.size).toBe(3);
    expect(w.length).toBe(0);
    expect(w.count).toBe(0);
    expect(w.full).toBe(false);
    expect(w.last()).toBeNaN();
    expect(w.sum()).toBe(0);
    expect(w.min()).toBe(Number.POSITIVE_INFINITY);
    expect(w.max()).toBe(Number.NEGATIVE_INFINITY);
    expect(w.sumWith(5)).toBe(5);
    expect(w.minWith(5)).toBe(5);
    expect(w.maxWith(5)).toBe(5);
  });

  it('a partial window holds what was pushed', () => {
    const w = new RingWindow(3);
    w.push(5);
    w.push(1);
    expect(w.length).toBe(2);
    expect(w.count).toBe(2);
    expect(w.full).toBe(false);
    expect(w.last()).toBe(1);
    expect(w.sum()).toBe(6);
    expect(w.sumWith(7)).toBe(13); // 5 + 1 + 7: nothing drops out yet
    expect(w.min()).toBe(1);
    expect(w.max()).toBe(5);
    expect(w.minWith(7)).toBe(1);
    expect(w.maxWith(7)).toBe(7);
    expect(w.sqDev(3)).toBe(8); // (5−3)² + (1−3)²
    expect(w.sqDevWith(7, 3)).toBe(24); // 4 + 4 + (7−3)²
  });

  it('a full window keeps the last `size` values across the wrap of its buffer', () => {
    const w = new RingWindow(3);
    for (const x of [9, 5, 3, 4]) w.push(x); // holds 5, 3, 4
    expect(w.length).toBe(3);
    expect(w.count).toBe(4);
    expect(w.full).toBe(true);
    expect(w.last()).toBe(4);
    expect(w.sum()).toBe(12);
    expect(w.min()).toBe(3);
    expect(w.max()).toBe(5);
    expect(w.sqDev(4)).toBe(2); // 1 + 1 + 0
    // "with x": the oldest value (5) drops out, x comes in: 3, 4, x
    expect(w.sumWith(10)).toBe(17);
    expect(w.maxWith(1)).toBe(4);
    expect(w.minWith(10)).toBe(3);
    expect(w.minWith(2)).toBe(2);
    expect(w.sqDevWith(11, 6)).toBe(9 + 4 + 25); // (3−6)² + (4−6)² + (11−6)²
    w.push(1);
    w.push(8); // holds 4, 1, 8; the buffer wrapped a second time
    expect(w.last()).toBe(8);
    expect(w.sum()).toBe(13);
    expect(w.min()).toBe(1);
    expect(w.max()).toBe(8);
    // with 2 pushed: 1, 8, 2 (the 4 drops out)
    expect(w.minWith(2)).toBe(1);
    expect(w.maxWith(2)).toBe(8);
    expect(w.sumWith(2)).toBe(11);
    w.push(0);
    w.push(0); // holds 8, 0, 0
    expect(w.maxWith(0)).toBe(0); // 0, 0, 0: the 8 drops out
    expect(w.minWith(9)).toBe(0);
  });

  it('a window of one holds only the newest value', () => {
    const w = new RingWindow(1);
    w.push(3);
    w.push(7);
    expect(w.length).toBe(1);
    expect(w.sum()).toBe(7);
    expect(w.last()).toBe(7);
    expect(w.sumWith(2)).toBe(2);
    expect(w.minWith(9)).toBe(9);
    expect(w.maxWith(1)).toBe(1);
    expect(w.sqDevWith(5, 1)).toBe(16);
  });

  it('ties of −0 and +0 keep the first value, in min()/max() and in their "with x" forms alike', () => {
    const w = new RingWindow(3);
    w.push(-0);
    expect(Object.is(w.minWith(0), -0)).toBe(true);
    w.push(0);
    expect(Object.is(w.min(), -0)).toBe(true);
    expect(Object.is(w.max(), -0)).toBe(true);
    const v = new RingWindow(3);
    v.push(0);
    expect(Object.is(v.maxWith(-0), 0)).toBe(true);
    v.push(-0);
    expect(Object.is(v.max(), 0)).toBe(true);
    expect(Object.is(v.min(), 0)).toBe(true);
  });
});

describe('SlidingMin', () => {
  it('the minimum of the last `size` values, by hand', () => {
    const m = new SlidingMin(3);
    expect(m.size).toBe(3);
    expect(m.min()).toBe(Number.POSITIVE_INFINITY);
    expect(m.full).toBe(false);
    const mins: number[] = [];
    const full: boolean[] = [];
    for (const x of [5, 7, 6, 8, 9, 4, 4, 10, 11, 12]) {
      m.push(x);
      mins.push(m.min());
      full.push(m.full);
    }
    // windows: [5] [5,7] [5,7,6] [7,6,8] [6,8,9] [8,9,4] [9,4,4] [4,4,10] [4,10,11] [10,11,12]
    expect(mins).toEqual([5, 5, 5, 6, 6, 4, 4, 4, 4, 10]);
    expect(full).toEqual([false, false, true, true, true, true, true, true, true, true]);
  });
});

describe('RSI by hand (Wilder / TradingView RMA, seeded with the mean)', () => {
  // close 10, 12, 11, 13, 13, 9 → changes +2, −1, +2, 0, −4; period 2
  // bar 2: gain (2+0)/2 = 1, loss (0+1)/2 = 0.5 → 100·1/1.5 = 66.67
  // bar 3: gain (1·1+2)/2 = 1.5, loss (0.5·1+0)/2 = 0.25 → 100·1.5/1.75 = 85.71
  // bar 4: gain 1.5/2 = 0.75, loss 0.25/2 = 0.125 → 85.71
  // bar 5: gain 0.75/2 = 0.375, loss (0.125+4)/2 = 2.0625 → 100·0.375/2.4375 = 15.38
  const close = [10, 12, 11, 13, 13, 9];
  const expected = [NaN_, NaN_, 200 / 3, 600 / 7, 600 / 7, 1500 / 97.5];

  it('rsi(2)', () => {
    expectSeries(rsi(close, 2), expected);
    expectSeries(streamed(close, new RsiCore(2)), expected);
  });

  it('a loss at the seed bar and a gain first: rsi(1) is 100 on a rise, 0 on a fall', () => {
    expectSeries(rsi([5, 6, 4, 4, 7], 1), [NaN_, 100, 0, 100, 100]);
  });

  it('a fall in the warm-up counts as a loss: close 10, 8, 9 → rsi(2) = 100·(1/2)/((1+2)/2) = 33.33', () => {
    expectSeries(streamed([10, 8, 9], new RsiCore(2)), [NaN_, NaN_, 100 / 3]);
  });

  it('the stream reads the close and refuses a non-finite one by name', () => {
    const s = new RsiStream(2);
    for (const c of close.slice(0, 5)) s.update(bar(c, { high: c + 50, low: c - 50, open: 1 }));
    expect(() => s.update(bar(Number.NaN))).toThrow('rsi close must be a finite number, got NaN');
    expect(() => s.peek(bar(Number.NaN))).toThrow('rsi close must be a finite number, got NaN');
    expect(s.peek(bar(9))).toBeCloseTo(expected[5]!, 12);
    expect(s.update(bar(9))).toBeCloseTo(expected[5]!, 12);
    expect(() => new RsiCore(0)).toThrow('rsi period must be an integer >= 1, got 0');
    expect(() => rsi([1, Number.NaN])).toThrow('rsi close[1] must be a finite number, got NaN');
  });
});

describe('ATR by hand (TradingView: bar 0 counts high − low, then the RMA seeded with the mean)', () => {
  // (high, low, close); prev = previous close
  // bar 0: 10 8 9     TR = 10−8 = 2
  // bar 1: 12 9 11    TR = max(3, |12−9| = 3, |9−9| = 0) = 3
  // bar 2: 11 10 10   TR = max(1, |11−11| = 0, |10−11| = 1) = 1   → ATR = (2+3+1)/3 = 2
  // bar 3: 15 13 14   TR = max(2, |15−10| = 5, |13−10| = 3) = 5   → (2·2+5)/3 = 3
  // bar 4: 14 8 9     TR = max(6, |14−14| = 0, |8−14| = 6) = 6    → (3·2+6)/3 = 4
  // bar 5: 7 6 6.5    TR = max(1, |7−9| = 2, |6−9| = 3) = 3       → (4·2+3)/3 = 11/3
  const high = [10, 12, 11, 15, 14, 7];
  const low = [8, 9, 10, 13, 8, 6];
  const close = [9, 11, 10, 14, 9, 6.5];
  const expected = [NaN_, NaN_, 2, 3, 4, 11 / 3];

  it('atr(3)', () => {
    expectSeries(atr(high, low, close, 3), expected);
    const core = new AtrCore(3);
    const out = high.map((h, i) => {
      const peeked = core.peek(h, low[i]!);
      const pushed = core.push(h, low[i]!, close[i]!);
      expect(peeked).toBe(pushed);
      return pushed;
    });
    expectSeries(out, expected);
  });

  it('atr(1) is each bar true range: the gap from the previous close counts', () => {
    expectSeries(atr(high, low, close, 1), [2, 3, 1, 5, 6, 3]);
  });

  it('the stream reads high, low and close, and refuses an inconsistent candle', () => {
    const s = new AtrStream(3);
    for (let i = 0; i < 5; i++)
      s.update({ time: i, open: low[i]!, high: high[i]!, low: low[i]!, close: close[i]!, volume: 1 });
    const last: Candle = { time: 5, open: 6.5, high: 7, low: 6, close: 6.5, volume: 1 };
    expect(s.peek(last)).toBeCloseTo(11 / 3, 12);
    expect(() => s.peek({ ...last, low: 8 })).toThrow(/inconsistent/);
    expect(s.update(last)).toBeCloseTo(11 / 3, 12);
    expect(() => new AtrCore(0)).toThrow('atr period must be an integer >= 1, got 0');
    expect(() => atr([1], [1], [1, 2])).toThrow('atr high, low and close must have the same length');
    expect(() => atr([Number.NaN], [1], [1])).toThrow('atr high[0] must be a finite number, got NaN');
    expect(() => atr([1], [Number.NaN], [1])).toThrow('atr low[0] must be a finite number, got NaN');
    expect(() => atr([1], [1], [Number.NaN])).toThrow('atr close[0] must be a finite number, got NaN');
  });
});

describe('MACD by hand', () => {
  // macd(2, 3, 2) of close 1, 3, 2, 6, 4, 8, 5: fast EMA k = 2/3 (seed mean of 2), slow k = 1/2 (seed mean
  // of 3), signal EMA(2) of the MACD line from its first value, hist = macd − signal. Worked in Python
  // floats from those definitions:
  //   fast  = –, 2, 2.3333, 4.7778, 4.2593, 6.7531, 5.5844
  //   slow  = –, –, 2, 4, 4, 6, 5.5
  //   macd  = –, –, 0, 0.6667, 0.2222, 0.7407, 0.0802
  //   signal = –, –, –, (0 + 0.6667)/2 = 0.3333, 0.2593, 0.5802, 0.2469
  const close = [1, 3, 2, 6, 4, 8, 5];
  const m = [NaN_, NaN_, 0, 0.6666666666666661, 0.22222222222222232, 0.7407407407407405, 0.08024691358024683];
  const sig = [
    NaN_,
    NaN_,
    NaN_,
    0.33333333333333304,
    0.25925925925925924,
    0.5802469135802467,
    0.24691358024691346,
  ];
  const hist = [
    NaN_,
    NaN_,
    NaN_,
    0.33333333333333304,
    -0.037037037037036924,
    0.16049382716049376,
    -0.16666666666666663,
  ];

  it('batch, push and peek', () => {
    const b = macd(close, 2, 3, 2);
    expectSeries(b.macd, m);
    expectSeries(b.signal, sig);
    expectSeries(b.hist, hist);
    const core = new MacdCore(2, 3, 2);
    close.forEach((x, i) => {
      const p = { ...core.peek(x) };
      const u = core.push(x);
      expectSeries(
        [p.macd, p.signal, p.hist, u.macd, u.signal, u.hist],
        [m[i]!, sig[i]!, hist[i]!, m[i]!, sig[i]!, hist[i]!],
      );
    });
  });

  it('the stream reads the close; bad periods and closes are refused by name', () => {
    const s = new MacdStream(2, 3, 2);
    for (const x of close.slice(0, 6)) s.update(bar(x, { high: x + 9, low: x - 9 }));
    expect(() => s.update(bar(Number.NaN))).toThrow('macd close must be a finite number, got NaN');
    expect(() => s.peek(bar(Number.NaN))).toThrow('macd close must be a finite number, got NaN');
    expect(s.peek(bar(5)).hist).toBeCloseTo(hist[6]!, 12);
    expect(s.update(bar(5)).signal).toBeCloseTo(sig[6]!, 12);
    expect(() => new MacdCore(0, 3, 2)).toThrow('macd fast must be an integer >= 1, got 0');
    expect(() => new MacdCore(2, 0, 2)).toThrow('macd slow must be an integer >= 1, got 0');
    expect(() => new MacdCore(2, 3, 0)).toThrow('macd signal must be an integer >= 1, got 0');
    expect(() => new MacdCore(3, 3, 2)).toThrow('macd fast (3) must be shorter than slow (3)');
    expect(new MacdCore(2, 3, 1)).toBeInstanceOf(MacdCore);
    expect(() => macd([Number.NaN])).toThrow('macd close[0] must be a finite number, got NaN');
  });
});

describe('Bollinger Bands by hand (population standard deviation, as TradingView)', () => {
  // bollinger(3, 2) of close 2, 4, 6, 8, 4, 10
  // bar 2: mean 4, σ = √((4+0+4)/3) = √(8/3) → 4 ± 2·1.63299
  // bar 3: mean 6, σ = √(8/3)          bar 4: 6, 8, 4: mean 6, σ = √((0+4+4)/3) = √(8/3)
  // bar 5: 8, 4, 10: mean 22/3, σ = √(((2/3)² + (10/3)² + (8/3)²)/3) = √(168/27)
  const close = [2, 4, 6, 8, 4, 10];
  const s83 = 2 * Math.sqrt(8 / 3);
  const s5 = 2 * Math.sqrt(168 / 27);
  const upper = [NaN_, NaN_, 4 + s83, 6 + s83, 6 + s83, 22 / 3 + s5];
  const middle = [NaN_, NaN_, 4, 6, 6, 22 / 3];
  const lower = [NaN_, NaN_, 4 - s83, 6 - s83, 6 - s83, 22 / 3 - s5];

  it('batch, push and peek', () => {
    const b = bollinger(close, 3, 2);
    expectSeries(b.upper, upper);
    expectSeries(b.middle, middle);
    expectSeries(b.lower, lower);
    const core = new BollingerCore(3, 2);
    expect(core.period).toBe(3);
    expect(core.mult).toBe(2);
    close.forEach((x, i) => {
      const p = { ...core.peek(x) };
      const u = core.push(x);
      expectSeries(
        [p.upper, p.middle, p.lower, u.upper, u.middle, u.lower],
        [upper[i]!, middle[i]!, lower[i]!, upper[i]!, middle[i]!, lower[i]!],
      );
    });
  });

  it('the multiplier scales the bands: mult 1 gives half the width', () => {
    const b = bollinger(close, 3, 1);
    expect(b.upper[5]).toBeCloseTo(22 / 3 + s5 / 2, 12);
    expect(b.lower[5]).toBeCloseTo(22 / 3 - s5 / 2, 12);
  });

  it('the stream reads the close; bad input is refused by name', () => {
    const s = new BollingerStream(3, 2);
    for (const x of close.slice(0, 5)) s.update(bar(x, { high: x + 9, low: x - 9 }));
    expect(() => s.update(bar(Number.NaN))).toThrow('bollinger close must be a finite number, got NaN');
    expect(() => s.peek(bar(Number.NaN))).toThrow('bollinger close must be a finite number, got NaN');
    expect(s.peek(bar(10)).upper).toBeCloseTo(upper[5]!, 12);
    expect(s.update(bar(10)).lower).toBeCloseTo(lower[5]!, 12);
    expect(() => new BollingerCore(0, 2)).toThrow('bollinger period must be an integer >= 1, got 0');
    expect(() => new BollingerCore(3, Number.NaN)).toThrow('bollinger mult must be a finite number, got NaN');
    expect(() => bollinger([1, Number.NaN])).toThrow('bollinger close[1] must be a finite number, got NaN');
  });
});

describe('Stoch RSI by hand', () => {
  // stochRsi(rsi 2, stoch 3, k 2, d 2) of close 10, 12, 11, 13, 13, 9, 12, 15, 11, 10.
  // RSI(2) as above, then 62.07, 81.97, 34.17, 26.46 (Python floats, Wilder's RMA); the raw stochastic is
  // 100·(rsi − min)/(max − min) over the last 3 RSI values: bar 4 = 100 (85.71 is the window's max),
  // bar 5 = 0, bar 6: (62.07 − 15.38)/(85.71 − 15.38) = 66.38, bar 7 = 100, bar 8 = 0, bar 9 = 0.
  // %K = SMA(2) of that, %D = SMA(2) of %K, starting once %K has a value.
  const close = [10, 12, 11, 13, 13, 9, 12, 15, 11, 10];
  const k = [NaN_, NaN_, NaN_, NaN_, NaN_, 50, 33.1896551724138, 83.18965517241381, 50, 0];
  const d = [NaN_, NaN_, NaN_, NaN_, NaN_, NaN_, 41.594827586206904, 58.18965517241381, 66.5948275862069, 25];

  it('batch, push and peek', () => {
    const b = stochRsi(close, 2, 3, 2, 2);
    expectSeries(b.k, k);
    expectSeries(b.d, d);
    const core = new StochRsiCore(2, 3, 2, 2);
    close.forEach((x, i) => {
      const p = { ...core.peek(x) };
      const u = core.push(x);
      expectSeries([p.k, p.d, u.k, u.d], [k[i]!, d[i]!, k[i]!, d[i]!]);
    });
  });

  it('with %K and %D of 1 both are the raw stochastic, from the first full window, in peek as in push', () => {
    const raw = [NaN_, NaN_, NaN_, NaN_, 100, 0, 66.3793103448276, 100, 0, 0];
    const b = stochRsi(close, 2, 3, 1, 1);
    expectSeries(b.k, raw);
    expectSeries(b.d, raw);
    const core = new StochRsiCore(2, 3, 1, 1);
    close.forEach((x, i) => {
      const p = { ...core.peek(x) };
      const u = core.push(x);
      expectSeries([p.k, p.d, u.k, u.d], [raw[i]!, raw[i]!, raw[i]!, raw[i]!]);
    });
  });

  it('the stream reads the close; bad input is refused by name', () => {
    const s = new StochRsiStream(2, 3, 2, 2);
    for (const x of close.slice(0, 9)) s.update(bar(x, { high: x + 9, low: x - 9 }));
    expect(() => s.update(bar(Number.NaN))).toThrow('stochRsi close must be a finite number, got NaN');
    expect(() => s.peek(bar(Number.NaN))).toThrow('stochRsi close must be a finite number, got NaN');
    expect(s.peek(bar(10)).d).toBeCloseTo(25, 12);
    expect(s.update(bar(10)).k).toBeCloseTo(0, 12);
    expect(() => new StochRsiCore(0, 3, 2, 2)).toThrow('rsi period must be an integer >= 1, got 0');
    expect(() => new StochRsiCore(2, 0, 2, 2)).toThrow('stochRsi stochPeriod must be an integer >= 1, got 0');
    expect(() => new StochRsiCore(2, 3, 0, 2)).toThrow('stochRsi k must be an integer >= 1, got 0');
    expect(() => new StochRsiCore(2, 3, 2, 0)).toThrow('stochRsi d must be an integer >= 1, got 0');
    expect(() => stochRsi([Number.NaN])).toThrow('stochRsi close[0] must be a finite number, got NaN');
  });
});
