import { auditEntrySchema, exchangeCredentialSummarySchema } from '@enigma/core/api/responses';
import { loadExchangeCredential } from '@enigma/db/repositories/exchange-credentials';
import { exchangeCredentials } from '@enigma/db/schema/index';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// Write-only exchange credentials and the audit log listing (admin): stored sealed, never answered back.

const t = useApiHarness('admin');
const creds = {
  name: 'kucoin-main',
  apiKey: '6734a1f0c9e77c0001a4b2c3',
  apiSecret: 'f3b2c1d0-aaaa-4bbb-8ccc-SECRETSECRET01',
  passphrase: 'correct-horse-battery-staple',
  keyVersion: 3,
};

describe('exchange credentials and audit list: happy paths', () => {
  it('stores credentials sealed, answers and lists them without any secret, and audits without them', async () => {
    const r = await t.call('PUT', '/api/settings/exchange-credentials', { token: t.token, body: creds });
    expect(r.status).toBe(200);
    expect(r.json.replaced).toBe(false);
    expect(Object.keys(r.json.credential).sort()).toEqual(
      Object.keys(exchangeCredentialSummarySchema.shape).sort(),
    );
    expect(r.json.credential).toMatchObject({ name: 'kucoin-main', keyVersion: 3 });
    const list = await t.call('GET', '/api/settings/exchange-credentials', { token: t.token });
    expect(list.json.items).toEqual([r.json.credential]);
    const audit = await t.call('GET', '/api/audit', { token: t.token });
    for (const text of [
      r.text,
      list.text,
      audit.text,
      JSON.stringify(await t.h.db.select().from(exchangeCredentials)),
    ])
      for (const secret of [creds.apiKey, creds.apiSecret, creds.passphrase])
        expect(text).not.toContain(secret);
    // the stored row opens with the master key to exactly what was sent
    expect(await loadExchangeCredential(t.h.db, t.h.config.masterKey, r.json.credential.id)).toMatchObject({
      apiKey: creds.apiKey,
      apiSecret: creds.apiSecret,
      passphrase: creds.passphrase,
      keyVersion: 3,
    });
    const entry = audit.json.items[0];
    expect(auditEntrySchema.parse(entry)).toMatchObject({
      action: 'exchange_credentials.store',
      entityId: r.json.credential.id,
      data: { name: 'kucoin-main', keyVersion: 3, replaced: false },
    });
  });

  it('storing under the same name replaces the credentials (one row, the new ones open)', async () => {
    const r = await t.call('PUT', '/api/settings/exchange-credentials', {
      token: t.token,
      body: { ...creds, apiSecret: 'rotated-secret-0002', keyVersion: 2 },
    });
    expect(r.json.replaced).toBe(true);
    const list = await t.call('GET', '/api/settings/exchange-credentials', { token: t.token });
    expect(list.json.items).toHaveLength(1);
    const loaded = await loadExchangeCredential(t.h.db, t.h.config.masterKey, list.json.items[0].id);
    expect(loaded).toMatchObject({ apiSecret: 'rotated-secret-0002', keyVersion: 2 });
  });

  it('lists the audit log newest first, a page at a time, and the chain still verifies', async () => {
    const all = (await t.call('GET', '/api/audit?limit=500', { token: t.token })).json.items as {
      seq: number;
    }[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const first = (await t.call('GET', '/api/audit?limit=1', { token: t.token })).json.items;
    expect(first).toEqual([all[0]]);
    const next = await t.call('GET', `/api/audit?limit=1&beforeSeq=${all[0]!.seq}`, { token: t.token });
    expect(next.json.items).toEqual([all[1]]);
    expect((await t.call('GET', '/api/audit/verify', { token: t.token })).json).toMatchObject({
      ok: true,
      rows: all.length,
    });
  });
});
