/// <reference types="node" />
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../src/candle.ts';

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

/** Read `count` candles starting at data row `start` of a CSV under shared/data. */
export function readCandles(file: string, start = 0, count = Number.POSITIVE_INFINITY): Candle[] {
  const text = readFileSync(join(sharedDataDir(), file), 'utf8');
  const lines = text.trim().split('\n');
  const end = Math.min(lines.length, 1 + start + count);
  const out: Candle[] = [];
  for (let i = 1 + start; i < end; i++) {
    const [time, open, high, low, close, volume] = lines[i]!.split(',').map(Number);
    out.push({ time: time!, open: open!, high: high!, low: low!, close: close!, volume: volume! });
  }
  return out;
}

/** Column of a candle array. */
export function column(candles: readonly Candle[], key: keyof Candle): Float64Array {
  const out = new Float64Array(candles.length);
  for (let i = 0; i < candles.length; i++) out[i] = candles[i]![key];
  return out;
}
