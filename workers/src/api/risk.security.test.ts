import { updateUser } from '@enigma/db/repositories/users';
import { apiKeys, auditLog, commands, settings } from '@enigma/db/schema/index';
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// Issue #13's findings on the risk routes, each as the request that reproduced it: an empty or hostile
// request never switches the kill switch off or wipes the limits, and a refused change leaves no trace
// (no setting, no command, no audit row, nothing on the bus).

const t = useApiHarness('admin');

async function footprint() {
  const [a] = await t.h.db.select({ n: count() }).from(auditLog);
  const [c] = await t.h.db.select({ n: count() }).from(commands);
  const s = await t.h.db.select().from(settings);
  return { audit: a!.n, commands: c!.n, settings: s, bus: t.h.bus.entries.length };
}

describe('risk: security', () => {
  it('an empty PUT /api/risk/kill-switch (no body, no content type) leaves the switch on', async () => {
    const on = await t.call('PUT', '/api/risk/kill-switch', {
      token: t.token,
      body: { on: true, reason: 'drill' },
    });
    expect(on.status).toBe(200);
    const before = await footprint();
    const empty = await t.h.app.request('/api/risk/kill-switch', {
      method: 'PUT',
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(empty.status).toBe(422);
    expect(await footprint()).toEqual(before);
    expect((await t.call('GET', '/api/risk', { token: t.token })).json.killSwitch).toMatchObject({
      on: true,
    });
  });

  it.each([
    ['a NUL byte', 'stop\u0000now'],
    ['a lone surrogate', 'stop\ud800now'],
  ])('a reason with %s is 422 naming reason, and changes nothing', async (_what, reason) => {
    const before = await footprint();
    const r = await t.h.app.request('/api/risk/kill-switch', {
      method: 'PUT',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      // JSON.stringify escapes a lone surrogate as \ud800: the body is what an attacker would send
      body: JSON.stringify({ on: false, reason }),
    });
    expect(r.status).toBe(422);
    const body = (await r.json()) as { error: { details: { field?: string; issues?: { path: string }[] } } };
    const named = body.error.details.field ?? body.error.details.issues?.map((i) => i.path).join(',');
    expect(named).toContain('reason');
    expect(await footprint()).toEqual(before);
  });

  it('a body over the limit is 413 before it is read, and changes nothing', async () => {
    const before = await footprint();
    const reason = 'x'.repeat(t.h.config.maxBodyBytes + 1);
    const r = await t.call('PUT', '/api/settings/risk-limits', {
      token: t.token,
      body: { maxLeverage: 2, reason },
      headers: { 'content-length': String(reason.length + 40) },
    });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('payload_too_large');
    expect(await footprint()).toEqual(before);
  });

  it('a demoted admin’s API key can no longer turn the switch off or change limits', async () => {
    const admin = await loginAs(t.h, 'admin');
    const created = await t.call('POST', '/api/api-keys', {
      token: admin.token,
      body: { name: 'ops-script', role: 'admin' },
    });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    const [keyRow] = await t.h.db.select().from(apiKeys).where(eq(apiKeys.id, created.json.id));
    await updateUser(t.h.db, keyRow!.userId!, { role: 'viewer' });
    const before = await footprint();
    const off = await t.call('PUT', '/api/risk/kill-switch', { key, body: { on: false, reason: 'x' } });
    expect(off.status).toBe(403);
    const limits = await t.call('PUT', '/api/settings/risk-limits', { key, body: {} });
    expect(limits.status).toBe(403);
    expect(await footprint()).toEqual(before);
    // reading is still allowed to a viewer
    expect((await t.call('GET', '/api/risk', { key })).status).toBe(200);
  });
});
