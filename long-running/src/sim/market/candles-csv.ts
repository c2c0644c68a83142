import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '@enigma/core/candle';

/** One recorded bar; floats, because it only drives the simulated price path. */
export type CsvCandle = Candle;

/**
 * Parse a `time,open,high,low,close[,volume]` CSV (header on line 1, ms times ascending). Rejects
 * non-finite numbers and unsorted times rather than guessing.
 */
export function parseCandlesCsv(text: string, name = 'csv'): CsvCandle[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim().toLowerCase());
  const col = (n: string) => header?.indexOf(n) ?? -1;
  const idx = {
    time: col('time'),
    open: col('open'),
    high: col('high'),
    low: col('low'),
    close: col('close'),
  };
  if (Object.values(idx).some((i) => i < 0))
    throw new Error(`${name}: needs columns time,open,high,low,close`);
  const vIdx = col('volume');
  const out: CsvCandle[] = [];
  for (const [n, line] of lines.entries()) {
    const cells = line.split(',');
    const num = (i: number) => {
      const v = Number(cells[i]);
      if (!Number.isFinite(v)) throw new Error(`${name}: line ${n + 2}: not a number: ${cells[i]}`);
      return v;
    };
    const c = {
      time: num(idx.time),
      open: num(idx.open),
      high: num(idx.high),
      low: num(idx.low),
      close: num(idx.close),
      volume: vIdx >= 0 ? num(vIdx) : 0,
    };
    const prev = out[out.length - 1];
    if (prev && c.time <= prev.time) throw new Error(`${name}: line ${n + 2}: times must ascend`);
    out.push(c);
  }
  if (out.length < 2) throw new Error(`${name}: needs at least two candles`);
  return out;
}

/** Parse a `time,rate` funding CSV. */
export function parseFundingCsv(text: string): { time: number; rate: number }[] {
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [t, r] = l.split(',');
      const time = Number(t);
      const rate = Number(r);
      if (!Number.isFinite(time) || !Number.isFinite(rate)) throw new Error(`funding csv: bad line ${l}`);
      return { time, rate };
    });
}

const BASE_ALIASES: Record<string, string> = { XBT: 'BTC' };

/** KuCoin contract → the base asset name used by recorded data files (`XBTUSDTM` → `BTC`). */
export function dataBaseOf(symbol: string): string {
  const base = symbol.replace(/USDTM$|USDCM$|USDM$/, '');
  return BASE_ALIASES[base] ?? base;
}

/**
 * Find a candle file for a contract in a data directory, in the layouts we have: Binance futures
 * (`BTCUSDT-1m.csv`) and KuCoin spot (`BTC-USDT-1m.csv`).
 */
export function findCandleFile(dir: string, symbol: string, timeframe: string): string | undefined {
  const base = dataBaseOf(symbol);
  for (const name of [
    `${base}USDT-${timeframe}.csv`,
    `${base}-USDT-${timeframe}.csv`,
    `${symbol}-${timeframe}.csv`,
  ]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Read a candle CSV file. */
export function readCandlesFile(path: string): CsvCandle[] {
  return parseCandlesCsv(readFileSync(path, 'utf8'), path);
}
