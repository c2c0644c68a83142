import { legacyAuditHash } from '@enigma/db/repositories/audit';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { apiKeys, auditHead, auditLog, settings, webhookSources } from '@enigma/db/schema/index';
import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';
import { bootstrapEmbedded } from '../bootstrap.ts';

// Issue #13 "Audit": the chain is keyed with a secret held outside the database (HMAC), and each
// audit row is written in the same transaction as the change it records.

let h: Awaited<ReturnType<typeof nodeHarness>>;
let adminToken: string;
let traderToken: string;
const call = apiCaller(() => h.app);

async function login(email: string, password: string): Promise<string> {
  const r = await call('POST', '/api/auth/login', { body: { email, password } });
  expect(r.status).toBe(200);
  return r.json.accessToken;
}

async function lastAudit() {
  const [row] = await h.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  return row;
}

async function auditCount(): Promise<number> {
  return (await h.db.select({ seq: auditLog.seq }).from(auditLog)).length;
}

beforeAll(async () => {
  h = await nodeHarness();
  const boot = await bootstrapEmbedded(
    { db: h.db, kv: h.kv, bus: h.bus, config: h.config, logger: h.deps.logger },
    { baseUrl: 'http://127.0.0.1:1' },
  );
  adminToken = await login(boot.admin!.email, boot.admin!.password);
  await createUser(h.db, { email: 'trader@audit.test', password: 'trader-password', role: 'trader' });
  traderToken = await login('trader@audit.test', 'trader-password');
  // The source the rotate, reveal, PATCH and rollback tests act on, made here (not by an earlier test,
  // through the API) so that each test runs alone and in any order.
  await createWebhookSource(h.db, h.config.masterKey, { name: 'audited', kind: 'custom' });
});
afterAll(() => h.close());

describe('every mutating route writes one audit row with its change', () => {
  // [method, path, body, expected action]; each request must succeed and add exactly one row
  const routes: [string, string, unknown, string][] = [
    ['POST', '/api/auth/login', 'login', 'auth.login'],
    ['POST', '/api/api-keys', { name: 'ci', role: 'viewer' }, 'api_key.create'],
    ['PUT', '/api/settings/risk-limits', { maxLeverage: 4 }, 'risk_limits.set'],
    ['PUT', '/api/risk/kill-switch', { on: true, reason: 'audit drill' }, 'command.kill_switch'],
    [
      'POST',
      '/api/settings/webhook-sources',
      { name: 'audited-new', kind: 'custom' },
      'webhook_source.create',
    ],
    ['POST', '/api/settings/webhook-sources/audited/rotate', { graceSeconds: 0 }, 'webhook_source.rotate'],
    ['GET', '/api/settings/webhook-sources/audited/secret', undefined, 'webhook_source.reveal'],
  ];
  it.each(routes)('%s %s', async (method, path, body, action) => {
    const before = await auditCount();
    const r =
      body === 'login'
        ? await call('POST', path, { body: { email: 'trader@audit.test', password: 'trader-password' } })
        : await call(method, path, { token: adminToken, ...(body === undefined ? {} : { body }) });
    expect(r.status).toBeLessThan(300);
    expect(await auditCount()).toBe(before + 1);
    expect((await lastAudit())?.action).toBe(action);
    expect((await call('GET', '/api/audit/verify', { token: adminToken })).json).toEqual({
      ok: true,
      rows: before + 1,
      legacyRows: 0,
    });
  });

  it('PATCH, revoke and logout too', async () => {
    const [source] = await h.db.select().from(webhookSources).where(eq(webhookSources.name, 'audited'));
    const patched = await call('PATCH', `/api/settings/webhook-sources/${source!.id}`, {
      token: adminToken,
      body: { enabled: false },
    });
    expect(patched.status).toBe(200);
    expect((await lastAudit())?.action).toBe('webhook_source.update');
    const key = await call('POST', '/api/api-keys', {
      token: adminToken,
      body: { name: 'revoked', role: 'viewer' },
    });
    expect(key.status).toBe(201);
    expect((await call('DELETE', `/api/api-keys/${key.json.id}`, { token: adminToken })).status).toBe(204);
    expect((await lastAudit())?.action).toBe('api_key.revoke');
    const l = await call('POST', '/api/auth/login', {
      body: { email: 'trader@audit.test', password: 'trader-password' },
    });
    const out = await call('POST', '/api/auth/logout', { body: { refreshToken: l.json.refreshToken } });
    expect(out.status).toBe(204);
    expect(await lastAudit()).toMatchObject({
      action: 'auth.logout',
      actor: expect.stringMatching(/^user:/),
    });
  });
});

describe('the change and its audit row commit together', () => {
  // Without the chain head the append fails inside the route's transaction: the change must roll back.
  async function withoutAuditHead(work: () => Promise<void>) {
    const [head] = await h.db.select().from(auditHead);
    await h.db.delete(auditHead);
    try {
      await work();
    } finally {
      await h.db.insert(auditHead).values(head!);
    }
  }

  it('risk limits, API keys, webhook sources and secret rotations are not changed when the audit fails', async () => {
    const limitsBefore = await h.db.select().from(settings).where(eq(settings.key, 'risk.limits'));
    const keysBefore = (await h.db.select().from(apiKeys)).length;
    const [source] = await h.db.select().from(webhookSources).where(eq(webhookSources.name, 'audited'));
    const revealed = await call('GET', '/api/settings/webhook-sources/audited/secret', { token: adminToken });
    await withoutAuditHead(async () => {
      const limits = await call('PUT', '/api/settings/risk-limits', {
        token: adminToken,
        body: { maxLeverage: 2 },
      });
      expect(limits.status).toBe(500);
      const key = await call('POST', '/api/api-keys', {
        token: adminToken,
        body: { name: 'x', role: 'viewer' },
      });
      expect(key.status).toBe(500);
      const created = await call('POST', '/api/settings/webhook-sources', {
        token: adminToken,
        body: { name: 'never', kind: 'custom' },
      });
      expect(created.status).toBe(500);
      const rotated = await call('POST', '/api/settings/webhook-sources/audited/rotate', {
        token: adminToken,
        body: { graceSeconds: 0 },
      });
      expect(rotated.status).toBe(500);
      const patched = await call('PATCH', `/api/settings/webhook-sources/${source!.id}`, {
        token: adminToken,
        body: { enabled: true },
      });
      expect(patched.status).toBe(500);
      // the error text is not handed out
      expect(limits.text).not.toMatch(/audit_head/);
    });
    expect(await h.db.select().from(settings).where(eq(settings.key, 'risk.limits'))).toEqual(limitsBefore);
    expect((await h.db.select().from(apiKeys)).length).toBe(keysBefore);
    expect(await h.db.select().from(webhookSources).where(eq(webhookSources.name, 'never'))).toEqual([]);
    const [after] = await h.db.select().from(webhookSources).where(eq(webhookSources.id, source!.id));
    expect(after!.enabled).toBe(source!.enabled);
    // the old secret still holds: the rotation rolled back with its audit row
    const again = await call('GET', '/api/settings/webhook-sources/audited/secret', { token: adminToken });
    expect(again.json.secret).toBe(revealed.json.secret);
    expect((await call('GET', '/api/audit/verify', { token: adminToken })).json.ok).toBe(true);
  });
});

describe('a database writer cannot rewrite history unnoticed', () => {
  it('an edited row re-hashed without the key (bare SHA-256, as the chain once was) is reported', async () => {
    const row = await lastAudit();
    const edited = { ...row!, actor: 'user:mallory' };
    await h.db.execute(sql`alter table audit_log disable trigger user`);
    try {
      await h.db.execute(
        sql`update audit_log set actor = 'user:mallory', hash = ${await legacyAuditHash(edited)} where seq = ${row!.seq}`,
      );
      await h.db.update(auditHead).set({ hash: await legacyAuditHash(edited) });
      const verify = await call('GET', '/api/audit/verify', { token: adminToken });
      expect(verify.status).toBe(200);
      expect(verify.json).toMatchObject({ ok: false, firstBadSeq: row!.seq, problem: 'edited' });
    } finally {
      await h.db.execute(
        sql`update audit_log set actor = ${row!.actor}, hash = ${row!.hash} where seq = ${row!.seq}`,
      );
      await h.db.execute(sql`alter table audit_log enable trigger user`);
      await h.db.update(auditHead).set({ hash: row!.hash });
    }
    expect((await call('GET', '/api/audit/verify', { token: adminToken })).json.ok).toBe(true);
  });

  it('verification and secrets are for admins only', async () => {
    expect((await call('GET', '/api/audit/verify', { token: traderToken })).status).toBe(403);
    expect(
      (await call('GET', '/api/settings/webhook-sources/audited/secret', { token: traderToken })).status,
    ).toBe(403);
    expect(
      (await call('GET', '/api/settings/webhook-sources/nope/secret', { token: adminToken })).status,
    ).toBe(404);
  });
});
