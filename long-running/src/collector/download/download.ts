import { type Bar, bucketStart, type Timeframe, timeframeMs } from '@enigma/core/marketdata/index';
import type Decimal from 'decimal.js';
import { fetchBars, type MarketDataApi } from '../klines.ts';

/** Where `enigma data download` writes: the database or CSV files. */
export interface DownloadSink {
  /** Open time of the newest bar already written, if any (where a re-run resumes). */
  lastBarTime(symbol: string, tf: Timeframe): Promise<number | undefined>;
  writeBars(bars: readonly Bar[]): Promise<void>;
  /** Absent when the sink cannot store funding rates. */
  funding?: {
    /** Time of the newest rate already written before `before` (ms), if any. */
    lastTime(symbol: string, before: number): Promise<number | undefined>;
    write(points: readonly FundingPoint[]): Promise<void>;
  };
}

export interface FundingPoint {
  symbol: string;
  rate: Decimal;
  time: number;
}

export interface DownloadRequest {
  symbol: string;
  timeframe: Timeframe;
  /** ms; rounded down to the timeframe. */
  from: number;
  /** ms, exclusive; rounded down to the timeframe (bars must be complete). */
  to: number;
  funding?: boolean;
}

export interface DownloadResult {
  /** Where this run started (after resuming). */
  startedAt: number;
  bars: number;
  fundingPoints: number;
  resumed: boolean;
}

/**
 * The public funding-rate history documents no page size, and a response is observed to hold at most
 * 100 points (the simulator enforces that): 4-day windows stay under it even at the shortest (1 h) interval.
 */
export const FUNDING_WINDOW_MS = 4 * 86_400_000;

/**
 * Download historical candles (and optionally funding rates) into a sink, paginated within KuCoin's
 * limits, resuming after the last bar the sink already holds, so an interrupted download continues
 * where it stopped. Each page is written as it arrives.
 *
 * @example await downloadHistory(api, csvSink('xbt.csv'), { symbol: 'XBTUSDTM', timeframe: '1m', from, to });
 */
export async function downloadHistory(
  api: MarketDataApi,
  sink: DownloadSink,
  req: DownloadRequest,
  onProgress: (done: number, total: number, what: 'bars' | 'funding') => void = () => {},
): Promise<DownloadResult> {
  const step = timeframeMs(req.timeframe);
  const from = bucketStart(req.from, req.timeframe);
  const to = bucketStart(req.to, req.timeframe);
  if (!(to > from)) throw new RangeError('--to must be at least one bar after --from');
  const last = await sink.lastBarTime(req.symbol, req.timeframe);
  const resumed = last !== undefined && last >= from;
  const start = resumed ? Math.max(from, last + step) : from;
  const total = (to - from) / step;
  let done = (start - from) / step;
  let bars = 0;
  onProgress(done, total, 'bars');
  if (start < to) {
    await fetchBars(api, req.symbol, req.timeframe, start, to, async (page, window) => {
      await sink.writeBars(page);
      bars += page.length;
      done = Math.min(total, (window.to + 1 - from) / step);
      onProgress(done, total, 'bars');
    });
  }
  let fundingPoints = 0;
  if (req.funding) {
    if (!sink.funding) throw new Error('this destination cannot store funding rates');
    const lastFunding = await sink.funding.lastTime(req.symbol, req.to);
    const fStart = lastFunding !== undefined && lastFunding >= req.from ? lastFunding + 1 : req.from;
    const windows = Math.max(1, Math.ceil((req.to - fStart) / FUNDING_WINDOW_MS));
    let w = 0;
    for (let t = fStart; t < req.to; t += FUNDING_WINDOW_MS) {
      const end = Math.min(req.to, t + FUNDING_WINDOW_MS) - 1;
      const points = (await api.fundingRates(req.symbol, t, end))
        .filter((p) => p.time >= t && p.time <= end)
        .sort((a, b) => a.time - b.time);
      await sink.funding.write(points);
      fundingPoints += points.length;
      onProgress(++w, windows, 'funding');
    }
  }
  return { startedAt: start, bars, fundingPoints, resumed };
}
