import type { Timeframe } from '@enigma/core/marketdata/index';
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
 * The database destination: the candles table through the collector's CandleStore (source `kucoin`).
 * No funding-rate table exists yet, so funding downloads need a CSV destination.
 */
export function databaseSink(store: CandleStore): DownloadSink {
  return {
    lastBarTime: (symbol: string, tf: Timeframe) => store.latestOpen(symbol, tf),
    async writeBars(bars) {
      await store.upsert(bars.map((b) => ({ ...b, source: 'kucoin' as const })));
    },
  };
}
