// The ONNX session lives here, off the main event loop. Plain JS on purpose: a worker thread does
// not inherit the tsx loader under every runner (vitest, the CLI, a bundled build), plain ESM runs everywhere.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const { bytes, path, sequenceLength, featureCount, threads } = workerData;

function describeShape(shape) {
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d || '?'))).join(', ')}]`;
}

async function start() {
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new Error(`${path} is not a loadable ONNX model (corrupt or unsupported): ${error.message}`);
  }
  const input = session.inputMetadata[0];
  const want = `[batch, ${sequenceLength}, ${featureCount}]`;
  if (session.inputNames.length !== 1 || !input || !input.isTensor) {
    throw new Error(
      `${path} must have exactly one tensor input of shape ${want}, it has ${session.inputNames.length}`,
    );
  }
  const s = input.shape;
  if (input.type !== 'float32' || s.length !== 3 || s[1] !== sequenceLength || s[2] !== featureCount) {
    throw new Error(
      `${path} has input "${input.name}" ${input.type} ${describeShape(s)}, this build feeds float32 ${want} ` +
        '(retrain the model, or the feature spec and the model file are out of step)',
    );
  }
  for (const name of ['probabilities', 'quality']) {
    if (!session.outputNames.includes(name)) {
      throw new Error(`${path} has no output "${name}" (outputs: ${session.outputNames.join(', ')})`);
    }
  }
  return session;
}

let session;
try {
  session = await start();
  parentPort.postMessage({ type: 'ready', inputName: session.inputNames[0] });
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: error.message });
}

if (session) {
  const inputName = session.inputNames[0];
  parentPort.on('message', async (msg) => {
    try {
      const tensor = new ort.Tensor('float32', msg.input, [msg.batch, sequenceLength, featureCount]);
      const out = await session.run({ [inputName]: tensor });
      const probabilities = Float32Array.from(out.probabilities.data);
      const quality = Float32Array.from(out.quality.data);
      parentPort.postMessage({ id: msg.id, probabilities, quality }, [probabilities.buffer, quality.buffer]);
    } catch (error) {
      parentPort.postMessage({ id: msg.id, error: error.message });
    }
  });
}
