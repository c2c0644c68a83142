import { fills } from '@enigma/db/schema/index';
import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/fills is a read: hostile query values are refused before the database, and nothing is written.

const t = useApiHarness('viewer');

describe('GET /api/fills: security', () => {
  it.each([
    ['symbol', '/api/fills?symbol=XBT%00USDTM'],
    ['symbol', "/api/fills?symbol=XBTUSDTM'%20OR%201=1--"],
    ['from', '/api/fills?from=%00'],
  ])('?%s with a NUL or SQL is a 422 naming it, not a 500', async (field, url) => {
    const r = await t.call('GET', url, { token: t.token });
    expect(r.status).toBe(422);
    const named = r.json.error.details.field ?? r.json.error.details.issues?.[0]?.path;
    expect(named).toBe(field);
  });

  it('an expired or forged token is 401; a write to /api/fills is 404 and stores nothing', async () => {
    const forged = await t.call('GET', '/api/fills', { token: `${t.token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
    const [before] = await t.h.db.select({ n: count() }).from(fills);
    const post = await t.call('POST', '/api/fills', {
      token: t.token,
      body: { tradeId: 'forged', symbol: 'XBTUSDTM', side: 'buy', price: '1', size: 1 },
    });
    expect(post.status).toBe(404);
    const [after] = await t.h.db.select({ n: count() }).from(fills);
    expect(after!.n).toBe(before!.n);
  });
});
