// Generates TA-Lib reference values for core/test/fixtures/talib/*.json.
// Run under the machine's Node 20 (talib 1.1.6 is a native addon built against it):
//   cd scripts/talib && npm install && node generate.mjs
// Each fixture names a slice of a CSV in ../shared/data (path relative to shared/data, first row,
// bar count) and holds TA-Lib's outputs for bars [compareFrom, count) of that slice (null where TA-Lib
// has no value yet, so the warm-up is compared too); the tests recompute ours from the same CSV at run time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// talib's main is the .node addon itself, which only require() can load
const talib = createRequire(import.meta.url)('talib');
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const shared = join(repo, '..', 'shared', 'data');
const outDir = join(repo, 'core', 'test', 'fixtures', 'talib');

const COMPARE_FROM = 0;
const COUNT = 2000;

/** TradingView's / TA-Lib's default periods. */
const DEFAULT_PARAMS = {
  sma: 20,
  ema: 20,
  rsi: 14,
  macd: [12, 26, 9],
  bollinger: [20, 2],
  atr: 14,
  stochRsi: [14, 14, 3, 3],
};

const cases = [
  {
    name: 'binance-btcusdt-1m-default',
    file: 'candles/binance-futures/BTCUSDT-1m.csv',
    start: 0,
    params: DEFAULT_PARAMS,
  },
  {
    name: 'kucoin-eth-usdt-1m-custom',
    file: 'candles/kucoin-spot/ETH-USDT-1m.csv',
    start: 20000,
    params: {
      sma: 7,
      ema: 50,
      rsi: 7,
      macd: [5, 35, 5],
      bollinger: [10, 1.5],
      atr: 5,
      stochRsi: [10, 7, 5, 4],
    },
  },
  {
    name: 'kucoin-sol-usdt-1m-default',
    file: 'candles/kucoin-spot/SOL-USDT-1m.csv',
    start: 30000,
    params: DEFAULT_PARAMS,
  },
  {
    name: 'binance-solusdt-1m-custom',
    file: 'candles/binance-futures/SOLUSDT-1m.csv',
    start: 12345,
    params: {
      sma: 50,
      ema: 9,
      rsi: 21,
      macd: [8, 21, 5],
      bollinger: [30, 2.5],
      atr: 21,
      stochRsi: [21, 9, 2, 5],
    },
  },
];

function readCandles(file, start, count) {
  const lines = readFileSync(join(shared, file), 'utf8').trim().split('\n');
  const rows = lines.slice(1 + start, 1 + start + count).map((l) => l.split(',').map(Number));
  if (rows.length !== count) throw new Error(`${file}: only ${rows.length} rows from ${start}`);
  const col = (i) => rows.map((r) => r[i]);
  return { time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

function run(name, inputs, opts) {
  const r = talib.execute({ name, startIdx: 0, endIdx: inputs.n - 1, ...inputs.series, ...opts });
  if (r.error) throw new Error(`${name}: ${r.error}`);
  return r;
}

/** TA-Lib output aligned to input bars, then cut to [COMPARE_FROM, COUNT). */
function aligned(r, key, n) {
  const full = new Array(n).fill(null);
  const out = r.result[key];
  for (let i = 0; i < out.length; i++) full[r.begIndex + i] = out[i];
  return full.slice(COMPARE_FROM);
}

mkdirSync(outDir, { recursive: true });
for (const c of cases) {
  const d = readCandles(c.file, c.start, COUNT);
  const n = COUNT;
  const close = { n, series: { inReal: d.close } };
  const hlc = { n, series: { high: d.high, low: d.low, close: d.close } };
  const p = c.params;
  const values = {};
  values.sma = aligned(run('SMA', close, { optInTimePeriod: p.sma }), 'outReal', n);
  values.ema = aligned(run('EMA', close, { optInTimePeriod: p.ema }), 'outReal', n);
  values.rsi = aligned(run('RSI', close, { optInTimePeriod: p.rsi }), 'outReal', n);
  // the signal model's features also use EMA-50 of the close and SMA-20 of the volume
  values.ema50 = aligned(run('EMA', close, { optInTimePeriod: 50 }), 'outReal', n);
  values.volumeSma20 = aligned(
    run('SMA', { n, series: { inReal: d.volume } }, { optInTimePeriod: 20 }),
    'outReal',
    n,
  );
  const m = run('MACD', close, {
    optInFastPeriod: p.macd[0],
    optInSlowPeriod: p.macd[1],
    optInSignalPeriod: p.macd[2],
  });
  values.macd = aligned(m, 'outMACD', n);
  values.macdSignal = aligned(m, 'outMACDSignal', n);
  values.macdHist = aligned(m, 'outMACDHist', n);
  // TA-Lib's MACD seeds the fast EMA at the slow EMA's first bar and starts all three outputs with the
  // signal; TradingView's is EMA(fast) − EMA(slow) from bar slow − 1, each EMA seeded by the SMA of its first
  // bars (TA-Lib's EMA does exactly that), and the signal is an EMA of the MACD line from there.
  const fastEma = run('EMA', close, { optInTimePeriod: p.macd[0] });
  const slowEma = run('EMA', close, { optInTimePeriod: p.macd[1] });
  const tvMacd = new Array(n).fill(null);
  for (let i = slowEma.begIndex; i < n; i++)
    tvMacd[i] = fastEma.result.outReal[i - fastEma.begIndex] - slowEma.result.outReal[i - slowEma.begIndex];
  const tvMacdLine = tvMacd.slice(slowEma.begIndex);
  const sig = run(
    'EMA',
    { n: tvMacdLine.length, series: { inReal: tvMacdLine } },
    { optInTimePeriod: p.macd[2] },
  );
  const tvSignal = new Array(n).fill(null);
  for (let i = 0; i < sig.result.outReal.length; i++)
    tvSignal[slowEma.begIndex + sig.begIndex + i] = sig.result.outReal[i];
  values.macdTradingView = tvMacd.slice(COMPARE_FROM);
  values.macdSignalTradingView = tvSignal.slice(COMPARE_FROM);
  values.macdHistTradingView = tvMacd
    .map((m, i) => (tvSignal[i] === null ? null : m - tvSignal[i]))
    .slice(COMPARE_FROM);
  const bb = run('BBANDS', close, {
    optInTimePeriod: p.bollinger[0],
    optInNbDevUp: p.bollinger[1],
    optInNbDevDn: p.bollinger[1],
    optInMAType: 0,
  });
  values.bbUpper = aligned(bb, 'outRealUpperBand', n);
  values.bbMiddle = aligned(bb, 'outRealMiddleBand', n);
  values.bbLower = aligned(bb, 'outRealLowerBand', n);
  values.atr = aligned(run('ATR', hlc, { optInTimePeriod: p.atr }), 'outReal', n);
  // TradingView's ATR counts bar 0's true range as high − low; TA-Lib skips bar 0. Prepending one bar
  // whose close is bar 0's close (inside bar 0's range) makes TA-Lib's first true range exactly bar 0's
  // high − low, so TA-Lib's ATR of the prepended series, shifted back one bar, is TradingView's ATR
  // from its very first value (bar period − 1).
  const pre = (a) => [d.close[0], ...a];
  const tv = run(
    'ATR',
    { n: n + 1, series: { high: pre(d.high), low: pre(d.low), close: pre(d.close) } },
    { optInTimePeriod: p.atr },
  );
  values.atrTradingView = aligned({ begIndex: tv.begIndex - 1, result: tv.result }, 'outReal', n);
  // TradingView's Stoch RSI = SMA(k) of the stochastic of RSI, SMA(d) of that. TA-Lib's STOCHRSI
  // smooths fastK/fastD differently, so the reference is RSI → STOCH with the RSI as high, low and
  // close, slowK = SMA(k), slowD = SMA(d).
  const [rsiPeriod, stochPeriod, kPeriod, dPeriod] = p.stochRsi;
  const r = run('RSI', close, { optInTimePeriod: rsiPeriod });
  const rsiSeries = r.result.outReal;
  const stoch = (slowD) => {
    const out = talib.execute({
      name: 'STOCH',
      startIdx: 0,
      endIdx: rsiSeries.length - 1,
      high: rsiSeries,
      low: rsiSeries,
      close: rsiSeries,
      optInFastK_Period: stochPeriod,
      optInSlowK_Period: kPeriod,
      optInSlowK_MAType: 0,
      optInSlowD_Period: slowD,
      optInSlowD_MAType: 0,
    });
    if (out.error) throw new Error(`STOCH: ${out.error}`);
    return out;
  };
  const st = stoch(dPeriod);
  // TA-Lib starts %K only when %D exists; TradingView's %K starts dPeriod − 1 bars earlier. The same
  // STOCH with a 1-bar %D gives %K from its first bar.
  const stK = stoch(1);
  values.stochRsiKTradingView = aligned(
    { begIndex: r.begIndex + stK.begIndex, result: stK.result },
    'outSlowK',
    n,
  );
  const shift = { begIndex: r.begIndex + st.begIndex, result: st.result };
  values.stochRsiK = aligned(shift, 'outSlowK', n);
  values.stochRsiD = aligned(shift, 'outSlowD', n);

  const fixture = {
    generator: `talib ${talib.version} (TA-Lib C library bundled with the npm package), scripts/talib/generate.mjs`,
    source: { file: c.file, start: c.start, count: COUNT },
    compareFrom: COMPARE_FROM,
    params: c.params,
    values,
  };
  const path = join(outDir, `${c.name}.json`);
  writeFileSync(path, `${JSON.stringify(fixture)}\n`);
  console.log(`wrote ${path}`);
}

// The repo's formatter (biome) lays number arrays out in filled lines; write them that way so
// `biome check` passes on the committed fixtures.
execFileSync(join(repo, 'node_modules', '.bin', 'biome'), ['format', '--write', outDir], {
  stdio: 'inherit',
});
