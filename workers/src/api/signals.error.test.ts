import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// The signal routes' refusals: each its documented code, naming the field.

const t = useApiHarness('viewer');
const paths = (r: { json: { error: { details: { issues?: { path: string }[] } } } }) =>
  (r.json.error.details.issues ?? []).map((i) => i.path);

describe('signals: errors', () => {
  it('401 unauthorized without a token or with a forged one', async () => {
    for (const path of ['/api/signals', `/api/signals/${crypto.randomUUID()}`]) {
      const anon = await t.call('GET', path);
      expect(anon.status).toBe(401);
      expect(anon.json.error.code).toBe('unauthorized');
      const forged = await t.call('GET', path, { token: `${t.token.slice(0, -4)}AAAA` });
      expect(forged.status).toBe(401);
    }
  });

  it.each([
    ['status=bogus', 'status'],
    ['status=received,bogus', 'status'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['from=yesterday', 'from'],
    ['to=2024-13-01T00:00:00Z', 'to'],
    ['cursor=not-a-uuid', 'cursor'],
    [`symbol=${'X'.repeat(33)}`, 'symbol'],
  ])('GET /api/signals?%s: 422 naming %s', async (query, field) => {
    const r = await t.call('GET', `/api/signals?${query}`, { token: t.token });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('validation_failed');
    expect(paths(r)).toContain(field);
  });

  it('GET /api/signals/{id}: 404 not_found for an unknown id, 422 naming id for a bad one', async () => {
    const missing = await t.call('GET', `/api/signals/${crypto.randomUUID()}`, { token: t.token });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'not_found', message: 'no such signal' });
    const bad = await t.call('GET', '/api/signals/42', { token: t.token });
    expect(bad.status).toBe(422);
    expect(paths(bad)).toContain('id');
  });
});
