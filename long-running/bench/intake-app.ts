/**
 * The engine bench's webhook intake: the app `enigma start` serves (`createApp` from `@enigma/workers`)
 * on the given database and bus, limits out of the way (the intake benches' `benchDeps`), listening on a
 * loopback port. Served inside the bench's process (the one-process end to end) or by
 * `intake-process.ts` (the production topology).
 */
import type { Bus } from '@enigma/core/bus/types';
import type { EnigmaDb } from '@enigma/db';
import { createApp, MemoryKv } from '@enigma/workers';
import { benchDeps, listen } from '@enigma/workers/testing/bench-app';

export function serveBenchIntake(
  db: EnigmaDb,
  bus: Bus,
  masterKey: string,
): Promise<{ url: string; close(): Promise<void> }> {
  return listen(createApp(benchDeps(db, new MemoryKv(), bus, masterKey)).fetch);
}
