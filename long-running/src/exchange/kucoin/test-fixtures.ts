import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test helper: load a recorded KuCoin payload from `test_data/` (samples from KuCoin's own spec). */
export function fixture(name: string): unknown {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'test_data', `${name}.json`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Test helper: load a recorded real REST response from the shared, read-only `shared/data/kucoin/`. */
export function sharedRecording(name: string): unknown {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'shared', 'data', 'kucoin'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shared/data/kucoin not found above the repository');
    dir = parent;
  }
  return JSON.parse(readFileSync(join(dir, 'shared', 'data', 'kucoin', `${name}.json`), 'utf8'));
}

/** The `data` of a `{code, data}` envelope fixture. */
export function fixtureData(name: string): unknown {
  return (fixture(name) as { data: unknown }).data;
}
