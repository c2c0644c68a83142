/**
 * Client factories for the three drivers, one schema and one `EnigmaDb` type for all.
 *
 * This module has no top-level Node-only import: `pg`, PGlite, `ws` and the file-reading migrators are
 * loaded with dynamic `import()` inside the functions that need them, so bundling it for a Worker is safe
 * (a Worker only ever takes the Neon path; see client.edge.ts for the smallest edge entry point).
 */
import { sql } from 'drizzle-orm';
import { configureNeon, type NeonOptions, openNeonPool } from './client.edge.ts';
import { type EnigmaDb, rowsOf } from './db-type.ts';
import * as schema from './schema/index.ts';

export { type NeonOptions, neonHttp } from './client.edge.ts';
export type { EnigmaDb } from './db-type.ts';

/** Which driver a handle uses. */
export type DbKind = 'pglite' | 'pg' | 'neon';

/** An open database: the drizzle instance plus what is needed to migrate and close it. */
export interface DbHandle {
  kind: DbKind;
  db: EnigmaDb;
  close(): Promise<void>;
}

/** How to open the database; see `openDatabase` for the selection rules. */
export interface OpenDatabaseOptions {
  /** postgres:// or postgresql:// URL (DATABASE_URL). Absent → embedded PGlite. */
  url?: string;
  /** PGlite data directory (ENIGMA_DATA_DIR/pglite); `memory://` for an in-memory database. */
  dataDir?: string;
  /** Force a driver; 'neon' needs `url`. */
  kind?: DbKind;
  /** Neon driver settings for non-Neon servers (local proxy). */
  neon?: NeonOptions;
}

/** Default PGlite directory, relative to the working directory. */
export const DEFAULT_PGLITE_DIR = '.data/pglite';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Open a database. Rules: `kind: 'neon'` → Neon serverless Pool over WebSocket (optionally through
 * `neon.wsProxy`); otherwise a `url` → node-postgres Pool; otherwise PGlite persisted at `dataDir`
 * (default `.data/pglite`).
 *
 * @example const handle = await openDatabase({ url: process.env.DATABASE_URL });
 */
export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<DbHandle> {
  const kind: DbKind = opts.kind ?? (opts.url ? 'pg' : 'pglite');
  if (kind === 'neon') {
    if (!opts.url) throw new Error('openDatabase: kind "neon" needs a url');
    const webSocket = isNode ? (await import('ws')).WebSocket : undefined;
    configureNeon(opts.neon ?? {}, webSocket);
    const { db, pool } = openNeonPool(opts.url);
    return { kind, db, close: () => pool.end() };
  }
  if (kind === 'pg') {
    if (!opts.url || !/^postgres(ql)?:\/\//.test(opts.url)) {
      throw new Error('openDatabase: kind "pg" needs a postgres:// url');
    }
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    // Two connections stay open however long the process is idle (pg closes idle ones after 10 s by
    // default, so an alert after a quiet spell paid a new connection, ~25 ms here and more to a remote
    // server); the rest close after 30 s idle. TCP keep-alive holds them through NATs; an idle pool
    // never keeps a process from exiting.
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: 10,
      min: 2,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      allowExitOnIdle: true,
    });
    // An idle client losing its connection (server restart, admin termination) is dropped by the pool;
    // without a listener Node would treat the event as an uncaught error and exit.
    pool.on('error', () => {});
    const db = drizzle({ client: pool, schema }) as unknown as EnigmaDb;
    return { kind, db, close: () => pool.end() };
  }
  const dataDir = opts.dataDir ?? DEFAULT_PGLITE_DIR;
  let unlock = async () => {};
  if (isNode && !dataDir.includes('://')) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  let client: Awaited<ReturnType<typeof PGlite.create>>;
  try {
    client = await PGlite.create({ dataDir });
  } catch (error) {
    await unlock();
    throw error;
  }
  const db = drizzle({ client, schema }) as unknown as EnigmaDb;
  return {
    kind,
    db,
    close: async () => {
      try {
        await client.close();
      } finally {
        await unlock();
      }
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same directory (`enigma trace` while
 * `enigma start` runs) rewrites its control files under it. The first process to open a directory listens
 * on a Unix socket there (`enigma.sock`, answering its pid); another process's open finds it answering and
 * is refused with a clear error. The operating system ends the listening with the process, so a holder
 * killed without closing leaves only a dead socket file, taken over (a pid file could name a live process
 * after a reboot or in a restarted container). Opens within one process share the hold. Returns what lets
 * it go on close. Where a socket cannot be made (a path too long for one), the directory is not held.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const { resolve, join } = await import('node:path');
  const path = join(resolve(dataDir), 'enigma.sock');
  const mine = heldDirs.get(path);
  if (mine) {
    mine.count++;
    return releaseDir(path);
  }
  let server: import('node:net').Server;
  try {
    server = await listenOn(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return async () => {};
    const holder = await holderOf(path);
    if (holder !== null)
      throw new Error(
        `the embedded database at ${dataDir} is in use by process ${holder || '?'} (enigma start?): stop it first, or set DATABASE_URL`,
      );
    const { rmSync } = await import('node:fs');
    rmSync(path, { force: true });
    server = await listenOn(path);
  }
  heldDirs.set(path, { count: 1, server });
  return releaseDir(path);
}

const heldDirs = new Map<string, { count: number; server: import('node:net').Server }>();

async function listenOn(path: string): Promise<import('node:net').Server> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.end(String(process.pid)));
    server.once('error', reject);
    server.listen(path, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** The pid a live holder answers ('' when it answers nothing), or null when nothing listens. */
async function holderOf(path: string): Promise<string | null> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    let data = '';
    const c = net.connect(path);
    c.setTimeout(2_000, () => {
      c.destroy();
      resolve(data.trim());
    });
    c.on('data', (d) => {
      data += String(d);
    });
    c.on('end', () => resolve(data.trim()));
    c.on('error', () => resolve(null));
  });
}

function releaseDir(path: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const held = heldDirs.get(path);
    if (!held || --held.count > 0) return;
    heldDirs.delete(path);
    await new Promise<void>((resolve) => held.server.close(() => resolve()));
    const { rmSync } = await import('node:fs');
    rmSync(path, { force: true });
  };
}

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

async function migrationsFolder(): Promise<string> {
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(new URL('../migrations', import.meta.url));
}

async function readJournal(): Promise<JournalEntry[]> {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const raw = readFileSync(join(await migrationsFolder(), 'meta', '_journal.json'), 'utf8');
  return (JSON.parse(raw) as { entries: JournalEntry[] }).entries;
}

/** created_at (the migration's folderMillis) of every applied migration; empty before the first migrate. */
async function appliedMillis(db: EnigmaDb): Promise<number[]> {
  const exists = rowsOf<{ t: string | null }>(
    await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  );
  if (!exists[0]?.t) return [];
  const rows = rowsOf<{ created_at: string | number }>(
    await db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`),
  );
  return rows.map((r) => Number(r.created_at));
}

/** drizzle's migrators apply every journal entry newer than the newest applied one. */
function pendingOf(journal: JournalEntry[], applied: number[]): JournalEntry[] {
  const last = applied.length ? Math.max(...applied) : -1;
  return journal.filter((e) => e.when > last);
}

/**
 * Apply pending migrations from db/migrations with drizzle's migrator for the handle's driver (Node only:
 * it reads the SQL files from disk). Idempotent: a second call applies nothing, and concurrent calls from
 * several processes apply each migration once. On pg/Neon it needs two pooled connections.
 */
export async function migrate(
  handle: DbHandle,
  onProgress: (msg: string) => void = () => {},
): Promise<{ applied: string[] }> {
  if (handle.kind === 'pglite') return applyPending(handle, onProgress);
  // Two processes (a release command and an app starting) may migrate at once. Serialise them with a
  // transaction-level advisory lock held on one pooled connection while the migrator runs on another;
  // the second process then finds nothing pending. PGlite has one connection and one process: no lock.
  return handle.db.transaction(async (tx) => {
    onProgress('waiting for the migration lock');
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    return applyPending(handle, onProgress);
  });
}

/** Arbitrary constant naming "enigma migrations" among advisory locks. */
const MIGRATION_LOCK_KEY = 7_263_001_512;

async function applyPending(
  handle: DbHandle,
  onProgress: (msg: string) => void,
): Promise<{ applied: string[] }> {
  const journal = await readJournal();
  const pending = pendingOf(journal, await appliedMillis(handle.db));
  if (pending.length === 0) {
    onProgress(`database is up to date (${journal.length} migrations)`);
    return { applied: [] };
  }
  onProgress(`applying ${pending.length} migration(s): ${pending.map((e) => e.tag).join(', ')}`);
  const config = { migrationsFolder: await migrationsFolder() };
  // biome-ignore lint/suspicious/noExplicitAny: each migrator wants its own driver's database class
  const db = handle.db as any;
  if (handle.kind === 'pglite') await (await import('drizzle-orm/pglite/migrator')).migrate(db, config);
  else if (handle.kind === 'pg')
    await (await import('drizzle-orm/node-postgres/migrator')).migrate(db, config);
  else await (await import('drizzle-orm/neon-serverless/migrator')).migrate(db, config);
  onProgress(`applied ${pending.map((e) => e.tag).join(', ')}`);
  return { applied: pending.map((e) => e.tag) };
}

/** Connectivity and migration status, for `enigma db check` and health endpoints. */
export async function checkDatabase(handle: DbHandle): Promise<{
  ok: boolean;
  kind: DbKind;
  serverVersion: string;
  applied: number;
  pending: number;
  timescale: boolean;
}> {
  const version = rowsOf<{ v: string }>(
    await handle.db.execute(sql`select current_setting('server_version') as v`),
  );
  const ts = rowsOf<{ n: string | number }>(
    await handle.db.execute(sql`select count(*) as n from pg_extension where extname = 'timescaledb'`),
  );
  const applied = await appliedMillis(handle.db);
  const pending = pendingOf(await readJournal(), applied).length;
  return {
    ok: pending === 0,
    kind: handle.kind,
    serverVersion: version[0]?.v ?? 'unknown',
    applied: applied.length,
    pending,
    timescale: Number(ts[0]?.n ?? 0) > 0,
  };
}
