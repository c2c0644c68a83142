/**
 * The engine bench's simulator in a process of its own (`node --import tsx bench/sim-process.ts`,
 * forked by engine.bench.ts): the real exchange is remote, so its matching, pushes and answers must not
 * share the engine's event loop. Sends `{ url }` over IPC once listening; closes on `close` or when the
 * parent goes away.
 */
import pino from 'pino';
import { startSimulator } from '../src/sim/server.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startSimulator>[0];
const sim = await startSimulator({ ...options, logger: pino({ level: 'silent' }) });
let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await sim.close().catch(() => {});
  process.exit(0);
};
process.on('message', (m) => {
  if (m === 'close') void close();
});
process.on('disconnect', () => void close());
process.send?.({ url: sim.url });
