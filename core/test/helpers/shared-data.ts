/// <reference types="node" />
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../src/candle.ts';
import { parseCandlesCsv } from '../../src/marketdata/candles-csv.ts';

/** Walk up from this file to the folder that holds `shared/data` (the read-only market data). */
export function sharedDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'shared', 'data');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no shared/data folder above core/test');
    dir = parent;
  }
}

/** Read `count` candles starting at data row `start` of a CSV under shared/data (core's one reader). */
export function readCandles(file: string, start = 0, count = Number.POSITIVE_INFINITY): Candle[] {
  const all = parseCandlesCsv(readFileSync(join(sharedDataDir(), file), 'utf8'), file);
  return all.slice(start, start + count);
}

/** Column of a candle array. */
export function column(candles: readonly Candle[], key: keyof Candle): Float64Array {
  const out = new Float64Array(candles.length);
  for (let i = 0; i < candles.length; i++) out[i] = candles[i]![key];
  return out;
}
