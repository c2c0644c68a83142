import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataBaseOf, findCandleFile, readCandlesFile } from './candles-csv.ts';
import { replaySource } from './replay.ts';
import type { MarketSource } from './source.ts';
import { syntheticSource } from './synthetic.ts';

/** Where to take replay candles from. */
export interface ReplayConfig {
  /** Directory of candle CSVs (`BTCUSDT-1m.csv` or `BTC-USDT-1m.csv`). Default: the recorded Binance futures data. */
  dir?: string;
  /** Explicit file per contract, overriding `dir`. */
  files?: Record<string, string>;
  timeframe?: string;
  speed?: number;
  /** Directory of funding CSVs (`BTCUSDT.csv`); default: the recorded Binance funding beside the data. */
  fundingDir?: string;
  /** Bars before the replay start used as candle history. */
  historyBars?: number;
}

/** Walk up from this file to the folder holding `shared/data` (the read-only recorded data set). */
export function findSharedData(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'shared', 'data');
    if (existsSync(join(candidate, 'candles'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Build the replay source for the given contracts; throws when a contract has no data file. */
export function buildReplaySource(symbols: string[], cfg: ReplayConfig, anchorTime: number): MarketSource {
  const shared = findSharedData();
  const dir = cfg.dir ?? (shared ? join(shared, 'candles', 'binance-futures') : undefined);
  const timeframe = cfg.timeframe ?? '1m';
  const candles: Record<string, ReturnType<typeof readCandlesFile>> = {};
  const fundingFiles: Record<string, string> = {};
  const fundingDir = cfg.fundingDir ?? (shared ? join(shared, 'funding', 'binance-futures') : undefined);
  for (const symbol of symbols) {
    const file = cfg.files?.[symbol] ?? (dir ? findCandleFile(dir, symbol, timeframe) : undefined);
    if (!file) throw new Error(`no ${timeframe} candle file for ${symbol} in ${dir ?? '(no data dir)'}`);
    candles[symbol] = readCandlesFile(file);
    // `enigma data download --out x.csv --funding` writes the rates beside the candles as x-funding.csv.
    const beside = cfg.files?.[symbol]?.replace(/\.csv$/i, '-funding.csv');
    const funding =
      beside && existsSync(beside)
        ? beside
        : fundingDir
          ? join(fundingDir, `${dataBaseOf(symbol)}USDT.csv`)
          : undefined;
    if (funding && existsSync(funding)) fundingFiles[symbol] = funding;
  }
  const lengths = Object.values(candles).map((c) => c.length);
  const startIndex = Math.min(cfg.historyBars ?? 300, Math.floor(Math.min(...lengths) / 2));
  return replaySource({ candles, fundingFiles, speed: cfg.speed ?? 1, anchorTime, startIndex });
}

export { syntheticSource };
