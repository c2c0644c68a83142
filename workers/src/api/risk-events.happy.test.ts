import { riskEventSchema } from '@enigma/core/api/responses';
import { riskEvents } from '@enigma/db/schema/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/risk/events: the engine's risk events newest first, exactly riskEventSchema's fields;
// kind=breaker keeps only the breakers' trips (codes breaker_*), the risk panel's breaker history.

const t = useApiHarness('viewer');
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const at = (min: number) => new Date(T0 + min * 60_000);

beforeAll(async () => {
  await t.h.db.insert(riskEvents).values([
    {
      code: 'breaker_daily_loss',
      severity: 'critical',
      message: 'daily_loss → halted: net -512.00 USDT today (limit −500)',
      data: { dayNet: '-512' },
      at: at(0),
    },
    { code: 'max_leverage', severity: 'block', message: 'leverage 50 above 20', at: at(1) },
    // a code that only looks like a breaker's to an unescaped LIKE (`_` matches any character)
    { code: 'breakerXsomething', severity: 'warn', at: at(2) },
    { code: 'breaker_drawdown', severity: 'critical', message: 'drawdown → halted: …', at: at(3) },
  ]);
});

describe('GET /api/risk/events', () => {
  it('every event, newest first, with exactly the schema fields', async () => {
    const r = await t.call('GET', '/api/risk/events', { token: t.token });
    expect(r.status).toBe(200);
    expect(r.json.items.map((e: { code: string }) => e.code)).toEqual([
      'breaker_drawdown',
      'breakerXsomething',
      'max_leverage',
      'breaker_daily_loss',
    ]);
    for (const e of r.json.items) {
      expect(Object.keys(e).sort()).toEqual(Object.keys(riskEventSchema.shape).sort());
    }
    expect(r.json.items[3]).toMatchObject({
      severity: 'critical',
      data: { dayNet: '-512' },
      at: at(0).toISOString(),
      signalId: null,
    });
    expect(r.text).not.toContain('accountId');
  });

  it('kind=breaker: only the breakers’ trips; limit', async () => {
    const codes = async (q: string) =>
      (await t.call('GET', `/api/risk/events?${q}`, { token: t.token })).json.items.map(
        (e: { code: string }) => e.code,
      );
    expect(await codes('kind=breaker')).toEqual(['breaker_drawdown', 'breaker_daily_loss']);
    expect(await codes('kind=breaker&limit=1')).toEqual(['breaker_drawdown']);
  });
});
