/**
 * Candle rows written per second through `upsertCandles` (validation + one drizzle
 * INSERT … SELECT FROM unnest(column arrays) ON CONFLICT DO UPDATE per 10,000 rows) vs the classic raw
 * multi-row INSERT … VALUES … ON CONFLICT DO UPDATE (5,957 rows per statement, the parameter limit),
 * hand-built and sent with the driver's own query function, in the same run: node-postgres on the local PostgreSQL, and PGlite's
 * `query` in memory. 50,000 1m candles, table truncated before each run, best of two runs each.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { ratioOf } from '../../bench/types.ts';
import { type DbHandle, migrate } from '../src/client.ts';
import type { EnigmaDb } from '../src/db-type.ts';
import { type CandleInput, upsertCandles } from '../src/repositories/candles.ts';
import * as schema from '../src/schema/index.ts';
import { createTestDatabase } from '../src/testing/pg.ts';

const ROWS = 50_000;
/** The most rows a VALUES list of 11 parameters per row can carry under the 65535-parameter limit. */
const RAW_CHUNK_ROWS = Math.floor(65_535 / 11);
const GOAL = 0.5;

function makeRows(): CandleInput[] {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: ROWS }, (_, i) => {
    const p = 60_000 + Math.round(Math.sin(i / 50) * 1000);
    return {
      symbol: i % 2 ? 'XBTUSDTM' : 'ETHUSDTM',
      timeframe: '1m',
      openTime: new Date(t0 + Math.floor(i / 2) * 60_000),
      open: `${p}.1`,
      high: `${p + 12}.5`,
      low: `${p - 9}.25`,
      close: `${p + 3}.75`,
      volume: `${1000 + (i % 97)}.123`,
      turnover: `${(1000 + (i % 97)) * p}.5`,
      trades: i % 500,
      source: 'bench',
    };
  });
}

const COLS = [
  'symbol',
  'timeframe',
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'turnover',
  'trades',
  'source',
];
const UPSERT_TAIL = ` ON CONFLICT (symbol, timeframe, open_time) DO UPDATE SET ${COLS.slice(3)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

/** The peer: the same multi-row upsert, text and parameters built by hand, sent with the driver's query. */
async function rawInsert(query: (text: string, params: unknown[]) => Promise<unknown>, rows: CandleInput[]) {
  for (let i = 0; i < rows.length; i += RAW_CHUNK_ROWS) {
    const chunk = rows.slice(i, i + RAW_CHUNK_ROWS);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const r of chunk) {
      const n = params.length;
      tuples.push(`(${COLS.map((_, k) => `$${n + k + 1}`).join(',')})`);
      params.push(r.symbol, r.timeframe, r.openTime.toISOString(), r.open, r.high, r.low, r.close, r.volume);
      params.push(r.turnover, r.trades, r.source);
    }
    await query(`INSERT INTO candles (${COLS.join(',')}) VALUES ${tuples.join(',')}${UPSERT_TAIL}`, params);
  }
}

async function bestOf(
  runs: number,
  truncate: () => Promise<unknown>,
  fn: () => Promise<unknown>,
): Promise<number> {
  let best = 0;
  for (let r = 0; r < runs; r++) {
    await truncate();
    const started = performance.now();
    await fn();
    best = Math.max(best, ROWS / ((performance.now() - started) / 1000));
  }
  return best;
}

function result(driver: string, ours: number, peer: number, peerName: string): BenchResult {
  const ratio = ratioOf(ours, peer, true);
  return {
    name: `candle upsert, ${ROWS} rows (${driver})`,
    unit: 'rows/s',
    value: ours,
    higherIsBetter: true,
    peer: { name: peerName, value: peer },
    ratio,
    goal: `>= ${GOAL}x raw`,
    goalMet: ratio >= GOAL,
  };
}

const suite: BenchSuite = {
  name: 'db candles',
  async run(progress: (message: string) => void): Promise<BenchResult[]> {
    const rows = makeRows();
    const results: BenchResult[] = [];

    progress('PostgreSQL: creating a scratch database');
    const tdb = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: tdb.url, max: 2 });
    pool.on('error', () => {});
    try {
      const db = drizzlePg({ client: pool, schema }) as unknown as EnigmaDb;
      const handle: DbHandle = { kind: 'pg', db, close: async () => {} };
      await migrate(handle);
      const truncate = () => pool.query('TRUNCATE candles');
      // Interleave so neither side benefits from a warmer cache or a later checkpoint.
      const ours1 = await bestOf(1, truncate, () => upsertCandles(db, rows));
      const raw1 = await bestOf(1, truncate, () => rawInsert((t, p) => pool.query(t, p), rows));
      const ours2 = await bestOf(1, truncate, () => upsertCandles(db, rows));
      const raw2 = await bestOf(1, truncate, () => rawInsert((t, p) => pool.query(t, p), rows));
      results.push(
        result('PostgreSQL', Math.max(ours1, ours2), Math.max(raw1, raw2), 'raw multi-row INSERT via pg'),
      );
      progress(
        `PostgreSQL: ours ${Math.max(ours1, ours2).toFixed(0)} rows/s, raw ${Math.max(raw1, raw2).toFixed(0)}`,
      );
    } finally {
      await pool.end();
      await tdb.drop();
    }

    progress('PGlite (in memory): migrating');
    const client = await PGlite.create({ dataDir: 'memory://' });
    try {
      const db = drizzlePglite({ client, schema }) as unknown as EnigmaDb;
      await migrate({ kind: 'pglite', db, close: async () => {} });
      const truncate = () => client.query('TRUNCATE candles');
      const ours1 = await bestOf(1, truncate, () => upsertCandles(db, rows));
      const raw1 = await bestOf(1, truncate, () => rawInsert((t, p) => client.query(t, p), rows));
      const ours2 = await bestOf(1, truncate, () => upsertCandles(db, rows));
      const raw2 = await bestOf(1, truncate, () => rawInsert((t, p) => client.query(t, p), rows));
      results.push(
        result(
          'PGlite',
          Math.max(ours1, ours2),
          Math.max(raw1, raw2),
          "raw multi-row INSERT via PGlite's query",
        ),
      );
    } finally {
      await client.close();
    }
    return results;
  },
};

export default suite;
