import pino from 'pino';
import { findSharedData } from './market/select.ts';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from './server.ts';

/** A simulator for tests: silent logs, fixed credentials, a funded account, fast steps. */
export function startTestSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    key: 'sim-key',
    secret: 'sim-secret',
    passphrase: 'sim-pass',
    initialBalance: 100_000,
    tickMs: 50,
    warmupMinutes: 120,
    logger: pino({ level: 'silent' }),
    ...opts,
  });
}

/** Re-exported for the simulator's and the engine's tests: the one `waitFor`. */
export { waitFor } from '../testing/wait-for.ts';

/**
 * The shared reference folder (`../shared/data`, with `kucoin-spec` beside it). Tests that compare with
 * KuCoin's samples or replay the recorded data fail loudly without it instead of skipping.
 */
export function requireSharedData(): string {
  const dir = findSharedData();
  if (!dir)
    throw new Error(
      'shared/data (recorded candles) and shared/kucoin-spec (KuCoin samples) were not found beside the checkout: ' +
        'these tests need them and do not skip',
    );
  return dir;
}
