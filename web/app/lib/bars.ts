import type { Candle } from '@enigma/core/candle';
import { atr, bollinger, ema, macd, rsi, stochRsi } from '@enigma/core/indicators/index';
import type { CandleRow } from './types.ts';

/** Candle rows as the indicators see them (floats are fine inside indicators). */
export function toBars(rows: readonly CandleRow[]): Candle[] {
  return rows.map((r) => ({
    time: Date.parse(r.openTime),
    open: Number(r.open),
    high: Number(r.high),
    low: Number(r.low),
    close: Number(r.close),
    volume: Number(r.volume),
  }));
}

/** Every series the chart and the indicator strip draw, computed by core's batch indicators. */
export function computeIndicators(bars: readonly Candle[]) {
  const close = bars.map((b) => b.close);
  const n = close.length;
  const enough = (k: number) => n >= k;
  return {
    bb: enough(20) ? bollinger(close, 20, 2) : null,
    ema20: enough(20) ? ema(close, 20) : null,
    ema50: enough(50) ? ema(close, 50) : null,
    rsi: enough(15) ? rsi(close, 14) : null,
    macd: enough(35) ? macd(close, 12, 26, 9) : null,
    stoch: enough(32) ? stochRsi(close, 14, 14, 3, 3) : null,
    atr: enough(15)
      ? atr(
          bars.map((b) => b.high),
          bars.map((b) => b.low),
          close,
          14,
        )
      : null,
  };
}

const last = (a: Float64Array | null | undefined) => {
  const v = a?.length ? a[a.length - 1]! : Number.NaN;
  return Number.isFinite(v) ? v : null;
};

/** The indicator strip's values for the newest bar (null while an indicator is warming up). */
export function stripValues(bars: readonly Candle[]) {
  if (bars.length === 0) return null;
  const ind = computeIndicators(bars);
  const close = bars[bars.length - 1]!.close;
  const upper = last(ind.bb?.upper);
  const lower = last(ind.bb?.lower);
  const a = last(ind.atr);
  return {
    rsi: last(ind.rsi),
    macd: last(ind.macd?.macd),
    macdSignal: last(ind.macd?.signal),
    macdHist: last(ind.macd?.hist),
    bbPosition: upper !== null && lower !== null && upper > lower ? (close - lower) / (upper - lower) : null,
    atrPct: a !== null && close > 0 ? (a / close) * 100 : null,
    stochK: last(ind.stoch?.k),
    stochD: last(ind.stoch?.d),
  };
}
