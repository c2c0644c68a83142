import { auditVerificationSchema, webhookSourceSchema } from '@enigma/core/api/responses';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// Webhook source settings and audit verification (admin): each answer exactly its schema.

const t = useApiHarness('admin');
const keys = Object.keys(webhookSourceSchema.shape).sort();

async function createSource(name: string) {
  const r = await t.call('POST', '/api/settings/webhook-sources', {
    token: t.token,
    body: { name, kind: 'custom', ipAllowlist: ['52.89.214.238', '2001:db8::/32'], rateLimitPerMin: 30 },
  });
  expect(r.status).toBe(201);
  return r.json as { source: { id: string; name: string }; secret: string };
}

describe('settings: happy paths', () => {
  it('creates a source: its policy with exactly the schema fields, and its secret once', async () => {
    const { source, secret } = await createSource('happy-create');
    expect(Object.keys(source).sort()).toEqual(keys);
    expect(webhookSourceSchema.parse(source)).toMatchObject({
      name: 'happy-create',
      ipAllowlist: ['52.89.214.238', '2001:db8::/32'],
      rateLimitPerMin: 30,
      enabled: true,
    });
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const list = await t.call('GET', '/api/settings/webhook-sources', { token: t.token });
    expect(list.json.items.find((s: { name: string }) => s.name === 'happy-create')).toEqual(source);
    expect(list.text).not.toContain(secret);
  });

  it('changes a policy', async () => {
    const { source } = await createSource('happy-patch');
    const r = await t.call('PATCH', `/api/settings/webhook-sources/${source.id}`, {
      token: t.token,
      body: { enabled: false, hmacRequired: true },
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(keys);
    expect(r.json).toMatchObject({ id: source.id, enabled: false, hmacRequired: true });
  });

  it('rotates a secret, and shows the current one on request', async () => {
    const { secret } = await createSource('happy-rotate');
    const shown = await t.call('GET', '/api/settings/webhook-sources/happy-rotate/secret', {
      token: t.token,
    });
    expect(shown.json).toEqual({ secret });
    const rotated = await t.call('POST', '/api/settings/webhook-sources/happy-rotate/rotate', {
      token: t.token,
      body: { graceSeconds: 60 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    const now = await t.call('GET', '/api/settings/webhook-sources/happy-rotate/secret', { token: t.token });
    expect(now.json).toEqual({ secret: rotated.json.secret });
  });

  it('verifies the audit chain', async () => {
    const r = await t.call('GET', '/api/audit/verify', { token: t.token });
    expect(r.status).toBe(200);
    expect(auditVerificationSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toMatchObject({ ok: true, legacyRows: 0 });
  });
});
