import type { Timeframe } from '@enigma/core/marketdata/index';
import { type EnigmaDb, latestFundingTime, upsertFundingRates } from '@enigma/db';
import type { CandleStore } from '../candle-store.ts';
import { appendCsv, CANDLE_CSV_HEADER, candleCsvRow, FUNDING_CSV_HEADER, lastCsvTime } from './csv.ts';
import type { DownloadSink } from './download.ts';

/**
 * A CSV destination: candles in `path`, funding rates in `<path minus .csv>-funding.csv`. One file holds
 * one symbol and timeframe; resuming reads the last row's time.
 */
export function csvSink(path: string): DownloadSink & { fundingPath: string } {
  const fundingPath = path.replace(/\.csv$/i, '') + '-funding.csv';
  return {
    fundingPath,
    async lastBarTime() {
      return lastCsvTime(path, CANDLE_CSV_HEADER);
    },
    async writeBars(bars) {
      appendCsv(path, CANDLE_CSV_HEADER, bars.map(candleCsvRow));
    },
    funding: {
      async lastTime() {
        return lastCsvTime(fundingPath, FUNDING_CSV_HEADER);
      },
      async write(points) {
        appendCsv(
          fundingPath,
          FUNDING_CSV_HEADER,
          points.map((p) => `${p.time},${p.rate.toString()}`),
        );
      },
    },
  };
}

/**
 * Funding history into `funding_rates` as `settled` rates (the public history holds only applied
 * rates). Resumes after the newest settled rate before the requested end, so downloading an older range
 * is not skipped because newer rates are stored; the upsert makes any overlap harmless.
 */
export function dbFundingSink(db: EnigmaDb): NonNullable<DownloadSink['funding']> {
  return {
    async lastTime(symbol, before) {
      const t = await latestFundingTime(db, symbol, 'settled', new Date(before));
      return t ? t.getTime() : undefined;
    },
    async write(points) {
      await upsertFundingRates(
        db,
        points.map((p) => ({
          symbol: p.symbol,
          kind: 'settled' as const,
          fundingTime: new Date(p.time),
          rate: p.rate,
        })),
      );
    },
  };
}

/**
 * The database destination: the candles table through the collector's CandleStore (source `kucoin`),
 * and, when given, funding rates through `dbFundingSink`.
 */
export function databaseSink(store: CandleStore, funding?: DownloadSink['funding']): DownloadSink {
  return {
    lastBarTime: (symbol: string, tf: Timeframe) => store.latestOpen(symbol, tf),
    async writeBars(bars) {
      await store.upsert(bars.map((b) => ({ ...b, source: 'kucoin' as const })));
    },
    ...(funding ? { funding } : {}),
  };
}
