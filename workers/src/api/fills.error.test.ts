import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/fills' refusals: each a 4xx in the error envelope naming the field.

const t = useApiHarness('viewer');

describe('GET /api/fills: errors', () => {
  it('401 without a token', async () => {
    const r = await t.call('GET', '/api/fills');
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBeDefined();
  });

  it.each([
    ['/api/fills?symbol=xbt', 'symbol'],
    ['/api/fills?from=yesterday', 'from'],
    ['/api/fills?to=2024-13-01T00:00:00Z', 'to'],
    ['/api/fills?limit=0', 'limit'],
    ['/api/fills?limit=1001', 'limit'],
    ['/api/fills?limit=ten', 'limit'],
  ])('422 for %s naming %s', async (path, field) => {
    const r = await t.call('GET', path, { token: t.token });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('422 when `to` is not after `from`', async () => {
    const at = '2024-05-01T00:00:00Z';
    const r = await t.call('GET', `/api/fills?from=${at}&to=${at}`, { token: t.token });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toMatch(/`to` must be after `from`/);
  });
});
