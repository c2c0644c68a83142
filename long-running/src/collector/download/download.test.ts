import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DbHandle, getCandles, getFundingRates, migrate, openDatabase } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataCommand } from '../../cli/commands/data.ts';
import { KucoinHttpClient } from '../../exchange/kucoin/http.ts';
import { ManualClock } from '../../sim/clock.ts';
import { type RunningSimulator, startSimulator } from '../../sim/server.ts';
import { dbCandleStore } from '../candle-store.ts';
import { kucoinMarketDataApi } from '../kucoin-api.ts';
import { CANDLE_CSV_HEADER } from './csv.ts';
import { downloadHistory, FUNDING_WINDOW_MS } from './download.ts';
import { csvSink, databaseSink, dbFundingSink } from './sinks.ts';

const M = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 4, 5, 12, 0, 0);
const SYMBOL = 'XBTUSDTM';
// 700 one-minute bars: two kline pages (500 + 200)
const FROM = T0 - 720 * M;
const TO = T0 - 20 * M;

let sim: RunningSimulator;
let dir: string;
let http: KucoinHttpClient;

beforeAll(async () => {
  sim = await startSimulator({
    clock: new ManualClock(T0),
    symbols: [SYMBOL],
    warmupMinutes: 800,
    logger: pino({ level: 'silent' }),
  });
  http = new KucoinHttpClient({ baseUrl: sim.url, retryBaseMs: 1, maxRetries: 1 });
  dir = mkdtempSync(join(tmpdir(), 'enigma-download-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function simBars(from: number, to: number) {
  return sim.engine
    .market(SYMBOL)
    .minutes.filter((b) => b.time >= from && b.time < to)
    .map((b) => [b.time, b.open, b.high, b.low, b.close, b.volume]);
}

/**
 * The exchange's own answer over the 4-day windows an uninterrupted download asks for: the rates the
 * database must end up holding, in time order.
 */
async function exchangeFunding(from: number, to: number): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for (let t = from; t < to; t += FUNDING_WINDOW_MS) {
    const end = Math.min(to, t + FUNDING_WINDOW_MS) - 1;
    const points = await http.market.fundingRateHistory(SYMBOL, t, end);
    out.push(
      ...points
        .filter((p) => p.time >= t && p.time <= end)
        .sort((a, b) => a.time - b.time)
        .map((p): [number, number] => [p.time, p.rate.toNumber()]),
    );
  }
  return out;
}

function csvRows(path: string) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  expect(header).toBe(CANDLE_CSV_HEADER);
  return lines.map((l) => l.split(',').map(Number));
}

describe('downloadHistory into a CSV', () => {
  it('pages through KuCoin klines, resumes after an interruption and writes every bar exactly once', async () => {
    const path = join(dir, 'xbt-1m.csv');
    const api = kucoinMarketDataApi(http);
    const req = { symbol: SYMBOL, timeframe: '1m' as const, from: FROM, to: TO };
    // the exchange starts failing right after the first page lands
    await expect(
      downloadHistory(api, csvSink(path), req, (done) => {
        if (done > 0) sim.faults.set({ errorResponses: 100, errorStatus: 503, pathPrefix: '/api/v1/kline' });
      }),
    ).rejects.toThrow();
    expect(csvRows(path)).toHaveLength(500);
    sim.faults.reset();
    const result = await downloadHistory(api, csvSink(path), req);
    expect(result).toMatchObject({ resumed: true, startedAt: FROM + 500 * M, bars: 200 });
    expect(csvRows(path)).toEqual(simBars(FROM, TO));
    // a third run has nothing left to do
    expect((await downloadHistory(api, csvSink(path), req)).bars).toBe(0);
  });

  it('writes the public funding-rate history beside the candles', async () => {
    const path = join(dir, 'xbt-funding.csv');
    const sink = csvSink(path);
    const result = await downloadHistory(kucoinMarketDataApi(http), sink, {
      symbol: SYMBOL,
      timeframe: '1h',
      from: FROM,
      to: TO,
      funding: true,
    });
    expect(result.fundingPoints).toBeGreaterThan(0);
    const lines = readFileSync(sink.fundingPath, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time,rate');
    const times = lines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(times.every((t) => t >= FROM && t < TO)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe('downloadHistory into PostgreSQL', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DbHandle;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    handle = await openDatabase({ url: tdb.url });
    await migrate(handle);
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
  });

  it('stores the bars as exchange candles and resumes from the newest stored one', async () => {
    const sink = databaseSink(dbCandleStore(handle.db));
    const api = kucoinMarketDataApi(http);
    await downloadHistory(api, sink, { symbol: SYMBOL, timeframe: '5m', from: FROM, to: FROM + 300 * M });
    const second = await downloadHistory(api, sink, { symbol: SYMBOL, timeframe: '5m', from: FROM, to: TO });
    expect(second).toMatchObject({ resumed: true, startedAt: FROM + 300 * M });
    const rows = await getCandles(handle.db, SYMBOL, '5m', new Date(FROM), new Date(TO));
    expect(rows).toHaveLength(140);
    expect(rows.every((r) => r.source === 'kucoin')).toBe(true);
    const expected = sim.engine
      .market(SYMBOL)
      .bars(5, FROM, TO - 1)
      .map((b) => [b.time, b.open, b.high, b.low, b.close, b.volume]);
    expect(
      rows.map((r) => [r.openTime.getTime(), ...[r.open, r.high, r.low, r.close, r.volume].map(Number)]),
    ).toEqual(expected);
  });

  it('stores the funding history as settled rates and resumes after an interruption', async () => {
    const sink = databaseSink(dbCandleStore(handle.db), dbFundingSink(handle.db));
    const api = kucoinMarketDataApi(http);
    // ten days: three 4-day funding windows
    const req = { symbol: SYMBOL, timeframe: '1d' as const, from: T0 - 10 * DAY, to: TO, funding: true };
    await expect(
      downloadHistory(api, sink, req, (done, _total, what) => {
        if (what === 'funding' && done > 0)
          sim.faults.set({
            errorResponses: 100,
            errorStatus: 503,
            pathPrefix: '/api/v1/contract/funding-rates',
          });
      }),
    ).rejects.toThrow();
    sim.faults.reset();
    const partial = await getFundingRates(handle.db, SYMBOL, new Date(req.from), new Date(req.to), 'settled');
    expect(partial.length).toBeGreaterThan(0);

    const second = await downloadHistory(api, sink, req);
    const stored = await getFundingRates(handle.db, SYMBOL, new Date(req.from), new Date(req.to));
    const expected = await exchangeFunding(req.from, req.to);
    expect(expected.length).toBeGreaterThan(partial.length);
    expect(second).toMatchObject({ fundingPoints: expected.length - partial.length });
    expect(stored.map((r) => [r.kind, r.fundingTime.getTime(), Number(r.rate)])).toEqual(
      expected.map(([t, rate]) => ['settled', t, rate]),
    );
    // a third run has nothing left to fetch
    expect((await downloadHistory(api, sink, req)).fundingPoints).toBe(0);
  });

  it('refuses funding rates for a destination without a funding table', async () => {
    await expect(
      downloadHistory(kucoinMarketDataApi(http), databaseSink(dbCandleStore(handle.db)), {
        symbol: SYMBOL,
        timeframe: '1h',
        from: FROM,
        to: TO,
        funding: true,
      }),
    ).rejects.toThrow(/cannot store funding/);
  });

  it('enigma data download --funding without --out writes the funding history to DATABASE_URL', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = tdb.url;
    try {
      const from = T0 - 20 * DAY;
      const to = T0 - 16 * DAY;
      const code = await dataCommand.run({
        values: {
          symbol: SYMBOL,
          timeframe: '1d',
          from: String(from),
          to: String(to),
          funding: true,
          url: sim.url,
        },
        positionals: ['download'],
      });
      expect(code).toBe(0);
      const stored = await getFundingRates(handle.db, SYMBOL, new Date(from), new Date(to), 'settled');
      expect(stored.map((r) => [r.fundingTime.getTime(), Number(r.rate)])).toEqual(
        await exchangeFunding(from, to),
      );
      expect(stored.length).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe('enigma data download', () => {
  it('downloads into --out from the --url exchange and exits 0', async () => {
    const out = join(dir, 'cli.csv');
    const code = await dataCommand.run({
      values: { symbol: SYMBOL, timeframe: '15m', from: String(FROM), to: String(TO), out, url: sim.url },
      positionals: ['download'],
    });
    expect(code).toBe(0);
    expect(csvRows(out)).toHaveLength(700 / 15 - ((700 / 15) % 1));
  });

  it('rejects bad arguments with exit code 2 before any request', async () => {
    const code = await dataCommand.run({
      values: { symbol: SYMBOL, timeframe: '7m', from: '2025-01-01', url: sim.url },
      positionals: ['download'],
    });
    expect(code).toBe(2);
  });
});
