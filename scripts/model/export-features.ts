/**
 * Writes the model features and labels of the training candles for scripts/model/train.py.
 *
 *   npx -y pnpm@10 exec tsx scripts/model/export-features.ts [--out /tmp/enigma-features]
 *
 * Output (never committed: it is derived in bulk from ../shared/data): one `<series>.f64` per
 * candle file, row-major little-endian float64 with the columns of manifest.json, and manifest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  computeFeatures,
  computeLabels,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_WARMUP,
  LABEL_SPEC,
  SEQUENCE_LENGTH,
} from '../../core/src/features/index.ts';
import { readCandleCsv } from '../../long-running/src/ml/candles-csv.ts';

/** The training series: every 1-minute file of both venues. */
export const TRAINING_SERIES = [
  'binance-futures/BTCUSDT-1m.csv',
  'binance-futures/ETHUSDT-1m.csv',
  'binance-futures/SOLUSDT-1m.csv',
  'kucoin-spot/BTC-USDT-1m.csv',
  'kucoin-spot/ETH-USDT-1m.csv',
  'kucoin-spot/SOL-USDT-1m.csv',
];

const here = dirname(fileURLToPath(import.meta.url));
const candlesDir = resolve(here, '../../../shared/data/candles');
const { values } = parseArgs({ options: { out: { type: 'string', default: '/tmp/enigma-features' } } });
const out = values.out!;
mkdirSync(out, { recursive: true });

const columns = ['time', ...FEATURE_NAMES, 'direction', 'quality', 'forward_return'];
const series = [];
for (const rel of TRAINING_SERIES) {
  const c = readCandleCsv(join(candlesDir, rel));
  const f = computeFeatures(c);
  const l = computeLabels(
    c.close,
    Array.from({ length: f.rows }, (_, i) => f.values[i * FEATURE_COUNT + FEATURE_NAMES.indexOf('atr_n')]!),
  );
  const width = columns.length;
  const buf = new Float64Array(f.rows * width);
  for (let i = 0; i < f.rows; i++) {
    buf[i * width] = c.time[i]!;
    buf.set(f.values.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), i * width + 1);
    buf[i * width + 1 + FEATURE_COUNT] = l.direction[i]!;
    buf[i * width + 2 + FEATURE_COUNT] = l.quality[i]!;
    buf[i * width + 3 + FEATURE_COUNT] = l.forwardReturn[i]!;
  }
  const name = rel.replace('/', '__').replace('.csv', '');
  writeFileSync(join(out, `${name}.f64`), new Uint8Array(buf.buffer));
  series.push({ name, file: rel, rows: f.rows, firstTime: c.time[0], lastTime: c.time[f.rows - 1] });
  process.stderr.write(`${rel}: ${f.rows} rows\n`);
}
const manifest = {
  columns,
  featureNames: FEATURE_NAMES,
  sequenceLength: SEQUENCE_LENGTH,
  featureWarmup: FEATURE_WARMUP,
  label: LABEL_SPEC,
  series,
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stderr.write(`wrote ${series.length} series to ${out}\n`);
