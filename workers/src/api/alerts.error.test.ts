import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// The alert routes' refusals: each a 4xx naming what is wrong.

const t = useApiHarness('viewer');

describe('alerts: errors', () => {
  it('401 without a token', async () => {
    expect((await t.call('GET', '/api/alerts')).status).toBe(401);
    expect((await t.call('POST', '/api/alerts/read', { body: { all: true } })).status).toBe(401);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['unread=yes', 'unread'],
  ])('422 for ?%s naming %s', async (query, field) => {
    const r = await t.call('GET', `/api/alerts?${query}`, { token: t.token });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues[0].path).toBe(field);
  });

  it.each([
    [{}, 'neither ids nor all'],
    [{ ids: [] }, 'no ids'],
    [{ ids: ['not-a-uuid'] }, 'a bad id'],
    [{ all: false }, 'all: false'],
    [{ all: true, ids: [crypto.randomUUID()] }, 'both'],
  ])('422 for %j (%s)', async (body, _why) => {
    const r = await t.call('POST', '/api/alerts/read', { token: t.token, body });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('validation_failed');
  });

  it('422 for an empty body, never "mark everything"', async () => {
    const r = await t.h.app.request('/api/alerts/read', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(r.status).toBe(422);
  });
});
