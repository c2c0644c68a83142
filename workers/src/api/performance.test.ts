import { ensureAccount, insertClosedTrade } from '@enigma/db/repositories/trading';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let viewer: string;
const call = apiCaller(() => h.app);

async function trade(symbol: string, closedAt: string, net: string, fees = '0', funding = '0') {
  const account = await ensureAccount(h.db, 'sim', 'sim');
  await insertClosedTrade(h.db, {
    accountId: account,
    symbol,
    side: 'long',
    size: 1,
    entryPrice: '60000',
    exitPrice: '60100',
    grossPnl: net,
    fees,
    funding,
    netPnl: net,
    openedAt: new Date(Date.parse(closedAt) - 60_000),
    closedAt: new Date(closedAt),
  });
}

beforeAll(async () => {
  h = await nodeHarness(); // the clock reads 2024-05-01T12:00:10Z
  await createUser(h.db, { email: 'viewer@x.test', password: 'viewer-password', role: 'viewer' });
  viewer = (
    await call('POST', '/api/auth/login', { body: { email: 'viewer@x.test', password: 'viewer-password' } })
  ).json.accessToken;
  await trade('XBTUSDTM', '2024-03-01T10:00:00Z', '100'); // outside a 7-day range, inside the running total
  await trade('XBTUSDTM', '2024-04-29T23:59:59.999Z', '0.1', '0.02', '0.01');
  await trade('ETHUSDTM', '2024-04-29T08:00:00Z', '0.2', '0.03');
  await trade('XBTUSDTM', '2024-04-30T00:00:00Z', '-5.5');
  await trade('XBTUSDTM', '2024-05-01T11:00:00Z', '2.25');
});
afterAll(() => h.close());

describe('GET /api/pnl/daily', () => {
  it('sums closed trades per UTC day in decimal, with the running total over all history', async () => {
    const r = await call('GET', '/api/pnl/daily?days=7', { token: viewer });
    expect(r.status).toBe(200);
    expect(r.json.items).toEqual([
      {
        day: '2024-04-29',
        trades: 2,
        wins: 2,
        grossPnl: '0.3',
        fees: '0.05',
        funding: '0.01',
        netPnl: '0.3',
        cumulativeNetPnl: '100.3',
      },
      expect.objectContaining({
        day: '2024-04-30',
        trades: 1,
        wins: 0,
        netPnl: '-5.5',
        cumulativeNetPnl: '94.8',
      }),
      expect.objectContaining({ day: '2024-05-01', trades: 1, netPnl: '2.25', cumulativeNetPnl: '97.05' }),
    ]);
  });

  it('covers the last `days` days including today, and one contract when asked', async () => {
    const today = await call('GET', '/api/pnl/daily?days=1', { token: viewer });
    expect(today.json.items.map((d: { day: string }) => d.day)).toEqual(['2024-05-01']);
    const eth = await call('GET', '/api/pnl/daily?symbol=ETHUSDTM', { token: viewer });
    expect(eth.json.items).toEqual([
      expect.objectContaining({ day: '2024-04-29', trades: 1, netPnl: '0.2', cumulativeNetPnl: '0.2' }),
    ]);
  });

  it('names the field it refuses, and wants a token', async () => {
    const bad = await call('GET', '/api/pnl/daily?days=0', { token: viewer });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json.error)).toContain('days');
    expect((await call('GET', '/api/pnl/daily?symbol=btc', { token: viewer })).status).toBe(422);
    expect((await call('GET', '/api/pnl/daily')).status).toBe(401);
  });
});
