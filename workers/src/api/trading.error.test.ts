import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// The read routes' refusals: each a 4xx in the error envelope naming the field.

const t = useApiHarness('viewer');

describe('trading reads: errors', () => {
  it.each(['/api/positions', '/api/orders', '/api/trades', '/api/trades.csv', '/api/account'])(
    '401 without a token: %s',
    async (path) => {
      const r = await t.call('GET', path);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBeDefined();
    },
  );

  const from = '2024-05-01T00:00:00Z';
  it.each([
    [`/api/candles?timeframe=1m&from=${from}&to=${from}`, 'symbol'],
    [`/api/candles?symbol=XBTUSDTM&timeframe=1x&from=${from}&to=${from}`, 'timeframe'],
    ['/api/candles?symbol=XBTUSDTM&from=yesterday&to=today', 'from'],
    ['/api/orders?status=lost', 'status'],
    ['/api/orders?limit=501', 'limit'],
    ['/api/trades?offset=-1', 'offset'],
    ['/api/trades?to=2024-13-01T00:00:00Z', 'to'],
    ['/api/trades.csv?from=soon', 'from'],
  ])('422 for %s naming %s', async (path, field) => {
    const r = await t.call('GET', path, { token: t.token });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('422 when the candle range is empty or longer than 31 days', async () => {
    const empty = await t.call('GET', `/api/candles?symbol=XBTUSDTM&from=${from}&to=${from}`, {
      token: t.token,
    });
    expect(empty.status).toBe(422);
    expect(empty.json.error.message).toMatch(/`to` must be after `from`/);
    const long = await t.call('GET', `/api/candles?symbol=XBTUSDTM&from=${from}&to=2024-07-01T00:00:00Z`, {
      token: t.token,
    });
    expect(long.status).toBe(422);
    expect(long.json.error.message).toMatch(/31 days/);
  });
});
