/**
 * Open a migrated, empty database on any of the three drivers for a test file, so one repository suite
 * runs against PGlite, real PostgreSQL and the Neon driver (through the local WebSocket proxy).
 */
import { configureNeon, neonHttp } from '../client.edge.ts';
import { type DbHandle, type DbKind, migrate, openDatabase } from '../client.ts';
import { startNeonWsProxy } from './neon-ws-proxy.ts';
import { createTestDatabase } from './pg.ts';

/** Every driver a repository suite should pass on. */
export const TEST_DRIVERS: readonly DbKind[] = ['pg', 'pglite', 'neon'];

/**
 * Drivers for suites that need no interactive transaction: also Neon's SQL-over-HTTP (`neonHttp`), served
 * by the local proxy's `/sql` endpoint.
 */
export const TEST_DRIVERS_WITH_HTTP: readonly TestDriver[] = [...TEST_DRIVERS, 'neon-http'];

/** A driver under test: one of the DbKinds, or `neon-http` (one-shot queries, no interactive transactions). */
export type TestDriver = DbKind | 'neon-http';

/** A migrated test database; `url` is set for pg/neon (a fresh PostgreSQL database), null for PGlite. */
export interface TestHandle extends Omit<DbHandle, 'kind'> {
  kind: TestDriver;
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
export async function openTestDatabase(kind: TestDriver): Promise<TestHandle> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
    await migrate(handle);
    return { ...handle, url: null, cleanup: () => handle.close() };
  }
  const tdb = await createTestDatabase();
  if (kind === 'neon-http') {
    const proxy = await startNeonWsProxy();
    const migrator = await openDatabase({ kind: 'pg', url: tdb.url });
    await migrate(migrator);
    await migrator.close();
    configureNeon({ fetchEndpoint: proxy.fetchEndpoint });
    return {
      kind,
      db: neonHttp(tdb.url),
      url: tdb.url,
      close: async () => {},
      cleanup: async () => {
        await proxy.close();
        await tdb.drop();
      },
    };
  }
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
