import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// Login, refresh, logout and API keys: the answers of the happy paths, field by field.

const t = useApiHarness('admin');

describe('auth: happy paths', () => {
  it('logs in with a token pair, refreshes it and logs out', async () => {
    const user = await loginAs(t.h, 'trader');
    const login = await t.call('POST', '/api/auth/login', {
      body: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    expect(Object.keys(login.json).sort()).toEqual([
      'accessToken',
      'expiresIn',
      'refreshToken',
      'role',
      'tokenType',
    ]);
    expect(login.json).toMatchObject({ tokenType: 'Bearer', role: 'trader', expiresIn: 900 });
    expect(login.json.refreshToken).toMatch(/^ert_/);
    const next = await t.call('POST', '/api/auth/refresh', {
      body: { refreshToken: login.json.refreshToken },
    });
    expect(next.status).toBe(200);
    expect(next.json.refreshToken).not.toBe(login.json.refreshToken);
    const out = await t.call('POST', '/api/auth/logout', { body: { refreshToken: next.json.refreshToken } });
    expect(out.status).toBe(204);
    const after = await t.call('POST', '/api/auth/refresh', {
      body: { refreshToken: next.json.refreshToken },
    });
    expect(after.status).toBe(401);
  });

  it('creates an API key shown once, lists it without the key, and revokes it', async () => {
    const created = await t.call('POST', '/api/api-keys', {
      token: t.token,
      body: { name: 'grafana', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.json).sort()).toEqual(['id', 'key', 'prefix']);
    expect(created.json.key).toMatch(/^enk_/);
    const risk = await t.call('GET', '/api/risk', { key: created.json.key });
    expect(risk.status).toBe(200);
    const list = await t.call('GET', '/api/api-keys', { token: t.token });
    const item = list.json.items.find((k: { id: string }) => k.id === created.json.id);
    expect(Object.keys(item).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role', 'userId'].sort(),
    );
    expect(item.lastUsedAt).not.toBeNull();
    expect(list.text).not.toContain(created.json.key);
    expect((await t.call('DELETE', `/api/api-keys/${created.json.id}`, { token: t.token })).status).toBe(204);
    expect((await t.call('GET', '/api/risk', { key: created.json.key })).status).toBe(401);
  });
});
