import { exchangeCredentials } from '@enigma/db/schema/index';
import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// Exchange credentials and the audit list: each refusal a 4xx naming the field, and nothing stored.

const t = useApiHarness('admin');
const good = { name: 'main', apiKey: 'k-1', apiSecret: 's-1', passphrase: 'p-1', keyVersion: 3 };

describe('exchange credentials and audit list: errors', () => {
  it('401 without a token, 403 below admin', async () => {
    expect((await t.call('PUT', '/api/settings/exchange-credentials', { body: good })).status).toBe(401);
    expect((await t.call('GET', '/api/audit')).status).toBe(401);
    for (const role of ['viewer', 'trader'] as const) {
      const { token } = await loginAs(t.h, role);
      expect((await t.call('PUT', '/api/settings/exchange-credentials', { token, body: good })).status).toBe(
        403,
      );
      expect((await t.call('GET', '/api/settings/exchange-credentials', { token })).status).toBe(403);
      expect((await t.call('GET', '/api/audit', { token })).status).toBe(403);
    }
    expect(await t.h.db.select().from(exchangeCredentials)).toEqual([]);
  });

  it.each([
    [{ ...good, name: 'Main Account' }, 'name'],
    [{ ...good, apiKey: '' }, 'apiKey'],
    [{ ...good, apiSecret: 's-1\n' }, 'apiSecret'],
    [{ ...good, passphrase: undefined }, 'passphrase'],
    [{ ...good, keyVersion: 1 }, 'keyVersion'],
  ])('422 storing %j, naming %s, nothing stored', async (body, field) => {
    const r = await t.call('PUT', '/api/settings/exchange-credentials', { token: t.token, body });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(await t.h.db.select().from(exchangeCredentials)).toEqual([]);
  });

  it('422 for a bad audit page', async () => {
    for (const q of ['limit=0', 'limit=501', 'beforeSeq=0', 'limit=x'])
      expect((await t.call('GET', `/api/audit?${q}`, { token: t.token })).status).toBe(422);
  });
});
