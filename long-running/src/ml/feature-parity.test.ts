import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { computeFeatures, FEATURE_COUNT, INFERENCE_HISTORY, sequenceAt } from '@enigma/core/features/index';
import { describe, expect, it } from 'vitest';
import { readCandleCsv } from './candles-csv.ts';

/**
 * The trainer (scripts/model/train.py) wrote this fixture from the feature matrix it consumed:
 * 200 rows of one series verbatim and the sha256 of every series' whole matrix (float64 LE).
 * Recomputing them here from the same candles proves inference sees exactly the training features.
 */
const parity = JSON.parse(
  readFileSync(new URL('./fixtures/feature-parity.json', import.meta.url), 'utf8'),
) as {
  file: string;
  startRow: number;
  rows: number[][];
  sha256: Record<string, string>;
};
const candles = (file: string) =>
  new URL(`../../../../shared/data/candles/${file}`, import.meta.url).pathname;

describe('feature parity with the training data', () => {
  it(`recomputes the ${parity.rows.length} fixture rows of ${parity.file} exactly`, () => {
    const m = computeFeatures(readCandleCsv(candles(parity.file)));
    parity.rows.forEach((row, k) => {
      const i = parity.startRow + k;
      expect(Array.from(m.values.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT))).toEqual(row);
    });
  });

  it.each(Object.entries(parity.sha256))(
    'recomputes the whole feature matrix of %s bit for bit',
    (file, hash) => {
      const m = computeFeatures(readCandleCsv(candles(file)));
      const bytes = new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(hash);
    },
  );
});

describe('inference windows against the training matrix', () => {
  it(`a window computed from only the last ${INFERENCE_HISTORY} bars matches the whole-file features`, () => {
    const c = readCandleCsv(candles(parity.file));
    const full = computeFeatures(c);
    const end = 30_000;
    const from = end + 1 - INFERENCE_HISTORY;
    const cut = (a: Float64Array) => a.subarray(from, end + 1);
    const recent = computeFeatures({
      open: cut(c.open),
      high: cut(c.high),
      low: cut(c.low),
      close: cut(c.close),
      volume: cut(c.volume),
    });
    const live = sequenceAt(recent, recent.rows - 1);
    const trained = sequenceAt(full, end);
    // EMA/Wilder seeds decay to nothing over 500 bars; what is left is float32 rounding.
    live.forEach((v, i) => {
      expect(Math.abs(v - trained[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(trained[i]!)));
    });
  });
});
