/**
 * Open a migrated, empty database on any of the three drivers for a test file, so one repository suite
 * runs against PGlite, real PostgreSQL and the Neon driver (through the local WebSocket proxy).
 */
import { type DbHandle, type DbKind, migrate, openDatabase } from '../client.ts';
import { startNeonWsProxy } from './neon-ws-proxy.ts';
import { createTestDatabase } from './pg.ts';

/** Every driver a repository suite should pass on. */
export const TEST_DRIVERS: readonly DbKind[] = ['pg', 'pglite', 'neon'];

/** A migrated test database; `url` is set for pg/neon (a fresh PostgreSQL database), null for PGlite. */
export interface TestHandle extends DbHandle {
  url: string | null;
  /** closes the handle, stops the proxy, drops the database */
  cleanup(): Promise<void>;
}

/**
 * @example
 * let h: TestHandle;
 * beforeAll(async () => { h = await openTestDatabase('pg'); });
 * afterAll(() => h.cleanup());
 */
export async function openTestDatabase(kind: DbKind): Promise<TestHandle> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await migrate(handle);
    return { ...handle, url: null, cleanup: () => handle.close() };
  }
  const tdb = await createTestDatabase();
  const proxy = kind === 'neon' ? await startNeonWsProxy() : null;
  const handle = await openDatabase({
    kind,
    url: tdb.url,
    neon: proxy ? { wsProxy: proxy.wsProxy } : undefined,
  });
  await migrate(handle);
  return {
    ...handle,
    url: tdb.url,
    cleanup: async () => {
      await handle.close();
      await proxy?.close();
      await tdb.drop();
    },
  };
}
