import { assertCandle, type Candle } from '../candle.ts';

/** Every pattern the recogniser knows. */
export type PatternName =
  | 'bullish_engulfing'
  | 'bearish_engulfing'
  | 'hammer'
  | 'hanging_man'
  | 'inverted_hammer'
  | 'shooting_star'
  | 'doji'
  | 'morning_star'
  | 'evening_star'
  | 'three_white_soldiers'
  | 'three_black_crows';

export type PatternDirection = 'bullish' | 'bearish' | 'neutral';

/** A pattern completed at `index` (its last candle). */
export interface PatternMatch {
  pattern: PatternName;
  direction: PatternDirection;
  index: number;
  /** open time of the last candle of the pattern */
  time: number;
  /** candles in the pattern (1–3), ending at `index` */
  length: number;
}

/** Shape thresholds, as fractions of a candle's range or body. */
export interface PatternOptions {
  /** doji: body ≤ dojiBody × range */
  dojiBody: number;
  /** hammer family: body ≤ smallBody × range */
  smallBody: number;
  /** hammer family: the long shadow ≥ longShadow × range and ≥ 2 × body */
  longShadow: number;
  /** hammer family: the other shadow ≤ shortShadow × range */
  shortShadow: number;
  /** stars, soldiers, crows: a "long" body ≥ longBody × range */
  longBody: number;
  /** morning/evening star: the star's body ≤ starBody × the first body */
  starBody: number;
  /** bars before a pattern whose net close-to-close move sets the prior trend */
  trendBars: number;
}

export const defaultPatternOptions: Readonly<PatternOptions> = Object.freeze({
  dojiBody: 0.1,
  smallBody: 0.35,
  longShadow: 0.6,
  shortShadow: 0.1,
  longBody: 0.5,
  starBody: 0.3,
  trendBars: 5,
});

const body = (c: Candle) => Math.abs(c.close - c.open);
const range = (c: Candle) => c.high - c.low;
const upperShadow = (c: Candle) => c.high - Math.max(c.open, c.close);
const lowerShadow = (c: Candle) => Math.min(c.open, c.close) - c.low;
const bullish = (c: Candle) => c.close > c.open;
const bearish = (c: Candle) => c.close < c.open;
const mid = (c: Candle) => (c.open + c.close) / 2;

/**
 * Net move of the `trendBars` closes before bar `first`: 'up', 'down', or 'flat'; 'unknown' when
 * there is not enough history. Hammer vs hanging man etc. depend on it.
 */
export function priorTrend(
  candles: readonly Candle[],
  first: number,
  trendBars: number,
): 'up' | 'down' | 'flat' | 'unknown' {
  const end = first - 1;
  const start = end - trendBars;
  if (start < 0) return 'unknown';
  const move = candles[end]!.close - candles[start]!.close;
  return move > 0 ? 'up' : move < 0 ? 'down' : 'flat';
}

function hammerShape(c: Candle, o: PatternOptions): boolean {
  const r = range(c);
  const b = body(c);
  const lower = lowerShadow(c);
  return (
    r > 0 &&
    b <= o.smallBody * r &&
    lower >= o.longShadow * r &&
    lower >= 2 * b &&
    upperShadow(c) <= o.shortShadow * r
  );
}

function invertedShape(c: Candle, o: PatternOptions): boolean {
  const r = range(c);
  const b = body(c);
  const upper = upperShadow(c);
  return (
    r > 0 &&
    b <= o.smallBody * r &&
    upper >= o.longShadow * r &&
    upper >= 2 * b &&
    lowerShadow(c) <= o.shortShadow * r
  );
}

const longBody = (c: Candle, o: PatternOptions) => range(c) > 0 && body(c) >= o.longBody * range(c);

/**
 * Patterns completed at `candles[index]`, judged only from candles up to `index`.
 *
 * @example
 * detectPatterns(candles, candles.length - 1).map((m) => m.pattern); // e.g. ['hammer']
 */
export function detectPatterns(
  candles: readonly Candle[],
  index: number,
  options: Partial<PatternOptions> = {},
): PatternMatch[] {
  const o = { ...defaultPatternOptions, ...options };
  const out: PatternMatch[] = [];
  const c = candles[index];
  if (!c) throw new RangeError(`no candle at index ${index}`);
  const add = (pattern: PatternName, direction: PatternDirection, length: number) =>
    out.push({ pattern, direction, index, time: c.time, length });

  if (range(c) > 0 && body(c) <= o.dojiBody * range(c)) add('doji', 'neutral', 1);

  const trend1 = priorTrend(candles, index, o.trendBars);
  if (hammerShape(c, o)) {
    if (trend1 === 'down') add('hammer', 'bullish', 1);
    if (trend1 === 'up') add('hanging_man', 'bearish', 1);
  }
  if (invertedShape(c, o)) {
    if (trend1 === 'down') add('inverted_hammer', 'bullish', 1);
    if (trend1 === 'up') add('shooting_star', 'bearish', 1);
  }

  const p = candles[index - 1];
  if (p) {
    const trend2 = priorTrend(candles, index - 1, o.trendBars);
    const engulfsBody =
      body(c) > body(p) &&
      Math.min(c.open, c.close) <= Math.min(p.open, p.close) &&
      Math.max(c.open, c.close) >= Math.max(p.open, p.close);
    if (engulfsBody && bearish(p) && bullish(c) && trend2 === 'down') add('bullish_engulfing', 'bullish', 2);
    if (engulfsBody && bullish(p) && bearish(c) && trend2 === 'up') add('bearish_engulfing', 'bearish', 2);
  }

  const a = candles[index - 2];
  if (a && p) {
    const trend3 = priorTrend(candles, index - 2, o.trendBars);
    const smallStar = body(p) <= o.starBody * body(a);
    if (
      trend3 === 'down' &&
      bearish(a) &&
      longBody(a, o) &&
      smallStar &&
      mid(p) < a.close &&
      bullish(c) &&
      c.close > mid(a)
    ) {
      add('morning_star', 'bullish', 3);
    }
    if (
      trend3 === 'up' &&
      bullish(a) &&
      longBody(a, o) &&
      smallStar &&
      mid(p) > a.close &&
      bearish(c) &&
      c.close < mid(a)
    ) {
      add('evening_star', 'bearish', 3);
    }
    const three = [a, p, c];
    const soldier = (x: Candle, prev: Candle | undefined) =>
      bullish(x) &&
      longBody(x, o) &&
      upperShadow(x) <= o.shortShadow * 3 * range(x) &&
      (!prev || (x.close > prev.close && x.open >= prev.open && x.open <= prev.close));
    const crow = (x: Candle, prev: Candle | undefined) =>
      bearish(x) &&
      longBody(x, o) &&
      lowerShadow(x) <= o.shortShadow * 3 * range(x) &&
      (!prev || (x.close < prev.close && x.open <= prev.open && x.open >= prev.close));
    if (three.every((x, i) => soldier(x, three[i - 1]))) add('three_white_soldiers', 'bullish', 3);
    if (three.every((x, i) => crow(x, three[i - 1]))) add('three_black_crows', 'bearish', 3);
  }
  return out;
}

/** Every pattern at every bar, oldest first. */
export function findPatterns(
  candles: readonly Candle[],
  options: Partial<PatternOptions> = {},
): PatternMatch[] {
  for (const c of candles) assertCandle(c);
  const out: PatternMatch[] = [];
  for (let i = 0; i < candles.length; i++) out.push(...detectPatterns(candles, i, options));
  return out;
}

/**
 * Streaming pattern recogniser: `update` for a closed candle, `peek` for the forming one. Keeps
 * only the few candles the patterns and the trend context need.
 */
export class PatternStream {
  readonly options: Readonly<PatternOptions>;
  readonly #recent: Candle[] = [];
  readonly #keep: number;
  #count = 0;

  constructor(options: Partial<PatternOptions> = {}) {
    this.options = Object.freeze({ ...defaultPatternOptions, ...options });
    this.#keep = this.options.trendBars + 3;
  }

  update(candle: Candle): PatternMatch[] {
    assertCandle(candle);
    this.#recent.push({ ...candle });
    if (this.#recent.length > this.#keep) this.#recent.shift();
    return this.#reindex(detectPatterns(this.#recent, this.#recent.length - 1, this.options), this.#count++);
  }

  peek(candle: Candle): PatternMatch[] {
    assertCandle(candle);
    const window = [...this.#recent, candle];
    if (window.length > this.#keep) window.shift();
    return this.#reindex(detectPatterns(window, window.length - 1, this.options), this.#count);
  }

  #reindex(matches: PatternMatch[], index: number): PatternMatch[] {
    for (const m of matches) m.index = index;
    return matches;
  }
}
