import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';
import { signals } from '../schema/index.ts';
import { type NewOutboxEntry, OUTBOX_LEASE_SECONDS } from './outbox.ts';
import { preparedSql } from './prepared.ts';

/** A signal row as intake writes it. */
export interface IntakeSignalRow {
  id?: string;
  sourceId: string | null;
  source: string;
  idempotencyKey?: string | null;
  status: 'received' | 'rejected' | 'duplicate' | 'stale' | 'invalid' | 'failed';
  reason?: string | null;
  symbol?: string | null;
  rawSymbol?: string | null;
  action?: 'buy' | 'sell' | 'close' | 'reverse' | null;
  interval?: string | null;
  alertTime?: Date | null;
  receivedAt: Date;
  clientIp?: string | null;
  payload?: unknown;
  price?: string | null;
  contracts?: string | null;
  size?: string | null;
  duplicateOf?: string | null;
  metadata?: Record<string, unknown>;
}

/** A timestamp parameter (ISO text), or null. */
const ts = (d: Date | null | undefined) => (d ? d.toISOString() : null);
/** A jsonb parameter (JSON text), or null for an absent value. */
const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** One row's VALUES tuple, in the column order of `SIGNAL_COLUMNS`. */
function valuesOf(row: IntakeSignalRow, idempotent: boolean): SQL {
  return sql`(coalesce(${row.id ?? null}::uuid, gen_random_uuid()), ${row.sourceId}, ${row.source},
      ${idempotent ? (row.idempotencyKey ?? null) : null}, ${row.status}, ${row.reason ?? null}, ${row.symbol ?? null},
      ${row.rawSymbol ?? null}, ${row.action ?? null}, ${row.interval ?? null}, ${ts(row.alertTime)}::timestamptz,
      ${ts(row.receivedAt)}::timestamptz, ${row.clientIp ?? null}, ${json(row.payload)}::jsonb, ${row.price ?? null}::numeric,
      ${row.contracts ?? null}::numeric, ${row.size ?? null}::numeric, ${row.duplicateOf ?? null}::uuid,
      coalesce(${json(row.metadata)}::jsonb, '{}'::jsonb))`;
}

/** The columns intake writes, in the order of every VALUES tuple and parameter list below. */
const SIGNAL_COLUMNS = `id, source_id, source, idempotency_key, status, reason, symbol, raw_symbol,
      action, interval, alert_time, received_at, client_ip, payload, price, contracts, size, duplicate_of, metadata`;

const INSERT_COLUMNS = sql.raw(`insert into signals (${SIGNAL_COLUMNS})`);

/**
 * The INSERT as one SQL statement with parameters: intake's hot path, where drizzle's insert builder
 * cost more CPU than the rest of the request (see workers/bench/intake.bench.ts).
 */
function insertStatement(row: IntakeSignalRow, idempotent: boolean): SQL {
  return sql`${INSERT_COLUMNS} values ${valuesOf(row, idempotent)}
    ${idempotent ? sql`on conflict (idempotency_key) do nothing` : sql``}
    returning id`;
}

/**
 * An accepted signal: its id is chosen by the caller and its idempotency key is set. `outbox` is the
 * stream entry announcing it, written in the same statement (transactional outbox).
 */
export type AcceptedSignalRow = IntakeSignalRow & {
  id: string;
  idempotencyKey: string;
  outbox?: NewOutboxEntry;
};

/** Where an accepted signal's key is held: by this row (`inserted`) or by an earlier one (`id`). */
export interface AcceptedOutcome {
  id: string;
  inserted: boolean;
}

/**
 * Insert accepted signals with one multi-row statement (`ON CONFLICT (idempotency_key) DO NOTHING`);
 * returns one outcome per row, in order. Of several rows sharing a key, the first in `rows` wins and
 * the others report it. Rows losing to an existing row are resolved with one lookup. The rows that
 * are inserted get their outbox entries (leased for `OUTBOX_LEASE_SECONDS` to the caller, who
 * publishes them) in the same statement, so a row never exists without its entry. The statement
 * commits as a whole (autocommit) before this resolves, or fails as a whole.
 */
export async function insertAcceptedSignals(
  db: EnigmaDb,
  rows: readonly AcceptedSignalRow[],
): Promise<AcceptedOutcome[]> {
  if (rows.length === 0) return [];
  const insert = sql`${INSERT_COLUMNS} values ${sql.join(
    rows.map((r) => valuesOf(r, true)),
    sql`, `,
  )}
    on conflict (idempotency_key) do nothing
    returning id, idempotency_key`;
  const withOutbox = rows.filter((r) => r.outbox);
  const statement =
    withOutbox.length === 0
      ? insert
      : sql`with ins as (${insert}),
          ob as (insert into outbox (id, stream, payload, lease_until)
            select ins.id, v.stream, v.payload, now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS})
            from ins join (values ${sql.join(
              withOutbox.map(
                (r) => sql`(${r.id}::uuid, ${r.outbox!.stream}, ${JSON.stringify(r.outbox!.payload)}::jsonb)`,
              ),
              sql`, `,
            )}) as v(id, stream, payload) on v.id = ins.id)
          select id, idempotency_key from ins`;
  const holder = new Map<string, string>();
  for (const r of rowsOf<{ id: string; idempotency_key: string }>(await db.execute(statement))) {
    holder.set(r.idempotency_key, r.id);
  }
  const missing = [
    ...new Set(rows.filter((r) => !holder.has(r.idempotencyKey)).map((r) => r.idempotencyKey)),
  ];
  if (missing.length > 0) {
    const existing = await db
      .select({ id: signals.id, key: signals.idempotencyKey })
      .from(signals)
      .where(inArray(signals.idempotencyKey, missing));
    for (const e of existing) if (e.key) holder.set(e.key, e.id);
  }
  return rows.map((r) => {
    const id = holder.get(r.idempotencyKey);
    if (!id) throw new Error('idempotency key conflict without a row');
    return { id, inserted: id === r.id };
  });
}

/**
 * Insert an accepted signal (and its outbox entry) unless one with the same idempotency key exists;
 * returns the id of the row that holds the key and whether this call created it (the database
 * backstop behind SET NX).
 */
export async function insertAcceptedSignal(db: EnigmaDb, row: AcceptedSignalRow): Promise<AcceptedOutcome> {
  const [outcome] = await insertAcceptedSignals(db, [row]);
  return outcome!;
}

/**
 * The single accepted row and its outbox entry as one constant statement text with parameters ($1..$19
 * the row in `SIGNAL_COLUMNS` order, $20/$21 the entry's stream and payload): nothing is built per
 * call. Same effect as `insertAcceptedSignals` with one row.
 */
const ACCEPTED_ONE_SQL = `with ins as (
    insert into signals (${SIGNAL_COLUMNS})
    values ($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz, $13,
      $14::jsonb, $15::numeric, $16::numeric, $17::numeric, $18::uuid, coalesce($19::jsonb, '{}'::jsonb))
    on conflict (idempotency_key) do nothing
    returning id),
  ob as (insert into outbox (id, stream, payload, lease_until)
    select ins.id, $20, $21::jsonb, now() + make_interval(secs => ${OUTBOX_LEASE_SECONDS}) from ins where $20::text is not null)
  select id from ins`;

/** Neon's SQL-over-HTTP query function (drizzle's `$client` for `neonHttp`): text and parameters in, rows out. */
type HttpQuery = (text: string, params: unknown[], opts: { arrayMode: true }) => Promise<unknown[][]>;

function httpQueryOf(db: EnigmaDb): HttpQuery | undefined {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (typeof client !== 'function') return undefined;
  const query = (client as { query?: unknown }).query;
  return typeof query === 'function' ? (query as HttpQuery) : undefined;
}

/**
 * The worker's hot path: one accepted signal and its outbox entry, as `insertAcceptedSignal`. Over
 * Neon's SQL-over-HTTP (the worker) the statement is the constant `ACCEPTED_ONE_SQL` sent with its
 * parameters through the driver's own query function, skipping drizzle's SQL building and its
 * tracing span (~0.25 ms of CPU per alert in the worker's profile); on any other driver the same text
 * prepared once per connection (a transaction handle gets its own, `preparedSql`).
 */
export async function insertOneAcceptedSignal(
  db: EnigmaDb,
  row: AcceptedSignalRow,
): Promise<AcceptedOutcome> {
  const query = httpQueryOf(db);
  const params = acceptedOneParams(row);
  let ids: unknown[];
  if (query) ids = (await query(ACCEPTED_ONE_SQL, params, { arrayMode: true })).map((r) => r[0]);
  else {
    // any other driver: the same text prepared once per connection (parsing and planning this chain of
    // CTEs cost more than running it), parameters by position
    const statement = preparedSql(db, 'enigma_accept_one', acceptedOneStatement);
    const values = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
    ids = rowsOf<{ id: string }>(await statement.execute(values)).map((r) => r.id);
  }
  if (ids.length > 0) return { id: String(ids[0]), inserted: true };
  // another row holds the key (a repeat delivery): whose
  const [holder] = await db
    .select({ id: signals.id })
    .from(signals)
    .where(eq(signals.idempotencyKey, row.idempotencyKey));
  if (!holder) throw new Error('idempotency key conflict without a row');
  return { id: holder.id, inserted: false };
}

/** `ACCEPTED_ONE_SQL` with its positional parameters as named placeholders `p1`…`p21` (drizzle's `prepare`). */
function acceptedOneStatement(): SQL {
  const parts = ACCEPTED_ONE_SQL.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => {
    chunks.push(i % 2 === 0 ? sql.raw(part) : sql`${sql.placeholder(`p${part}`)}`);
  });
  return sql.join(chunks);
}

/** The parameters of `ACCEPTED_ONE_SQL`, in order ($1..$19 the row, $20/$21 the outbox entry). */
function acceptedOneParams(row: AcceptedSignalRow): unknown[] {
  return [
    row.id,
    row.sourceId,
    row.source,
    row.idempotencyKey,
    row.status,
    row.reason ?? null,
    row.symbol ?? null,
    row.rawSymbol ?? null,
    row.action ?? null,
    row.interval ?? null,
    ts(row.alertTime),
    ts(row.receivedAt),
    row.clientIp ?? null,
    json(row.payload),
    row.price ?? null,
    row.contracts ?? null,
    row.size ?? null,
    row.duplicateOf ?? null,
    json(row.metadata),
    row.outbox?.stream ?? null,
    json(row.outbox?.payload),
  ];
}

/** Insert a record of a refused or duplicate request (no idempotency key); returns its id. */
export async function insertSignalRecord(db: EnigmaDb, row: IntakeSignalRow): Promise<string> {
  const [r] = rowsOf<{ id: string }>(await db.execute(insertStatement(row, false)));
  return r!.id;
}
