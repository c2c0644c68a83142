import { type Column, type SQL, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';

/**
 * Statements the engine runs several times per signal, built once per database handle and prepared
 * (`.prepare(name)`: node-postgres and Neon parse a named statement once per connection; PGlite reuses
 * the built query). Building a drizzle query is most of its cost at tens of statements a second, and
 * these have a fixed text: what varies is passed as parameters.
 *
 * A transaction handle gets its own (built once per transaction), so a prepared statement is never run
 * outside the connection it belongs to.
 */
const cache = new WeakMap<object, Map<string, unknown>>();

export function prepared<T>(db: EnigmaDb, name: string, build: (db: EnigmaDb) => T): T {
  let byName = cache.get(db);
  if (!byName) {
    byName = new Map();
    cache.set(db, byName);
  }
  let hit = byName.get(name) as T | undefined;
  if (hit === undefined) {
    hit = build(db);
    byName.set(name, hit);
  }
  return hit;
}

/**
 * A statement written as SQL (`sql` with `sql.placeholder(name)` for what varies), prepared under `name`
 * as the query builder's `.prepare(name)` does: for a statement the builder cannot express (a chain of
 * data-modifying CTEs). Its text must not depend on the parameters, so one name always means one text
 * (node-postgres refuses a second text under a name it has parsed on that connection).
 */
export function preparedSql(
  db: EnigmaDb,
  name: string,
  build: () => SQL,
): { execute(params: Record<string, unknown>): Promise<unknown> } {
  return prepared(db, name, (d) => {
    const inner = d as unknown as {
      dialect: { sqlToQuery(q: SQL): unknown };
      _: {
        session: { prepareQuery(q: unknown, fields: undefined, name: string, arrayMode: boolean): unknown };
      };
    };
    return inner._.session.prepareQuery(inner.dialect.sqlToQuery(build()), undefined, name, false) as {
      execute(params: Record<string, unknown>): Promise<unknown>;
    };
  });
}

/** The PostgreSQL type a patch parameter is cast to. */
export type ParamType = 'text' | 'int4' | 'numeric' | 'timestamptz' | 'jsonb' | 'boolean' | 'uuid';

/**
 * `SET` assignments for a fixed statement that writes any subset of `columns`: each column is set to
 * its parameter when its flag parameter is true and left as it is otherwise, so one prepared text
 * serves every patch. `patchParams` turns a patch into the parameters. `updated_at` is stamped as in
 * `placeholderSet`.
 */
export function maskedSet(
  columns: Record<string, { column: Column; type: ParamType }>,
  guard?: { when: SQL; orWhereNull: readonly string[] },
): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [key, { column, type }] of Object.entries(columns)) {
    // With a guard, a column is written only when the guard holds (or, for `orWhereNull`, while it is empty).
    const allowed = !guard
      ? sql``
      : guard.orWhereNull.includes(key)
        ? sql` and ((${guard.when}) or ${column} is null)`
        : sql` and (${guard.when})`;
    set[key] =
      sql`case when ${sql.placeholder(`set_${key}`)}::boolean${allowed} then ${sql.placeholder(`val_${key}`)}::${sql.raw(type)} else ${column} end`;
  }
  return { ...set, updatedAt: sql`now()` };
}

/**
 * `SET` assignments of each column to the parameter of the same name, cast to its type, and `updated_at`
 * to the database's `now()`: drizzle's own `updatedAt` default is computed when the query is built, so a
 * prepared statement would stamp every write with its preparation time.
 */
export function placeholderSet(columns: Record<string, ParamType>): Record<string, SQL> {
  const set: Record<string, SQL> = {};
  for (const [key, type] of Object.entries(columns))
    set[key] = sql`${sql.placeholder(key)}::${sql.raw(type)}`;
  return { ...set, updatedAt: sql`now()` };
}

/** The parameters of a `maskedSet` statement for `patch` (keys absent or undefined are left unchanged). */
export function patchParams(
  columns: Record<string, { type: ParamType }>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, { type }] of Object.entries(columns)) {
    const value = patch[key];
    const given = value !== undefined;
    params[`set_${key}`] = given;
    params[`val_${key}`] = !given || value === null ? null : toParam(value, type);
  }
  return params;
}

function toParam(value: unknown, type: ParamType): unknown {
  if (type === 'timestamptz') return value instanceof Date ? value.toISOString() : value;
  if (type === 'jsonb') return JSON.stringify(value);
  return value;
}
