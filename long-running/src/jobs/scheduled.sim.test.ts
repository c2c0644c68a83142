import { toMoney } from '@enigma/core/money';
import { listDailyReports } from '@enigma/db/repositories/reports';
import { ensureAccount, insertClosedTrade, insertFill } from '@enigma/db/repositories/trading';
import { fundingPayments } from '@enigma/db/schema/index';
import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { kucoinMetrics } from '../exchange/kucoin/metrics.ts';
import { ManualClock } from '../sim/clock.ts';
import type { RunningSimulator } from '../sim/server.ts';
import { startTestSimulator } from '../sim/test-helpers.ts';
import { waitFor } from '../testing/wait-for.ts';
import { createDatabaseJobs } from './database.ts';
import {
  DAILY_REPORT_JOB,
  SCHEDULED_QUEUE,
  type ScheduledJobsDeps,
  startScheduledJobs,
  syncFundingLedger,
} from './scheduled.ts';
import type { Jobs } from './types.ts';

// 03:59:58 UTC: the 04:00 funding settlement falls inside the test.
const T0 = Date.UTC(2025, 0, 1, 3, 59, 58);
const X = 'XBTUSDTM';
const silent = pino({ level: 'silent' });

describe('scheduled jobs against the simulator', { timeout: 120_000 }, () => {
  let sim: RunningSimulator;
  let http: KucoinHttpClient;
  let h: TestHandle;
  let jobs: Jobs;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    sim = await startTestSimulator({ clock, tickMs: 250, warmupMinutes: 30 });
    http = new KucoinHttpClient({
      baseUrl: sim.url,
      credential: {
        apiKey: sim.credentials.key,
        apiSecret: sim.credentials.secret,
        passphrase: sim.credentials.passphrase,
        keyVersion: '2',
      },
      metrics: kucoinMetrics(new Registry()),
    });
    h = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await jobs?.close();
    await http?.close();
    await sim?.close();
    await h?.cleanup();
  });

  it('syncs the funding ledger once per settlement and stores the daily report, run through the job queue', async () => {
    // a long held over the 04:00 settlement
    await http.trade.placeOrder({
      clientOid: 's-long',
      symbol: X,
      side: 'buy',
      type: 'market',
      size: 3,
      leverage: 5,
    });
    sim.advance(3_000);
    const history = await http.account.fundingHistory({ symbol: X });
    expect(history.items).toHaveLength(1);
    const settled = history.items[0]!;

    const accountId = await ensureAccount(h.db, 'sim', 'sim');
    // the day's other figures, as the engine records them
    await insertFill(h.db, {
      accountId,
      tradeId: 't-1',
      symbol: X,
      side: 'buy',
      price: '94000.1',
      size: 3,
      fee: '0.169200',
      filledAt: new Date(T0),
    });
    await insertClosedTrade(h.db, {
      accountId,
      symbol: X,
      side: 'long',
      size: 1,
      entryPrice: '94000',
      exitPrice: '94100',
      grossPnl: '0.1',
      fees: '0.02',
      funding: '0.01',
      netPnl: '0.07',
      openedAt: new Date(T0 - 3_600_000),
      closedAt: new Date(T0 - 60_000),
    });

    const deps: ScheduledJobsDeps = {
      db: h.db,
      kucoin: http,
      accountId,
      symbols: () => [X],
      log: silent,
      now: () => clock.now(),
    };
    jobs = createDatabaseJobs({ db: h.db, log: silent, pollMs: 50 });
    await startScheduledJobs(jobs, deps);
    const rows = await waitFor(
      async () => {
        const r = await h.db.select().from(fundingPayments);
        return r.length === 1 ? r : null;
      },
      30_000,
      'the funding settlement in the ledger',
    );
    expect(rows[0]).toMatchObject({
      accountId,
      symbol: X,
      fundingRate: settled.rate.toFixed(),
      amount: settled.funding.toFixed(),
      currency: 'USDT',
      positionQty: 3,
      markPrice: settled.markPrice.toFixed(),
      fundingTime: new Date(settled.time),
      exchangeId: settled.id,
    });
    // a second sync (a stalled run that runs again) adds nothing
    expect(await syncFundingLedger(deps)).toEqual({ symbols: 1, seen: 0, inserted: 0 });
    expect(await syncFundingLedger({ ...deps, lookbackMs: 86_400_000 })).toMatchObject({ inserted: 0 });
    expect(await h.db.select().from(fundingPayments)).toHaveLength(1);

    // the day's report, run again now that the ledger is synced (a report run is idempotent)
    for (const jobId of ['report:2025-01-01:a', 'report:2025-01-01:b']) {
      await jobs.add(SCHEDULED_QUEUE, DAILY_REPORT_JOB, { day: '2025-01-01' }, { jobId });
      await waitFor(
        async () => (await jobs.get(SCHEDULED_QUEUE, jobId))?.state === 'completed',
        30_000,
        jobId,
      );
    }
    const [report] = await listDailyReports(h.db, { fromDay: '2025-01-01', toDay: '2025-01-01' });
    expect(report).toMatchObject({
      day: '2025-01-01',
      trades: 1,
      wins: 1,
      grossPnl: '0.1',
      fees: '0.02',
      funding: '0.01',
      netPnl: '0.07',
      fundingLedger: settled.funding.toFixed(),
      fills: 1,
      fillFees: '0.169200',
    });
    expect(toMoney(report!.fundingLedger).isNegative()).toBe(true); // a long pays a positive rate
    // the scheduled runs covered yesterday and today (the exchange's clock)
    expect((await listDailyReports(h.db, { fromDay: '2024-12-31' })).map((r) => r.day)).toEqual([
      '2024-12-31',
      '2025-01-01',
    ]);
  });
});
