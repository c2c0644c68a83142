import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// Webhook source settings: each refusal a 4xx naming what is wrong, and nothing changed.

const t = useApiHarness('admin');

describe('settings: errors', () => {
  it('401 without a token, 403 below admin', async () => {
    expect((await t.call('GET', '/api/settings/webhook-sources')).status).toBe(401);
    const { token } = await loginAs(t.h, 'trader');
    for (const [method, path, body] of [
      ['GET', '/api/settings/webhook-sources', undefined],
      ['POST', '/api/settings/webhook-sources', { name: 'x', kind: 'custom' }],
      ['GET', '/api/settings/webhook-sources/tradingview/secret', undefined],
      ['GET', '/api/audit/verify', undefined],
    ] as const)
      expect((await t.call(method, path, { token, ...(body ? { body } : {}) })).status).toBe(403);
  });

  it.each([
    [{ name: 'Bad Name', kind: 'custom' }, 'name'],
    [{ name: 'ok', kind: 'telegram' }, 'kind'],
    [{ name: 'ok', kind: 'custom', ipAllowlist: ['203.0.113.7/'] }, 'ipAllowlist.0'],
    [{ name: 'ok', kind: 'custom', rateLimitPerMin: 0 }, 'rateLimitPerMin'],
    [{ name: 'ok', kind: 'custom', staleAfterSeconds: 86_401 }, 'staleAfterSeconds'],
  ])('422 creating %j, naming %s', async (body, field) => {
    const r = await t.call('POST', '/api/settings/webhook-sources', { token: t.token, body });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('409 for a name in use', async () => {
    const body = { name: 'twice', kind: 'custom' };
    expect((await t.call('POST', '/api/settings/webhook-sources', { token: t.token, body })).status).toBe(
      201,
    );
    const again = await t.call('POST', '/api/settings/webhook-sources', { token: t.token, body });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });

  it('404 for an unknown source, 422 for a bad id or grace', async () => {
    const id = crypto.randomUUID();
    const patch = await t.call('PATCH', `/api/settings/webhook-sources/${id}`, {
      token: t.token,
      body: { enabled: false },
    });
    expect(patch.status).toBe(404);
    const rotate = await t.call('POST', '/api/settings/webhook-sources/nope/rotate', {
      token: t.token,
      body: { graceSeconds: 0 },
    });
    expect(rotate.status).toBe(404);
    expect(
      (await t.call('GET', '/api/settings/webhook-sources/nope/secret', { token: t.token })).status,
    ).toBe(404);
    const badId = await t.call('PATCH', '/api/settings/webhook-sources/not-a-uuid', {
      token: t.token,
      body: { enabled: false },
    });
    expect(badId.status).toBe(422);
    const grace = await t.call('POST', '/api/settings/webhook-sources/nope/rotate', {
      token: t.token,
      body: { graceSeconds: -1 },
    });
    expect(grace.status).toBe(422);
  });
});
