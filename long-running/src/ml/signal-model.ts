import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { FEATURE_COUNT, SEQUENCE_LENGTH } from '@enigma/core/features/index';
import { applyGate, type GateVerdict, type ModelProbabilities } from '@enigma/core/scoring/gate';

/** The committed model, relative to this file. */
export const DEFAULT_MODEL_PATH = new URL('../../models/signal-model.onnx', import.meta.url).pathname;

/** A model file that cannot serve: missing, corrupt, or of the wrong input shape. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** One scored sequence. */
export interface ModelOutput {
  probabilities: ModelProbabilities;
  quality: number;
  gate: GateVerdict;
  /** `signal-model@<first 12 hex of the file's sha256>` */
  version: string;
}

/** A running model: an ONNX session in a worker thread. */
export interface SignalModel {
  readonly enabled: true;
  readonly version: string;
  readonly path: string;
  /** Scores one SEQUENCE_LENGTH × FEATURE_COUNT float32 window (oldest bar first). */
  predict(sequence: Float32Array): Promise<ModelOutput>;
  /** Scores `n` windows laid end to end. */
  predictBatch(sequences: Float32Array, n: number): Promise<ModelOutput[]>;
  close(): Promise<void>;
}

/** What scoring uses when the model could not start: it keeps working and says why. */
export interface DisabledModel {
  readonly enabled: false;
  readonly reason: string;
}

/** Options of startSignalModel. */
export interface SignalModelOptions {
  path?: string;
  /** Intra-op threads of the ONNX session (default 1: the box is shared with the engine). */
  threads?: number;
}

/**
 * Starts the model: reads the file, creates the ONNX session in a worker thread and checks its input
 * shape against the feature spec. Rejects with a ModelLoadError naming the problem.
 *
 * @example
 * const model = await startSignalModel();
 * const out = await model.predict(sequenceAt(computeFeatures(candles), lastRow));
 */
export async function startSignalModel(options: SignalModelOptions = {}): Promise<SignalModel> {
  const path = options.path ?? DEFAULT_MODEL_PATH;
  if (!existsSync(path)) throw new ModelLoadError(`signal model: file not found: ${path}`);
  const bytes = readFileSync(path);
  const version = `signal-model@${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
  const worker = new Worker(new URL('./inference-worker.mjs', import.meta.url), {
    workerData: {
      bytes: new Uint8Array(bytes),
      path,
      sequenceLength: SEQUENCE_LENGTH,
      featureCount: FEATURE_COUNT,
      threads: options.threads ?? 1,
    },
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (message: string) => {
      void worker.terminate();
      reject(new ModelLoadError(`signal model: ${message}`));
    };
    worker.once('message', (msg: { type: string; message?: string }) => {
      if (msg.type === 'ready') resolve();
      else fail(msg.message ?? 'worker failed to start');
    });
    worker.once('error', (error) => fail(error.message));
    worker.once('exit', (code) => fail(`worker exited with code ${code} during start-up`));
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');

  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (v: ModelOutput[]) => void; reject: (e: Error) => void; n: number }
  >();
  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('signal model: worker exited')));
  worker.on(
    'message',
    (msg: { id: number; probabilities?: Float32Array; quality?: Float32Array; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error !== undefined || !msg.probabilities || !msg.quality) {
        p.reject(new Error(`signal model: inference failed: ${msg.error ?? 'no output'}`));
        return;
      }
      const out: ModelOutput[] = [];
      for (let i = 0; i < p.n; i++) {
        const probabilities = {
          long: msg.probabilities[i * 3]!,
          short: msg.probabilities[i * 3 + 1]!,
          neutral: msg.probabilities[i * 3 + 2]!,
        };
        const quality = msg.quality[i]!;
        out.push({ probabilities, quality, gate: applyGate(probabilities, quality), version });
      }
      p.resolve(out);
    },
  );

  const predictBatch = (sequences: Float32Array, n: number) => {
    const size = SEQUENCE_LENGTH * FEATURE_COUNT;
    if (!Number.isInteger(n) || n < 1 || sequences.length !== n * size) {
      return Promise.reject(
        new Error(
          `signal model: expected ${n} × ${SEQUENCE_LENGTH} × ${FEATURE_COUNT} values, got ${sequences.length}`,
        ),
      );
    }
    for (const v of sequences) {
      if (!Number.isFinite(v))
        return Promise.reject(new Error('signal model: input contains NaN or Infinity'));
    }
    const id = nextId++;
    const input = Float32Array.from(sequences);
    return new Promise<ModelOutput[]>((resolve, reject) => {
      pending.set(id, { resolve, reject, n });
      worker.postMessage({ id, input, batch: n }, [input.buffer]);
    });
  };

  return {
    enabled: true,
    version,
    path,
    predictBatch,
    predict: async (sequence) => (await predictBatch(sequence, 1))[0]!,
    close: async () => {
      worker.removeAllListeners('exit');
      failAll(new Error('signal model: closed'));
      await worker.terminate();
    },
  };
}

/**
 * Starts the model, or returns a DisabledModel with the load error as its reason, so scoring keeps
 * working without it. `onDisabled` is where the caller logs that loudly.
 */
export async function startSignalModelOrDisabled(
  options: SignalModelOptions = {},
  onDisabled?: (error: Error) => void,
): Promise<SignalModel | DisabledModel> {
  try {
    return await startSignalModel(options);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    onDisabled?.(e);
    return { enabled: false, reason: `model disabled: ${e.message}` };
  }
}
