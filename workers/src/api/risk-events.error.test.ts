import { riskEvents } from '@enigma/db/schema/index';
import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/risk/events' refusals (4xx naming the field) and what a hostile request cannot do.

const t = useApiHarness('viewer');

describe('GET /api/risk/events: errors and security', () => {
  it('401 without a token', async () => {
    const r = await t.call('GET', '/api/risk/events');
    expect(r.status).toBe(401);
  });

  it.each([
    ['/api/risk/events?kind=breaker_%25', 'kind'],
    ['/api/risk/events?kind=%00', 'kind'],
    ['/api/risk/events?limit=0', 'limit'],
    ['/api/risk/events?limit=501', 'limit'],
  ])('422 for %s naming %s', async (path, field) => {
    const r = await t.call('GET', path, { token: t.token });
    expect(r.status).toBe(422);
    const named = r.json.error.details.field ?? r.json.error.details.issues?.[0]?.path;
    expect(named).toBe(field);
  });

  it('a write is 404 and stores nothing', async () => {
    const [before] = await t.h.db.select({ n: count() }).from(riskEvents);
    const r = await t.call('POST', '/api/risk/events', {
      token: t.token,
      body: { code: 'breaker_forged', severity: 'critical' },
    });
    expect(r.status).toBe(404);
    const [after] = await t.h.db.select({ n: count() }).from(riskEvents);
    expect(after!.n).toBe(before!.n);
  });
});
