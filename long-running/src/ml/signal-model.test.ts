import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_COUNT, SEQUENCE_LENGTH } from '@enigma/core/features/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_PATH,
  ModelLoadError,
  type SignalModel,
  startSignalModel,
  startSignalModelOrDisabled,
} from './signal-model.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('model-outputs.json', fixtures), 'utf8')) as {
  inputs: number[][];
  probabilities: number[][];
  quality: number[];
};
const tmp = mkdtempSync(join(tmpdir(), 'enigma-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('startSignalModel start-up checks', () => {
  it('names a missing file', async () => {
    const path = join(tmp, 'nope.onnx');
    await expect(startSignalModel({ path })).rejects.toThrow(ModelLoadError);
    await expect(startSignalModel({ path })).rejects.toThrow(`file not found: ${path}`);
  });

  it('says a corrupt file is not a loadable ONNX model', async () => {
    const path = join(tmp, 'corrupt.onnx');
    writeFileSync(path, readFileSync(DEFAULT_MODEL_PATH).subarray(0, 4096));
    await expect(startSignalModel({ path })).rejects.toThrow(/corrupt\.onnx is not a loadable ONNX model/);
  });

  it('rejects a valid model whose input shape does not match the feature spec', async () => {
    const path = new URL('wrong-shape.onnx', fixtures).pathname;
    const error = await startSignalModel({ path }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toContain('[batch, 10, 5]');
    expect((error as Error).message).toContain(`[batch, ${SEQUENCE_LENGTH}, ${FEATURE_COUNT}]`);
  });

  it('falls back to a disabled model that says why', async () => {
    const seen: Error[] = [];
    const model = await startSignalModelOrDisabled({ path: join(tmp, 'missing.onnx') }, (e) => seen.push(e));
    expect(model.enabled).toBe(false);
    expect(model.enabled === false && model.reason).toMatch(/^model disabled: signal model: file not found/);
    expect(seen).toHaveLength(1);
  });
});

describe('the committed model in its worker', () => {
  let model: SignalModel;
  beforeAll(async () => {
    model = await startSignalModel();
  });
  afterAll(() => model?.close());

  it('reproduces the outputs torch computed for the same inputs at export', async () => {
    for (let i = 0; i < expected.inputs.length; i++) {
      const out = await model.predict(Float32Array.from(expected.inputs[i]!));
      const [long, short, neutral] = expected.probabilities[i]!;
      expect(out.probabilities.long).toBeCloseTo(long!, 4);
      expect(out.probabilities.short).toBeCloseTo(short!, 4);
      expect(out.probabilities.neutral).toBeCloseTo(neutral!, 4);
      expect(out.quality).toBeCloseTo(expected.quality[i]!, 4);
      expect(out.version).toMatch(/^signal-model@[0-9a-f]{12}$/);
      expect(['LONG', 'SHORT', 'WAIT']).toContain(out.gate.decision);
    }
  });

  it('scores a batch in one call, in order', async () => {
    const n = expected.inputs.length;
    const batch = await model.predictBatch(Float32Array.from(expected.inputs.flat()), n);
    const single = await Promise.all(expected.inputs.map((x) => model.predict(Float32Array.from(x))));
    expect(batch).toHaveLength(n);
    batch.forEach((b, i) => {
      // Batched kernels may sum in another order: equal to float32 precision, not bit for bit.
      expect(b.quality).toBeCloseTo(single[i]!.quality, 5);
      expect(b.probabilities.long).toBeCloseTo(single[i]!.probabilities.long, 5);
    });
  });

  it('rejects an input of the wrong size or with NaN, and keeps serving', async () => {
    await expect(model.predict(new Float32Array(5))).rejects.toThrow(/expected 1 × 32 × 14/);
    const bad = Float32Array.from(expected.inputs[0]!);
    bad[7] = Number.NaN;
    await expect(model.predict(bad)).rejects.toThrow(/NaN/);
    const ok = await model.predict(Float32Array.from(expected.inputs[0]!));
    expect(ok.quality).toBeCloseTo(expected.quality[0]!, 4);
  });
});
