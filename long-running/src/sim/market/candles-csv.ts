import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '@enigma/core/candle';
import { parseCandlesCsv } from '@enigma/core/marketdata/candles-csv';

/** One recorded bar; floats, because it only drives the simulated price path. */
export type CsvCandle = Candle;

/**
 * Parse a recorded candle CSV for the simulator (the one reader, `parseCandlesCsv` in core; volume
 * optional): it needs at least two candles to make a price path.
 */
export function parseSimCandlesCsv(text: string, name = 'csv'): CsvCandle[] {
  const out = parseCandlesCsv(text, name, { volume: 'optional' });
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
  return parseSimCandlesCsv(readFileSync(path, 'utf8'), path);
}
