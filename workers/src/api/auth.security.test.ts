import { updateUser } from '@enigma/db/repositories/users';
import { apiKeys } from '@enigma/db/schema/index';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword } from '../auth/users.ts';
import { backoffSeconds } from './auth.ts';

// Issue #13's findings on sessions and keys, each written as the request that reproduced it.

let h: Awaited<ReturnType<typeof nodeHarness>>;
let adminId: string;

const request = apiCaller(() => h.app);
/** From one fixed address unless `ip` is given (login limits are per address). */
function call(
  method: string,
  path: string,
  opts: { token?: string; key?: string; body?: unknown; ip?: string } = {},
) {
  const { ip, ...rest } = opts;
  return request(method, path, { ...rest, headers: { 'x-test-ip': ip ?? '192.0.2.10' } });
}

async function login(email: string, password: string, ip = '192.0.2.10') {
  const r = await call('POST', '/api/auth/login', { body: { email, password }, ip });
  expect(r.status).toBe(200);
  return r.json as { accessToken: string; refreshToken: string };
}

beforeAll(async () => {
  h = await nodeHarness();
  adminId = (
    await createUserWithPassword(h.db, { email: 'admin@s.test', password: 'admin-pw', role: 'admin' })
  ).id;
});
afterAll(() => h.close());

describe('refresh tokens', () => {
  it('are rotated on use: the old token no longer works', async () => {
    const first = await login('admin@s.test', 'admin-pw');
    const second = await call('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.json.refreshToken).not.toBe(first.refreshToken);
    expect(second.json.refreshToken).toMatch(/^ert_/);
  });

  it('reuse of a used token revokes the whole family (the thief and the owner both log in again)', async () => {
    const first = await login('admin@s.test', 'admin-pw');
    const owner = await call('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    const thief = await call('POST', '/api/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(thief.status).toBe(401);
    const ownerNext = await call('POST', '/api/auth/refresh', {
      body: { refreshToken: owner.json.refreshToken },
    });
    expect(ownerNext.status).toBe(401);
    // another session (family) is untouched
    const other = await login('admin@s.test', 'admin-pw');
    expect(
      (await call('POST', '/api/auth/refresh', { body: { refreshToken: other.refreshToken } })).status,
    ).toBe(200);
  });

  it('logout revokes the session', async () => {
    const s = await login('admin@s.test', 'admin-pw');
    expect((await call('POST', '/api/auth/logout', { body: { refreshToken: s.refreshToken } })).status).toBe(
      204,
    );
    expect((await call('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } })).status).toBe(
      401,
    );
  });

  it('expire by the app clock, and stop with a disabled user', async () => {
    const s = await login('admin@s.test', 'admin-pw');
    const saved = h.clock.now;
    h.clock.now += (h.config.refreshTokenTtlSeconds + 1) * 1000;
    try {
      expect(
        (await call('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } })).status,
      ).toBe(401);
    } finally {
      h.clock.now = saved;
    }
    const u = await createUserWithPassword(h.db, { email: 'gone@s.test', password: 'pw', role: 'viewer' });
    const g = await login('gone@s.test', 'pw');
    await updateUser(h.db, u.id, { disabled: true });
    expect((await call('POST', '/api/auth/refresh', { body: { refreshToken: g.refreshToken } })).status).toBe(
      401,
    );
  });

  it('an access token is never accepted as a refresh token', async () => {
    const s = await login('admin@s.test', 'admin-pw');
    expect((await call('POST', '/api/auth/refresh', { body: { refreshToken: s.accessToken } })).status).toBe(
      401,
    );
  });
});

describe('API keys act for their user', () => {
  it('take the lesser of their own role and the user’s current role, stop with a disabled user, record lastUsedAt', async () => {
    const trader = await createUserWithPassword(h.db, {
      email: 'trader@s.test',
      password: 'pw',
      role: 'admin',
    });
    const adminSession = await login('trader@s.test', 'pw');
    const created = await call('POST', '/api/api-keys', {
      token: adminSession.accessToken,
      body: { name: 'script', role: 'admin' },
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^enk_/);
    expect((await call('GET', '/api/settings/webhook-sources', { key })).status).toBe(200);
    // demoted to trader: the admin key acts as a trader
    await updateUser(h.db, trader.id, { role: 'trader' });
    expect((await call('GET', '/api/settings/webhook-sources', { key })).status).toBe(403);
    expect((await call('GET', '/api/signals', { key })).status).toBe(200);
    const [row] = await h.db.select().from(apiKeys).where(eq(apiKeys.id, created.json.id));
    expect(row?.lastUsedAt).toBeInstanceOf(Date);
    await updateUser(h.db, trader.id, { disabled: true });
    expect((await call('GET', '/api/signals', { key })).status).toBe(401);
  });

  it('a revoked key stops at once', async () => {
    const s = await login('admin@s.test', 'admin-pw');
    const created = await call('POST', '/api/api-keys', {
      token: s.accessToken,
      body: { name: 'tmp', role: 'viewer' },
    });
    const key = created.json.key as string;
    expect((await call('GET', '/api/signals', { key })).status).toBe(200);
    expect((await call('DELETE', `/api/api-keys/${created.json.id}`, { token: s.accessToken })).status).toBe(
      204,
    );
    expect((await call('GET', '/api/signals', { key })).status).toBe(401);
    const list = await call('GET', '/api/api-keys', { token: s.accessToken });
    const item = list.json.items.find((k: { id: string }) => k.id === created.json.id);
    expect(Object.keys(item).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role', 'userId'].sort(),
    );
    expect(item.revokedAt).not.toBeNull();
    expect(adminId).toBeTruthy();
  });
});

describe('login', () => {
  it('checks the address limit first: 31 attempts from one address are 429 whatever the account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push(
        (
          await call('POST', '/api/auth/login', {
            body: { email: `u${i}@s.test`, password: 'x' },
            ip: '203.0.113.99',
          })
        ).status,
      );
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });

  it('spends about the same time on an unknown email as on a wrong password', async () => {
    // its own account: the failed logins below put an account into back-off, which must not reach
    // the admin account the other tests log in with
    await createUserWithPassword(h.db, { email: 'timing@s.test', password: 'timing-pw', role: 'viewer' });
    const time = async (email: string) => {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) {
        await call('POST', '/api/auth/login', { body: { email, password: `nope${i}` }, ip: `198.18.9.${i}` });
      }
      return performance.now() - t0;
    };
    await time('timing@s.test'); // warm-up
    const known = await time('timing@s.test');
    const unknown = await time('nobody-here@s.test');
    // Both verify one PBKDF2 hash (100,000 iterations); an early return would be ~100× faster.
    expect(unknown).toBeGreaterThan(known * 0.4);
  });

  it('backs off an account at the address its failures came from, never at the owner’s: 12 wrong passwords from 12 addresses do not keep the owner out', async () => {
    await createUserWithPassword(h.db, { email: 'owner@s.test', password: 'owner-pw-1', role: 'viewer' });
    for (let i = 0; i < 12; i++) {
      const r = await call('POST', '/api/auth/login', {
        body: { email: 'owner@s.test', password: `guess${i}` },
        ip: `192.0.2.${i + 1}`,
      });
      expect(r.status).toBe(401);
    }
    // the attacker's own address is backed off after its failures
    for (let i = 0; i < 6; i++)
      await call('POST', '/api/auth/login', {
        body: { email: 'owner@s.test', password: 'x' },
        ip: '192.0.2.99',
      });
    const attacker = await call('POST', '/api/auth/login', {
      body: { email: 'owner@s.test', password: 'y' },
      ip: '192.0.2.99',
    });
    expect(attacker.status).toBe(429);
    // the owner, from their own address, with the right password
    const owner = await call('POST', '/api/auth/login', {
      body: { email: 'owner@s.test', password: 'owner-pw-1' },
      ip: '198.51.100.7',
    });
    expect(owner.status).toBe(200);
  });

  it('backs off 1, 2, 4, … s after 5 failures, at most 300 s', () => {
    expect([0, 4, 5, 6, 7, 12, 20].map(backoffSeconds)).toEqual([0, 0, 1, 2, 4, 128, 300]);
  });
});
