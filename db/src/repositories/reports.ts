import { sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';
import { dailyPnl } from './pnl.ts';

/** One UTC day as the daily report stores it (`daily_reports`); sums are exact decimal strings. */
export interface DailyReport {
  /** YYYY-MM-DD (UTC) */
  day: string;
  /** closed trades (by close time), as `dailyPnl` counts them */
  trades: number;
  wins: number;
  grossPnl: string;
  fees: string;
  /** funding of the trades closed that day, as the trades store it (positive = paid) */
  funding: string;
  netPnl: string;
  /** funding the exchange booked that day (`funding_payments`, positive = received) */
  fundingLedger: string;
  /** executions that day, and their fees */
  fills: number;
  fillFees: string;
  generatedAt: Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function assertDay(field: string, day: string): void {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new RangeError(`${field} must be YYYY-MM-DD`);
  }
}

/**
 * Compute the report of one UTC day from the trades (`dailyPnl`, the one home of per-day P&L), the
 * funding ledger and the fills, and store it (replacing that day's previous report). Returns it.
 */
export async function storeDailyReport(db: EnigmaDb, day: string): Promise<DailyReport> {
  assertDay('day', day);
  const pnl = (await dailyPnl(db, { fromDay: day })).find((d) => d.day === day);
  const [other] = rowsOf<{ funding: string; fills: number | string; fees: string }>(
    await db.execute(sql`select
        (select coalesce(sum(amount), 0)::text from funding_payments
          where funding_time >= ${day}::date::timestamp at time zone 'UTC' and funding_time < (${day}::date + 1)::timestamp at time zone 'UTC') as funding,
        (select count(*)::int from fills
          where filled_at >= ${day}::date::timestamp at time zone 'UTC' and filled_at < (${day}::date + 1)::timestamp at time zone 'UTC') as fills,
        (select coalesce(sum(fee), 0)::text from fills
          where filled_at >= ${day}::date::timestamp at time zone 'UTC' and filled_at < (${day}::date + 1)::timestamp at time zone 'UTC') as fees`),
  );
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`insert into daily_reports
        (day, trades, wins, gross_pnl, fees, funding, net_pnl, funding_ledger, fills, fill_fees, generated_at)
      values (${day}, ${pnl?.trades ?? 0}, ${pnl?.wins ?? 0}, ${pnl?.grossPnl ?? '0'}, ${pnl?.fees ?? '0'},
        ${pnl?.funding ?? '0'}, ${pnl?.netPnl ?? '0'}, ${other?.funding ?? '0'}, ${Number(other?.fills ?? 0)},
        ${other?.fees ?? '0'}, now())
      on conflict (day) do update set trades = excluded.trades, wins = excluded.wins,
        gross_pnl = excluded.gross_pnl, fees = excluded.fees, funding = excluded.funding,
        net_pnl = excluded.net_pnl, funding_ledger = excluded.funding_ledger, fills = excluded.fills,
        fill_fees = excluded.fill_fees, generated_at = excluded.generated_at
      returning ${reportColumns}`),
  );
  return toReport(rows[0]!);
}

const reportColumns = sql.raw(`day, trades, wins, gross_pnl::text as gross_pnl, fees::text as fees,
  funding::text as funding, net_pnl::text as net_pnl, funding_ledger::text as funding_ledger, fills,
  fill_fees::text as fill_fees, generated_at`);

function toReport(r: Record<string, unknown>): DailyReport {
  return {
    day: String(r['day']),
    trades: Number(r['trades']),
    wins: Number(r['wins']),
    grossPnl: String(r['gross_pnl']),
    fees: String(r['fees']),
    funding: String(r['funding']),
    netPnl: String(r['net_pnl']),
    fundingLedger: String(r['funding_ledger']),
    fills: Number(r['fills']),
    fillFees: String(r['fill_fees']),
    generatedAt: new Date(r['generated_at'] as string | Date),
  };
}

/** Stored reports from `fromDay` to `toDay` (inclusive, YYYY-MM-DD), oldest first. */
export async function listDailyReports(
  db: EnigmaDb,
  q: { fromDay: string; toDay?: string },
): Promise<DailyReport[]> {
  assertDay('fromDay', q.fromDay);
  if (q.toDay !== undefined) assertDay('toDay', q.toDay);
  const to = q.toDay ? sql`and day <= ${q.toDay}` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(
      sql`select ${reportColumns} from daily_reports where day >= ${q.fromDay} ${to} order by day`,
    ),
  );
  return rows.map(toReport);
}
