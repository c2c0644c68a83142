import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

/** The full drizzle schema type shared by every driver. */
export type EnigmaSchema = typeof schema;

/**
 * One database type for PGlite, node-postgres and Neon: repositories take it as their first argument and
 * use only the query builder, transactions and `execute` (whose rows `rowsOf` extracts driver-neutrally).
 */
export type EnigmaDb = PgDatabase<PgQueryResultHKT, EnigmaSchema>;

/** Rows of a `db.execute()` result, whatever the driver (all three return `{ rows }`; neon-http may return an array). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new TypeError('unexpected driver result: no rows array');
  return rows as T[];
}
