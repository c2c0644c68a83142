import { dailyReportSchema } from '@enigma/core/api/responses';
import { storeDailyReport } from '@enigma/db/repositories/reports';
import {
  ensureAccount,
  insertClosedTrade,
  insertFill,
  insertFundingPayment,
} from '@enigma/db/repositories/trading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let viewer: string;
const call = apiCaller(() => h.app);

beforeAll(async () => {
  h = await nodeHarness(); // the clock reads 2024-05-01T12:00:10Z
  await createUser(h.db, { email: 'viewer@x.test', password: 'viewer-password', role: 'viewer' });
  viewer = (
    await call('POST', '/api/auth/login', { body: { email: 'viewer@x.test', password: 'viewer-password' } })
  ).json.accessToken;
  const accountId = await ensureAccount(h.db, 'sim', 'sim');
  await insertClosedTrade(h.db, {
    accountId,
    symbol: 'XBTUSDTM',
    side: 'long',
    size: 2,
    entryPrice: '60000',
    exitPrice: '60100',
    grossPnl: '0.2',
    fees: '0.03',
    funding: '0.01',
    netPnl: '0.16',
    openedAt: new Date('2024-04-30T01:00:00Z'),
    closedAt: new Date('2024-04-30T23:59:59.999Z'),
  });
  await insertFill(h.db, {
    accountId,
    tradeId: 't-1',
    symbol: 'XBTUSDTM',
    side: 'sell',
    price: '60100',
    size: 2,
    fee: '0.0721',
    filledAt: new Date('2024-04-30T23:59:59.999Z'),
  });
  for (const [time, amount] of [
    ['2024-04-30T00:00:00Z', '-0.0123'],
    ['2024-04-30T08:00:00Z', '0.005'],
    ['2024-05-01T00:00:00Z', '-0.5'],
  ] as const) {
    await insertFundingPayment(h.db, {
      accountId,
      symbol: 'XBTUSDTM',
      fundingRate: '0.0001',
      amount,
      currency: 'USDT',
      fundingTime: new Date(time),
    });
  }
  for (const day of ['2024-04-20', '2024-04-30', '2024-05-01']) await storeDailyReport(h.db, day);
});
afterAll(() => h.close());

describe('GET /api/reports/daily: happy path', () => {
  it('answers the stored reports of the last `days` UTC days, exactly the DailyReport schema', async () => {
    const r = await call('GET', '/api/reports/daily?days=2', { token: viewer });
    expect(r.status).toBe(200);
    expect(z.object({ items: z.array(dailyReportSchema) }).parse(r.json)).toEqual(r.json);
    expect(r.json.items).toEqual([
      {
        day: '2024-04-30',
        trades: 1,
        wins: 1,
        grossPnl: '0.2',
        fees: '0.03',
        funding: '0.01',
        netPnl: '0.16',
        fundingLedger: '-0.0073',
        fills: 1,
        fillFees: '0.0721',
        generatedAt: expect.any(String),
      },
      {
        day: '2024-05-01',
        trades: 0,
        wins: 0,
        grossPnl: '0',
        fees: '0',
        funding: '0',
        netPnl: '0',
        fundingLedger: '-0.5',
        fills: 0,
        fillFees: '0',
        generatedAt: expect.any(String),
      },
    ]);
    // the default range (30 days) reaches the older report
    const all = await call('GET', '/api/reports/daily', { token: viewer });
    expect(all.json.items.map((i: { day: string }) => i.day)).toEqual([
      '2024-04-20',
      '2024-04-30',
      '2024-05-01',
    ]);
  });
});
