/**
 * The engine bench's simulator in a process of its own (`node --import tsx bench/sim-process.ts`,
 * forked by engine.bench.ts): the real exchange is remote, so its matching, pushes and answers must not
 * share the engine's event loop. Sends `{ url }` over IPC once listening; closes on `close` or when the
 * parent goes away.
 */
import pino from 'pino';
import { startSimulator } from '../src/sim/server.ts';
import { serveAsChild } from './child.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startSimulator>[0];
const sim = await startSimulator({ ...options, logger: pino({ level: 'silent' }) });
serveAsChild({ url: sim.url }, () => sim.close());
