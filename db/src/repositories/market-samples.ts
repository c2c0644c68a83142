import { and, asc, eq, gte, lt, max, type SQL, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { FUNDING_RATE_KINDS, type FundingRateKind, fundingRates, markPriceSamples } from '../schema/index.ts';
import { type NumericInput, numericOrNull } from './numeric.ts';

/** A stored funding rate; `rate` is an exact decimal string. */
export type FundingRate = typeof fundingRates.$inferSelect;
/** A stored mark/index price sample; prices are exact decimal strings. */
export type MarkPriceSample = typeof markPriceSamples.$inferSelect;

/** Input of `upsertFundingRates`. */
export interface FundingRateInput {
  symbol: string;
  kind: FundingRateKind;
  fundingTime: Date;
  rate: NumericInput;
  granularityMs?: number | null;
  source?: string;
}

/** Input of `upsertMarkSamples`. */
export interface MarkSampleInput {
  symbol: string;
  ts: Date;
  markPrice: NumericInput;
  indexPrice?: NumericInput | null;
}

/** A funding rate ready for the column arrays: validated, numerics as exact strings. */
export interface FundingRateRow {
  symbol: string;
  kind: FundingRateKind;
  fundingTime: Date;
  rate: string;
  granularityMs: number | null;
  source: string;
}

/** A mark sample ready for the column arrays. */
export interface MarkSampleRow {
  symbol: string;
  ts: Date;
  markPrice: string;
  indexPrice: string | null;
}

/** Rows per statement; as for candles, each statement binds one array per column however many rows. */
export const MARKET_SAMPLE_CHUNK_ROWS = 10_000;

function validDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw new TypeError(`${what} must be a valid Date`);
  return value;
}

/**
 * Check one funding rate and normalise it (exact decimal text, defaults filled in); throws on an unknown
 * kind, a bad time, a NaN/Infinity/non-numeric rate or a non-positive granularity. Exported so a caller
 * that queues rows (the collector) can refuse a bad one on arrival instead of failing a whole batch later.
 */
export function toFundingRateRow(r: FundingRateInput): FundingRateRow {
  if (!r.symbol) throw new TypeError('funding rate symbol is required');
  if (!FUNDING_RATE_KINDS.includes(r.kind))
    throw new RangeError(
      `funding rate kind must be one of ${FUNDING_RATE_KINDS.join(', ')}: ${String(r.kind)}`,
    );
  const fundingTime = validDate(r.fundingTime, `funding rate fundingTime (${r.symbol})`);
  const rate = numericOrNull(r.rate, 'funding rate');
  if (rate === null) throw new TypeError('funding rate is required');
  const g = r.granularityMs ?? null;
  if (g !== null && (!Number.isSafeInteger(g) || g <= 0))
    throw new RangeError(`funding rate granularityMs must be a positive integer: ${g}`);
  return {
    symbol: r.symbol,
    kind: r.kind,
    fundingTime,
    rate,
    granularityMs: g,
    source: r.source ?? 'kucoin',
  };
}

/** Check one mark sample and normalise it; throws on a bad time or a NaN/Infinity/non-numeric price. */
export function toMarkSampleRow(s: MarkSampleInput): MarkSampleRow {
  if (!s.symbol) throw new TypeError('mark sample symbol is required');
  const ts = validDate(s.ts, `mark sample ts (${s.symbol})`);
  const markPrice = numericOrNull(s.markPrice, 'markPrice');
  if (markPrice === null) throw new TypeError('mark sample markPrice is required');
  return { symbol: s.symbol, ts, markPrice, indexPrice: numericOrNull(s.indexPrice, 'indexPrice') };
}

function chunkSize(opts: { chunkRows?: number }): number {
  const n = opts.chunkRows ?? MARKET_SAMPLE_CHUNK_ROWS;
  if (!Number.isInteger(n) || n < 1) throw new RangeError('chunkRows must be a positive integer');
  return n;
}

/** Validate every row first (nothing is written if one is bad), keep the last of duplicate keys, chunk. */
function prepare<I, R>(
  rows: readonly I[],
  toRow: (input: I) => R,
  keyOf: (row: R) => string,
  chunkRows: number,
): { unique: number; chunks: R[][] } {
  const byKey = new Map<string, R>();
  for (const input of rows) {
    const row = toRow(input);
    byKey.set(keyOf(row), row);
  }
  const all = [...byKey.values()];
  const chunks: R[][] = [];
  for (let i = 0; i < all.length; i += chunkRows) chunks.push(all.slice(i, i + chunkRows));
  return { unique: all.length, chunks };
}

/**
 * Insert or update funding rates in batches: one `INSERT … SELECT FROM unnest(<column arrays>) ON
 * CONFLICT DO UPDATE` per chunk, like `upsertCandles`. Idempotent (identical rows are not rewritten); a
 * key repeated within the input keeps its last version; every row is validated before anything is written.
 *
 * @example await upsertFundingRates(db, [{ symbol: 'XBTUSDTM', kind: 'settled', fundingTime, rate: '0.0001' }]);
 */
export async function upsertFundingRates(
  db: EnigmaDb,
  rows: readonly FundingRateInput[],
  opts: { chunkRows?: number } = {},
): Promise<{ written: number }> {
  const { unique, chunks } = prepare(
    rows,
    toFundingRateRow,
    (r) => `${r.symbol}\u0000${r.kind}\u0000${r.fundingTime.getTime()}`,
    chunkSize(opts),
  );
  for (const c of chunks) {
    await db.execute(sql`
      insert into funding_rates (symbol, kind, funding_time, rate, granularity_ms, source)
      select * from unnest(
        ${sql.param(c.map((r) => r.symbol))}::text[], ${sql.param(c.map((r) => r.kind))}::text[],
        ${sql.param(c.map((r) => r.fundingTime.toISOString()))}::timestamptz[], ${sql.param(c.map((r) => r.rate))}::numeric[],
        ${sql.param(c.map((r) => r.granularityMs))}::integer[], ${sql.param(c.map((r) => r.source))}::text[])
      on conflict (symbol, kind, funding_time) do update set
        rate = excluded.rate, granularity_ms = excluded.granularity_ms, source = excluded.source
      where (funding_rates.rate, funding_rates.granularity_ms, funding_rates.source)
        is distinct from (excluded.rate, excluded.granularity_ms, excluded.source)`);
  }
  return { written: unique };
}

/**
 * Insert or update mark/index samples in batches (same statement shape and guarantees as
 * `upsertFundingRates`).
 *
 * @example await upsertMarkSamples(db, [{ symbol: 'XBTUSDTM', ts, markPrice: '97000.1', indexPrice: '96990' }]);
 */
export async function upsertMarkSamples(
  db: EnigmaDb,
  rows: readonly MarkSampleInput[],
  opts: { chunkRows?: number } = {},
): Promise<{ written: number }> {
  const { unique, chunks } = prepare(
    rows,
    toMarkSampleRow,
    (r) => `${r.symbol}\u0000${r.ts.getTime()}`,
    chunkSize(opts),
  );
  for (const c of chunks) {
    await db.execute(sql`
      insert into mark_price_samples (symbol, ts, mark_price, index_price)
      select * from unnest(
        ${sql.param(c.map((r) => r.symbol))}::text[], ${sql.param(c.map((r) => r.ts.toISOString()))}::timestamptz[],
        ${sql.param(c.map((r) => r.markPrice))}::numeric[], ${sql.param(c.map((r) => r.indexPrice))}::numeric[])
      on conflict (symbol, ts) do update set
        mark_price = excluded.mark_price, index_price = excluded.index_price
      where (mark_price_samples.mark_price, mark_price_samples.index_price)
        is distinct from (excluded.mark_price, excluded.index_price)`);
  }
  return { written: unique };
}

/**
 * Funding rates of one symbol with `from <= funding_time < to`, oldest first; one kind, or every kind
 * (ordered by time, then kind) when `kind` is omitted.
 */
export async function getFundingRates(
  db: EnigmaDb,
  symbol: string,
  from: Date,
  to: Date,
  kind?: FundingRateKind,
): Promise<FundingRate[]> {
  const where: SQL[] = [
    eq(fundingRates.symbol, symbol),
    gte(fundingRates.fundingTime, from),
    lt(fundingRates.fundingTime, to),
  ];
  if (kind) where.push(eq(fundingRates.kind, kind));
  return db
    .select()
    .from(fundingRates)
    .where(and(...where))
    .orderBy(asc(fundingRates.fundingTime), asc(fundingRates.kind));
}

/**
 * Time of the newest stored funding rate of a kind (default `settled`), or null: where a history download
 * resumes. With `before`, only rates earlier than it count, so a download of an older range resumes
 * inside that range instead of skipping it because newer rates exist.
 */
export async function latestFundingTime(
  db: EnigmaDb,
  symbol: string,
  kind: FundingRateKind = 'settled',
  before?: Date,
): Promise<Date | null> {
  const where: SQL[] = [eq(fundingRates.symbol, symbol), eq(fundingRates.kind, kind)];
  if (before) where.push(lt(fundingRates.fundingTime, before));
  const [row] = await db
    .select({ t: max(fundingRates.fundingTime) })
    .from(fundingRates)
    .where(and(...where));
  return row?.t ?? null;
}

/** Mark samples of one symbol with `from <= ts < to`, oldest first. */
export async function getMarkSamples(
  db: EnigmaDb,
  symbol: string,
  from: Date,
  to: Date,
): Promise<MarkPriceSample[]> {
  return db
    .select()
    .from(markPriceSamples)
    .where(
      and(eq(markPriceSamples.symbol, symbol), gte(markPriceSamples.ts, from), lt(markPriceSamples.ts, to)),
    )
    .orderBy(asc(markPriceSamples.ts));
}
