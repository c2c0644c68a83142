/**
 * ONNX inference latency, warm: the signal model (BiLSTM 2×128 + 8-head attention, 32 × 14 input)
 * against an Identity model of the same input shape, in the same run, both through onnxruntime-node
 * with one intra-op thread; plus the model through its worker thread (what the engine pays).
 */
import { performance } from 'node:perf_hooks';
import { FEATURE_COUNT, SEQUENCE_LENGTH } from '@enigma/core/features/index';
import * as ort from 'onnxruntime-node';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { DEFAULT_MODEL_PATH, startSignalModel } from '../src/ml/signal-model.ts';

const IDENTITY_PATH = new URL('../models/identity-32x14.onnx', import.meta.url).pathname;
const WARMUP = 50;
const RUNS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function input(): Float32Array {
  // Feature-like magnitudes; the numbers do not change the cost of an LSTM.
  return Float32Array.from({ length: SEQUENCE_LENGTH * FEATURE_COUNT }, (_, i) => Math.sin(i) * 0.3);
}

async function timeRuns(run: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await run();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await run();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 0.5), p99: percentile(t, 0.99) };
}

async function sessionLatency(path: string) {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = {
    [session.inputNames[0]!]: new ort.Tensor('float32', input(), [1, SEQUENCE_LENGTH, FEATURE_COUNT]),
  };
  try {
    return await timeRuns(() => session.run(feeds));
  } finally {
    await session.release();
  }
}

const suite: BenchSuite = {
  name: 'onnx inference',
  async run(progress) {
    progress('identity model (peer)');
    const identity = await sessionLatency(IDENTITY_PATH);
    progress('signal model, direct session');
    const model = await sessionLatency(DEFAULT_MODEL_PATH);
    progress('signal model through the worker thread');
    const worker = await startSignalModel();
    const seq = input();
    const viaWorker = await timeRuns(() => worker.predict(seq)).finally(() => worker.close());
    const results: BenchResult[] = [];
    for (const [q, label] of [
      ['p50', 'p50'],
      ['p99', 'p99'],
    ] as const) {
      results.push({
        name: `signal model inference ${label} (session.run, batch 1)`,
        unit: `ms ${label}`,
        value: model[q],
        higherIsBetter: false,
        peer: { name: 'identity model, same input shape', value: identity[q] },
        ratio: ratioOf(model[q], identity[q], false),
        ...(q === 'p99' ? { goal: '<= 10 ms', goalMet: model.p99 <= 10 } : {}),
      });
    }
    results.push({
      name: 'signal model via worker thread p99 (postMessage round trip + run)',
      unit: 'ms p99',
      value: viaWorker.p99,
      higherIsBetter: false,
      peer: { name: 'direct session.run p99', value: model.p99 },
      ratio: ratioOf(viaWorker.p99, model.p99, false),
      goal: '<= 10 ms',
      goalMet: viaWorker.p99 <= 10,
      extra: { p50: viaWorker.p50 },
    });
    return results;
  },
};

export default suite;
