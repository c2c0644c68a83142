/** The signals that stop a long-running command cleanly. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * Resolves on the first SIGINT or SIGTERM, with it. A Ctrl-C reaches every process in the terminal's
 * group, and pnpm (`pnpm enigma start`) passes its own copy on to the command a few milliseconds later:
 * with a one-time listener that copy killed the process halfway through its clean stop, and pnpm printed
 * `ELIFECYCLE Command failed`. Copies within `graceMs` of the first are absorbed; a later one (a second
 * Ctrl-C by a user who will not wait) exits at once with 130, saying so.
 */
export function untilStopSignal({ graceMs = 2_000 }: { graceMs?: number } = {}): Promise<StopSignal> {
  return new Promise((resolve) => {
    let first: number | undefined;
    const on = (signal: StopSignal) => {
      if (first === undefined) {
        first = Date.now();
        resolve(signal);
        return;
      }
      if (Date.now() - first < graceMs) return;
      console.error(`\n${signal} again: exiting without a clean stop`);
      process.exit(130);
    };
    process.on('SIGINT', () => on('SIGINT'));
    process.on('SIGTERM', () => on('SIGTERM'));
  });
}
