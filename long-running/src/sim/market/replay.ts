import { readFileSync } from 'node:fs';
import type { CsvCandle } from './candles-csv.ts';
import { parseFundingCsv } from './candles-csv.ts';
import type { MarketSample, MarketSource } from './source.ts';

/** Options of the candle replay source. */
export interface ReplayOptions {
  /** Candles per contract symbol. */
  candles: Record<string, CsvCandle[]>;
  /** Optional funding CSV paths per contract symbol (`time,rate`). */
  fundingFiles?: Record<string, string>;
  /** Data-time speed-up: 60 plays one 1-minute candle per simulated second. */
  speed?: number;
  /** Sim time at which replay starts from `startIndex` (the warm-up history is sampled before it). */
  anchorTime: number;
  /** Candle index played at the anchor time (bars before it serve as history). */
  startIndex?: number;
}

interface Track {
  candles: CsvCandle[];
  interval: number;
  /** Data time at the anchor. */
  dataAnchor: number;
  lastDataTime: number | undefined;
  funding: { time: number; rate: number }[];
}

/** Price inside a bar: open → low → high → close for up bars, open → high → low → close for down bars. */
function pathPrice(c: CsvCandle, f: number): number {
  const pts = c.close >= c.open ? [c.open, c.low, c.high, c.close] : [c.open, c.high, c.low, c.close];
  const x = Math.min(Math.max(f, 0), 1) * 3;
  const i = Math.min(Math.floor(x), 2);
  const a = pts[i]!;
  const b = pts[i + 1]!;
  return a + (b - a) * (x - i);
}

/**
 * Replays recorded candles as a continuous price path at a configurable speed. When the data runs out it
 * loops from the start, rescaled so the price stays continuous.
 *
 * @example replaySource({ candles: { XBTUSDTM: readCandlesFile(p) }, anchorTime: Date.now(), speed: 60 })
 */
export function replaySource(opts: ReplayOptions): MarketSource {
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError('replay speed must be positive');
  const tracks = new Map<string, Track>();
  for (const [symbol, candles] of Object.entries(opts.candles)) {
    const interval = candles[1]!.time - candles[0]!.time;
    const start = Math.min(opts.startIndex ?? 0, candles.length - 2);
    const fundingPath = opts.fundingFiles?.[symbol];
    tracks.set(symbol, {
      candles,
      interval,
      dataAnchor: candles[start]!.time,
      lastDataTime: undefined,
      funding: fundingPath ? parseFundingCsv(readFileSync(fundingPath, 'utf8')) : [],
    });
  }

  function dataTimeAt(track: Track, now: number): number {
    return track.dataAnchor + (now - opts.anchorTime) * speed;
  }

  /** Price and volume at a data time, looping (and rescaling) past the end of the series. */
  function at(track: Track, dataTime: number): { price: number; cumVolume: number } {
    const first = track.candles[0]!.time;
    const span = track.candles.length * track.interval;
    let loops = Math.floor((dataTime - first) / span);
    let t = dataTime - loops * span;
    if (t < first) {
      loops = 0;
      t = first;
    }
    const idx = Math.min(Math.floor((t - first) / track.interval), track.candles.length - 1);
    const c = track.candles[idx]!;
    const f = (t - c.time) / track.interval;
    const scale = (track.candles[track.candles.length - 1]!.close / track.candles[0]!.open) ** loops;
    return { price: pathPrice(c, f) * scale, cumVolume: (loops * span + (t - first)) / track.interval };
  }

  function volumeBetween(track: Track, from: number, to: number): number {
    if (to <= from) return 0;
    const first = track.candles[0]!.time;
    const span = track.candles.length * track.interval;
    let vol = 0;
    // Walk bar by bar; a sample interval normally covers at most a handful of bars.
    let t = from;
    let guard = 0;
    while (t < to && guard++ < 10_000) {
      const rel = (((t - first) % span) + span) % span;
      const idx = Math.min(Math.floor(rel / track.interval), track.candles.length - 1);
      const barEnd = t - (rel - idx * track.interval) + track.interval;
      const end = Math.min(barEnd, to);
      vol += (track.candles[idx]!.volume * (end - t)) / track.interval;
      t = end;
    }
    return vol;
  }

  return {
    kind: 'replay',
    sample(symbol, now): MarketSample | undefined {
      const track = tracks.get(symbol);
      if (!track) return undefined;
      const dataTime = dataTimeAt(track, now);
      const { price } = at(track, dataTime);
      const volume =
        track.lastDataTime === undefined ? 0 : volumeBetween(track, track.lastDataTime, dataTime);
      track.lastDataTime = dataTime;
      return { price, volume };
    },
    fundingRate(symbol, now) {
      const track = tracks.get(symbol);
      if (!track || track.funding.length === 0) return undefined;
      const dataTime = dataTimeAt(track, now);
      let rate: number | undefined;
      for (const f of track.funding) {
        if (f.time > dataTime) break;
        rate = f.rate;
      }
      return rate ?? track.funding[0]!.rate;
    },
  };
}
