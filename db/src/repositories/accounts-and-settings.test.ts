import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DRIVERS_WITH_HTTP, type TestHandle } from '../testing/drivers.ts';
import { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import { getBreaker, listBreakers, setBreaker } from './circuit-breakers.ts';
import { deleteSetting, getSetting, listSettings, putSetting } from './settings.ts';
import { createUser, getUserByEmail, listUsers, updateUser } from './users.ts';

describe.each(TEST_DRIVERS_WITH_HTTP)('users, api keys, settings, breakers (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('creates users with case-insensitive emails and checked roles', async () => {
    const u = await createUser(h.db, {
      email: 'Alice@Example.com',
      passwordHash: '$scrypt$n=16384$abc$def',
      role: 'admin',
    });
    expect(u).toMatchObject({ email: 'alice@example.com', role: 'admin', disabled: false });
    expect((await getUserByEmail(h.db, 'ALICE@example.COM'))?.id).toBe(u.id);
    await expect(createUser(h.db, { email: 'alice@example.com', passwordHash: 'x' })).rejects.toThrow();
    await expect(createUser(h.db, { email: 'not-an-email', passwordHash: 'x' })).rejects.toThrow(/email/);
    await expect(updateUser(h.db, u.id, { role: 'root' as never })).rejects.toThrow(/role/);
    expect(await updateUser(h.db, u.id, { role: 'trader', disabled: true })).toMatchObject({
      role: 'trader',
      disabled: true,
    });
    expect((await listUsers(h.db)).map((x) => x.email)).toEqual(['alice@example.com']);
  });

  it('authenticates an API key by hash until it expires or is revoked', async () => {
    const now = new Date('2026-11-25T08:00:00Z');
    const { apiKey, key } = await createApiKey(h.db, {
      name: 'grafana',
      role: 'viewer',
      expiresAt: new Date(now.getTime() + 3600_000),
    });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).not.toHaveProperty('keyHash');
    const ok = await authenticateApiKey(h.db, key, now);
    expect(ok).toMatchObject({ id: apiKey.id, role: 'viewer' });
    expect(ok?.lastUsedAt?.getTime()).toBe(now.getTime());
    expect(await authenticateApiKey(h.db, `${key}x`, now)).toBeNull();
    expect(await authenticateApiKey(h.db, key, new Date(now.getTime() + 7200_000))).toBeNull();
    expect(await revokeApiKey(h.db, apiKey.id)).toBe(true);
    expect(await revokeApiKey(h.db, apiKey.id)).toBe(false);
    expect(await authenticateApiKey(h.db, key, now)).toBeNull();
    expect((await listApiKeys(h.db)).map((k) => k.name)).toEqual(['grafana']);
    await expect(createApiKey(h.db, { name: 'x', role: 'god' as never })).rejects.toThrow(/role/);
  });

  it('stores settings as JSON values and replaces them', async () => {
    expect(await getSetting(h.db, 'risk.maxLeverage')).toBeUndefined();
    await putSetting(h.db, 'risk.maxLeverage', 5, 'user:alice');
    await putSetting(h.db, 'risk.maxLeverage', { value: '7.5', per: ['XBTUSDTM'] }, 'user:bob');
    await putSetting(h.db, 'engine.paused', false);
    expect(await getSetting(h.db, 'risk.maxLeverage')).toEqual({ value: '7.5', per: ['XBTUSDTM'] });
    expect(await getSetting(h.db, 'engine.paused')).toBe(false);
    expect((await listSettings(h.db)).map((s) => [s.key, s.updatedBy])).toEqual([
      ['engine.paused', null],
      ['risk.maxLeverage', 'user:bob'],
    ]);
    await expect(putSetting(h.db, 'x', undefined)).rejects.toThrow(/undefined/);
    expect(await deleteSetting(h.db, 'engine.paused')).toBe(true);
    expect(await getSetting(h.db, 'engine.paused')).toBeUndefined();
  });

  it('trips a breaker to reduce-only then halted (keeping the first trip time) and resets it; unknown ones are active', async () => {
    expect((await getBreaker(h.db, 'global')).state).toBe('active');
    const t = new Date('2026-11-25T09:00:00Z');
    const reduce = await setBreaker(h.db, 'global', { state: 'reduce_only', reason: 'errors', now: t });
    expect(reduce).toMatchObject({ state: 'reduce_only', reason: 'errors' });
    expect(reduce.trippedAt?.getTime()).toBe(t.getTime());
    const halted = await setBreaker(h.db, 'global', {
      state: 'halted',
      reason: 'daily_loss_limit',
      now: new Date(t.getTime() + 1000),
    });
    expect(halted).toMatchObject({ state: 'halted', reason: 'daily_loss_limit' });
    expect(halted.trippedAt?.getTime()).toBe(t.getTime());
    const active = await setBreaker(h.db, 'global', { state: 'active', reason: 'ignored' });
    expect(active).toMatchObject({ state: 'active', reason: null, trippedAt: null });
    await expect(setBreaker(h.db, 'global', { state: 'melted' as never })).rejects.toThrow(/state/);
    expect((await listBreakers(h.db)).map((b) => b.scope)).toEqual(['global']);
  });
});
