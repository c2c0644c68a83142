import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// Login, refresh, logout and API keys: each refusal a 4xx in the error envelope.

const t = useApiHarness('admin');

describe('auth: errors', () => {
  it.each([
    [{ email: 'a@b.c' }, 'password'],
    [{ password: 'x' }, 'email'],
    [{ email: 'ab', password: 'x' }, 'email'],
    [{ email: 'a@b.c', password: '' }, 'password'],
  ])('422 logging in with %j, naming %s', async (body, field) => {
    const r = await t.call('POST', '/api/auth/login', { body, headers: { 'x-test-ip': '198.51.100.200' } });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('401 for a wrong password, an unknown refresh token or an access token used to refresh', async () => {
    const user = await loginAs(t.h, 'viewer');
    const wrong = await t.call('POST', '/api/auth/login', {
      body: { email: user.email, password: 'wrong' },
      headers: { 'x-test-ip': '198.51.100.201' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('invalid_credentials');
    expect((await t.call('POST', '/api/auth/refresh', { body: { refreshToken: 'ert_nope' } })).status).toBe(
      401,
    );
    expect((await t.call('POST', '/api/auth/refresh', { body: { refreshToken: user.token } })).status).toBe(
      401,
    );
  });

  it('API keys: 401 without a token, 403 below admin, 422 for a bad role or id, 404 for an unknown key', async () => {
    expect((await t.call('GET', '/api/api-keys')).status).toBe(401);
    const viewer = await loginAs(t.h, 'viewer');
    const low = await t.call('POST', '/api/api-keys', { token: viewer.token, body: { name: 'x' } });
    expect(low.status).toBe(403);
    const role = await t.call('POST', '/api/api-keys', { token: t.token, body: { name: 'x', role: 'root' } });
    expect(role.status).toBe(422);
    expect((await t.call('DELETE', '/api/api-keys/not-a-uuid', { token: t.token })).status).toBe(422);
    expect((await t.call('DELETE', `/api/api-keys/${crypto.randomUUID()}`, { token: t.token })).status).toBe(
      404,
    );
  });
});
