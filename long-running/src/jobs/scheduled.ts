/**
 * The scheduled jobs of the `scheduled` queue, on whichever `Jobs` adapter runs (BullMQ or the
 * database): the funding-ledger sync (the exchange's private funding history into `funding_payments`)
 * and the daily report (`daily_reports`, served by `GET /api/reports/daily`). Both are idempotent: a
 * stalled run that runs twice changes nothing (funding rows are unique per account, symbol and time;
 * a day's report is recomputed and replaced).
 */
import type { EnigmaDb } from '@enigma/db';
import { storeDailyReport } from '@enigma/db/repositories/reports';
import { latestFundingPaymentTime } from '@enigma/db/repositories/trading';
import { fundingSettlements, recordFundingPayments } from '../engine/funding.ts';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { Logger } from '../runtime/logger.ts';
import type { JobRun, Jobs } from './types.ts';

export const SCHEDULED_QUEUE = 'scheduled';
export const FUNDING_SYNC_JOB = 'funding-sync';
export const DAILY_REPORT_JOB = 'daily-report';

export interface ScheduledJobsDeps {
  db: EnigmaDb;
  /** the exchange client (KuCoin or the simulator): only the private funding history is read */
  kucoin: Pick<KucoinHttpClient, 'account'>;
  accountId: string;
  /** the contracts whose funding is synced (the account's traded symbols) */
  symbols: () => string[] | Promise<string[]>;
  log: Logger;
  /** the exchange's clock (epoch ms); default Date.now */
  now?: () => number;
  /** how far back the first sync of a symbol looks; default 7 days */
  lookbackMs?: number;
}

const DAY_MS = 86_400_000;
const MAX_PAGES = 50;

/**
 * Funding settlements since the last one recorded (or `lookbackMs` back), read page by page
 * (`fundingSettlements`), each recorded once.
 */
export async function syncFundingLedger(
  deps: ScheduledJobsDeps,
): Promise<{ symbols: number; seen: number; inserted: number }> {
  const now = (deps.now ?? Date.now)();
  const symbols = await deps.symbols();
  let seen = 0;
  let inserted = 0;
  for (const symbol of symbols) {
    const last = await latestFundingPaymentTime(deps.db, deps.accountId, symbol);
    const startAt = last ? last.getTime() + 1 : now - (deps.lookbackMs ?? 7 * DAY_MS);
    const items = await fundingSettlements(deps.kucoin.account, symbol, startAt, now, MAX_PAGES);
    seen += items.length;
    inserted += await recordFundingPayments(deps.db, deps.accountId, symbol, items);
  }
  return { symbols: symbols.length, seen, inserted };
}

/** The UTC days a daily-report run covers: the one named in its data, else yesterday and today. */
export function reportDays(data: unknown, now: number): string[] {
  const day = (data as { day?: unknown } | null)?.day;
  if (typeof day === 'string') return [day];
  return [now - DAY_MS, now].map((t) => new Date(t).toISOString().slice(0, 10));
}

/** The `scheduled` queue's handler. */
export function scheduledHandler(deps: ScheduledJobsDeps) {
  return async (run: JobRun) => {
    if (run.name === FUNDING_SYNC_JOB) {
      const r = await syncFundingLedger(deps);
      deps.log.info({ jobId: run.id, ...r }, 'funding ledger synced');
      return;
    }
    if (run.name === DAILY_REPORT_JOB) {
      for (const day of reportDays(run.data, (deps.now ?? Date.now)())) {
        const report = await storeDailyReport(deps.db, day);
        deps.log.info(
          { jobId: run.id, day, trades: report.trades, netPnl: report.netPnl },
          'daily report stored',
        );
      }
      return;
    }
    throw new Error(`unknown scheduled job "${run.name}"`);
  };
}

/**
 * Register the schedules (re-registering replaces them) and run the `scheduled` queue in this process.
 * Funding settles every 8 h on KuCoin; an hourly sync keeps the ledger at most an hour behind.
 */
export async function startScheduledJobs(
  jobs: Jobs,
  deps: ScheduledJobsDeps,
  opts: { fundingEveryMs?: number; reportEveryMs?: number } = {},
): Promise<void> {
  await jobs.every(
    SCHEDULED_QUEUE,
    FUNDING_SYNC_JOB,
    {},
    {
      key: FUNDING_SYNC_JOB,
      everyMs: opts.fundingEveryMs ?? 3_600_000,
    },
  );
  await jobs.every(
    SCHEDULED_QUEUE,
    DAILY_REPORT_JOB,
    {},
    {
      key: DAILY_REPORT_JOB,
      everyMs: opts.reportEveryMs ?? 3_600_000,
    },
  );
  await jobs.process(SCHEDULED_QUEUE, scheduledHandler(deps));
}
