import { sql } from 'drizzle-orm';
import { type EnigmaDb, rowsOf } from '../db-type.ts';

/** One UTC day of closed trades: sums are exact decimal strings (PostgreSQL numeric). */
export interface DailyPnl {
  /** YYYY-MM-DD (UTC) */
  day: string;
  trades: number;
  wins: number;
  grossPnl: string;
  fees: string;
  funding: string;
  /** gross − fees − funding paid, as the trades store it */
  netPnl: string;
  /** net P&L of every closed trade up to the end of this day (all history, not only the range) */
  cumulativeNetPnl: string;
}

/**
 * Closed trades summed per UTC day (by close time), oldest first, with the running total over all
 * history; from `fromDay` (YYYY-MM-DD, inclusive) on, of one contract when `symbol` is given. Days
 * without a closed trade are left out.
 */
export async function dailyPnl(
  db: EnigmaDb,
  q: { fromDay?: string; symbol?: string } = {},
): Promise<DailyPnl[]> {
  if (q.fromDay !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(q.fromDay)) {
    throw new RangeError('fromDay must be YYYY-MM-DD');
  }
  const symbol = q.symbol ? sql`where symbol = ${q.symbol}` : sql``;
  const where = q.fromDay ? sql`where day >= ${q.fromDay}::date` : sql``;
  const rows = rowsOf<{
    day: string | Date;
    trades: number | string;
    wins: number | string;
    gross: string;
    fees: string;
    funding: string;
    net: string;
    cumulative: string;
  }>(
    await db.execute(sql`
      with d as (
        select (closed_at at time zone 'UTC')::date as day,
          count(*) as trades,
          count(*) filter (where net_pnl > 0) as wins,
          sum(gross_pnl) as gross, sum(fees) as fees, sum(funding) as funding, sum(net_pnl) as net
        from closed_trades ${symbol}
        group by 1),
      c as (select *, sum(net) over (order by day) as cumulative from d)
      select to_char(day, 'YYYY-MM-DD') as day, trades, wins, gross::text as gross, fees::text as fees,
        funding::text as funding, net::text as net, cumulative::text as cumulative
      from c ${where} order by day`),
  );
  return rows.map((r) => ({
    day: String(r.day),
    trades: Number(r.trades),
    wins: Number(r.wins),
    grossPnl: r.gross,
    fees: r.fees,
    funding: r.funding,
    netPnl: r.net,
    cumulativeNetPnl: r.cumulative,
  }));
}
