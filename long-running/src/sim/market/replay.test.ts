import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireSharedData } from '../test-helpers.ts';
import { findCandleFile, parseSimCandlesCsv, readCandlesFile } from './candles-csv.ts';
import { replaySource } from './replay.ts';
import { buildReplaySource } from './select.ts';

const binance = join(requireSharedData(), 'candles', 'binance-futures');

describe('candle CSV parsing', () => {
  it('rejects non-numbers and unsorted times instead of guessing', () => {
    expect(() => parseSimCandlesCsv('time,open,high,low,close\n1,1,1,1,x\n2,1,1,1,1')).toThrow(
      /line 2: close is not a finite number/,
    );
    expect(() => parseSimCandlesCsv('time,open,high,low,close\n2,1,1,1,1\n1,1,1,1,1')).toThrow(
      /time is not ascending/,
    );
    expect(() => parseSimCandlesCsv('time,open\n1,1\n2,1')).toThrow(
      /header must contain time,open,high,low,close, missing high,low,close/,
    );
  });
});

describe('replay of the recorded Binance futures candles', () => {
  const candles = readCandlesFile(findCandleFile(binance, 'XBTUSDTM', '1m')!);

  it('maps XBTUSDTM to the BTC file and walks open → extremes → close inside each bar', () => {
    const anchor = Date.UTC(2026, 0, 1);
    const src = replaySource({
      candles: { XBTUSDTM: candles },
      anchorTime: anchor,
      speed: 60,
      startIndex: 10,
    });
    const bar = candles[10]!;
    expect(src.sample('XBTUSDTM', anchor)!.price).toBeCloseTo(bar.open, 6);
    const mid = src.sample('XBTUSDTM', anchor + 500)!.price;
    expect(mid).toBeGreaterThanOrEqual(bar.low);
    expect(mid).toBeLessThanOrEqual(bar.high);
    // One second at 60× is exactly one 1-minute bar: its close, and its whole volume.
    const next = src.sample('XBTUSDTM', anchor + 1000)!;
    expect(next.price).toBeCloseTo(bar.close, 6);
    expect(src.sample('SOLUSDTM', anchor)).toBeUndefined();
  });

  it('counts the replayed volume bar by bar', () => {
    const anchor = 0;
    const src = replaySource({
      candles: { XBTUSDTM: candles },
      anchorTime: anchor,
      speed: 60,
      startIndex: 0,
    });
    src.sample('XBTUSDTM', 0);
    const v = src.sample('XBTUSDTM', 3000)!.volume;
    expect(v).toBeCloseTo(candles[0]!.volume + candles[1]!.volume + candles[2]!.volume, 6);
  });

  it('loops past the end of the data without a price jump', () => {
    const short = candles.slice(0, 5);
    const src = replaySource({ candles: { XBTUSDTM: short }, anchorTime: 0, speed: 60, startIndex: 0 });
    const end = src.sample('XBTUSDTM', 5000 - 1)!.price;
    const wrapped = src.sample('XBTUSDTM', 5000 + 1)!.price;
    expect(Math.abs(wrapped - end) / end).toBeLessThan(0.002);
  });

  it('uses the recorded funding rate in force at the replayed time', () => {
    const src = buildReplaySource(['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'], { speed: 1 }, Date.UTC(2026, 0, 1));
    const rate = src.fundingRate!('ETHUSDTM', Date.UTC(2026, 0, 1));
    expect(rate).toBeDefined();
    expect(Math.abs(rate!)).toBeLessThan(0.003);
  });
});

describe('replay of downloaded files', () => {
  it('reads the funding file that `enigma data download --funding` writes beside the candles', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sim-replay-'));
    const file = join(dir, 'xbt.csv');
    writeFileSync(
      file,
      'time,open,high,low,close,volume\n0,100,101,99,100.5,10\n60000,100.5,102,100,101,12\n',
    );
    writeFileSync(join(dir, 'xbt-funding.csv'), 'time,rate\n0,0.00025\n');
    const src = buildReplaySource(['XBTUSDTM'], { files: { XBTUSDTM: file }, fundingDir: dir }, 0);
    expect(src.sample('XBTUSDTM', 0)!.price).toBeCloseTo(100, 6);
    expect(src.fundingRate!('XBTUSDTM', 30_000)).toBe(0.00025);
  });
});
