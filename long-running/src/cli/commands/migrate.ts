import { join } from 'node:path';
import { migrate, openDatabase } from '@enigma/db';
import { loadEnv } from '../../env.ts';
import { ensureDataDir } from '../../runtime/data-dir.ts';
import type { CliCommand } from '../command.ts';

/** Shared by `migrate` and `db:check`: DATABASE_URL when set, else the embedded PGlite under the data dir. */
export async function openConfiguredDatabase() {
  const env = loadEnv();
  const url = env.DATABASE_URL;
  const dataDir = url ? undefined : join(ensureDataDir(env.ENIGMA_DATA_DIR), 'pglite');
  const handle = await openDatabase({ url, dataDir });
  return { handle, where: url ? redactUrl(url) : `PGlite at ${dataDir}` };
}

/** A database URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'apply pending database migrations (DATABASE_URL, or the embedded PGlite under ENIGMA_DATA_DIR)',
  usage: 'usage: enigma migrate',
  async run() {
    const { handle, where } = await openConfiguredDatabase();
    try {
      console.error(`migrating ${where}`);
      const { applied } = await migrate(handle, (m) => console.error(`  ${m}`));
      console.log(applied.length ? `applied ${applied.length} migration(s)` : 'already up to date');
      return 0;
    } finally {
      await handle.close();
    }
  },
};
