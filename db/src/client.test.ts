import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabase, type DbHandle, lockDataDir, migrate, openDatabase } from './client.ts';
import { rowsOf } from './db-type.ts';
import { signals } from './schema/index.ts';
import { startNeonWsProxy } from './testing/neon-ws-proxy.ts';
import { createTestDatabase } from './testing/pg.ts';

async function tableNames(handle: DbHandle): Promise<string[]> {
  const rows = rowsOf<{ t: string }>(
    await handle.db.execute(
      sql`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`,
    ),
  );
  return rows.map((r) => r.t);
}

const EXPECTED_TABLES = [
  'account_balances',
  'alert_notices',
  'api_keys',
  'audit_head',
  'audit_log',
  'candles',
  'circuit_breakers',
  'closed_trades',
  'commands',
  'daily_reports',
  'engine_leases',
  'exchange_accounts',
  'exchange_credentials',
  'fills',
  'funding_payments',
  'funding_rates',
  'indicator_snapshots',
  'job_schedules',
  'jobs',
  'mark_price_samples',
  'model_scores',
  'order_intents',
  'orders',
  'outbox',
  'position_snapshots',
  'positions',
  'refresh_tokens',
  'risk_events',
  'risk_limit_levels',
  'settings',
  'signals',
  'users',
  'webhook_source_secrets',
  'webhook_sources',
];

describe('migrations on an empty PostgreSQL database', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let handle: DbHandle;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    handle = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await handle?.close();
    await tdb?.drop();
  });

  it('reports every migration pending before the first run', async () => {
    const before = await checkDatabase(handle);
    expect(before).toMatchObject({ ok: false, kind: 'pg', applied: 0, timescale: false });
    expect(before.pending).toBeGreaterThan(0);
    expect(before.serverVersion).toMatch(/^\d+/);
  });

  it('applies cleanly, then a second run applies nothing', async () => {
    const messages: string[] = [];
    const first = await migrate(handle, (m) => messages.push(m));
    expect(first.applied).toContain('0000_init');
    expect(first.applied).toContain('0001_candles_storage');
    expect(messages.length).toBeGreaterThan(0);
    expect(await tableNames(handle)).toEqual(EXPECTED_TABLES);
    const second = await migrate(handle);
    expect(second.applied).toEqual([]);
    const after = await checkDatabase(handle);
    expect(after).toMatchObject({ ok: true, pending: 0, applied: first.applied.length });
  });

  it('falls back to a BRIN index on candles.open_time without TimescaleDB', async () => {
    const rows = rowsOf<{ indexdef: string }>(
      await handle.db.execute(
        sql`select indexdef from pg_indexes where indexname = 'candles_open_time_brin'`,
      ),
    );
    expect(rows[0]?.indexdef).toMatch(/USING brin \(open_time\)/);
  });

  it('indexes mark_price_samples.ts with BRIN', async () => {
    const rows = rowsOf<{ indexdef: string }>(
      await handle.db.execute(
        sql`select indexdef from pg_indexes where indexname = 'mark_price_samples_ts_brin'`,
      ),
    );
    expect(rows[0]?.indexdef).toMatch(/USING brin \(ts\)/);
  });

  it('enforces the signal status enum in the database', async () => {
    await expect(
      handle.db.insert(signals).values({ source: 'tradingview', status: 'bogus' as never }),
    ).rejects.toThrow();
  });
});

describe('concurrent migrations from two processes', () => {
  it('apply once: the second migrator waits for the first, then finds nothing to do', async () => {
    const tdb = await createTestDatabase();
    const a = await openDatabase({ url: tdb.url });
    const b = await openDatabase({ url: tdb.url });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const applied = [...ra.applied, ...rb.applied].sort();
      expect(applied).toEqual([...new Set(applied)]);
      expect(applied).toContain('0000_init');
      expect(await checkDatabase(a)).toMatchObject({ ok: true, pending: 0 });
    } finally {
      await a.close();
      await b.close();
      await tdb.drop();
    }
  });
});

describe('migrations on PGlite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'enigma-pglite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies to a fresh data directory, twice, and survives a reopen', async () => {
    const handle = await openDatabase({ dataDir: join(dir, 'pglite') });
    expect(handle.kind).toBe('pglite');
    const first = await migrate(handle);
    expect(first.applied.length).toBeGreaterThan(0);
    expect((await migrate(handle)).applied).toEqual([]);
    expect(await tableNames(handle)).toEqual(EXPECTED_TABLES);
    await handle.close();

    const reopened = await openDatabase({ dataDir: join(dir, 'pglite') });
    expect(await checkDatabase(reopened)).toMatchObject({ ok: true, kind: 'pglite', pending: 0 });
    expect((await migrate(reopened)).applied).toEqual([]);
    await reopened.close();
  });

  it('refuses a data directory another live process holds (enigma trace while enigma start runs); a killed holder’s is taken over', async () => {
    const dataDir = join(dir, 'locked');
    mkdirSync(dataDir, { recursive: true });
    const sock = join(dataDir, 'enigma.sock');
    // another process holding the directory as openDatabase does: listening on its socket, answering its pid
    const other = spawn(process.execPath, [
      '-e',
      "require('node:net').createServer((c) => c.end(String(process.pid))).listen(process.argv[1], () => console.log('up'))",
      sock,
    ]);
    try {
      await new Promise((r) => other.stdout.once('data', r));
      await expect(openDatabase({ dataDir })).rejects.toThrow(`in use by process ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // killed without closing: its socket file is left, nothing listens on it — taken over
    expect(existsSync(sock)).toBe(true);
    const handle = await openDatabase({ dataDir });
    await handle.close();
    expect(existsSync(sock)).toBe(false);
    // holds within one process are shared: the socket goes with the last release
    const first = await lockDataDir(dataDir);
    const second = await lockDataDir(dataDir);
    await first();
    expect(existsSync(sock)).toBe(true);
    await second();
    expect(existsSync(sock)).toBe(false);
  });
});

describe('Neon serverless driver through the local WebSocket proxy', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: Awaited<ReturnType<typeof startNeonWsProxy>>;
  let handle: DbHandle;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    proxy = await startNeonWsProxy();
    handle = await openDatabase({ kind: 'neon', url: tdb.url, neon: { wsProxy: proxy.wsProxy } });
  });
  afterAll(async () => {
    await handle?.close();
    await proxy?.close();
    await tdb?.drop();
  });

  it('migrates and reports the real server', async () => {
    const result = await migrate(handle);
    expect(result.applied).toContain('0000_init');
    expect(await checkDatabase(handle)).toMatchObject({ ok: true, kind: 'neon', pending: 0 });
  });

  it('commits a transaction and rolls back a failed one', async () => {
    await handle.db.transaction(async (tx) => {
      await tx.insert(signals).values({ source: 'neon-test', status: 'received', idempotencyKey: 'n-1' });
    });
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.insert(signals).values({ source: 'neon-test', status: 'received', idempotencyKey: 'n-2' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await handle.db.select({ key: signals.idempotencyKey }).from(signals);
    expect(rows.map((r) => r.key)).toEqual(['n-1']);
  });
});
