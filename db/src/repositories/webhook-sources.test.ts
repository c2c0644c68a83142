import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../crypto/envelope.ts';
import { rowsOf } from '../db-type.ts';
import { openTestDatabase, TEST_DRIVERS, type TestHandle } from '../testing/drivers.ts';
import {
  createWebhookSource,
  getWebhookSourceByName,
  listWebhookSources,
  rotateWebhookSecret,
  updateWebhookSource,
  verifyWebhookSecret,
} from './webhook-sources.ts';

describe.each(TEST_DRIVERS)('webhook sources (%s)', (kind) => {
  let h: TestHandle;
  const mk = generateMasterKey();
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('creates a source with defaults and returns its secret once, stored encrypted', async () => {
    const { source, secret } = await createWebhookSource(h.db, mk, { name: 'tv-main', kind: 'tradingview' });
    expect(source).toMatchObject({
      name: 'tv-main',
      kind: 'tradingview',
      staleAfterSeconds: 60,
      enabled: true,
    });
    expect(source.ipAllowlist).toEqual([]);
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const raw = rowsOf<{ r: string }>(
      await h.db.execute(sql`select (s.*)::text as r from webhook_source_secrets s`),
    );
    expect(raw.join('\n')).not.toContain(secret);

    const loaded = await getWebhookSourceByName(h.db, mk, 'tv-main');
    expect(loaded?.secrets.map((s) => s.plaintext)).toEqual([secret]);
    expect(await verifyWebhookSecret(loaded!, secret)).toBe(true);
    expect(await verifyWebhookSecret(loaded!, `${secret}x`)).toBe(false);
    expect(await verifyWebhookSecret(loaded!, '')).toBe(false);
  });

  it('stores api-kind secrets only as a hash and still verifies them', async () => {
    const { secret } = await createWebhookSource(h.db, mk, { name: 'api-bot', kind: 'api' });
    const loaded = await getWebhookSourceByName(h.db, mk, 'api-bot');
    expect(loaded?.secrets[0]?.plaintext).toBeNull();
    expect(loaded?.secrets[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyWebhookSecret(loaded!, secret)).toBe(true);
    expect(await verifyWebhookSecret(loaded!, 'guess')).toBe(false);
  });

  it('rotates: the old secret survives only for the grace period', async () => {
    const { secret: old } = await createWebhookSource(h.db, mk, { name: 'rot', kind: 'custom' });
    const now = new Date();
    const { secret: fresh } = await rotateWebhookSecret(h.db, mk, 'rot', { graceSeconds: 300, now });
    const during = await getWebhookSourceByName(h.db, mk, 'rot', new Date(now.getTime() + 1000));
    expect(await verifyWebhookSecret(during!, old)).toBe(true);
    expect(await verifyWebhookSecret(during!, fresh)).toBe(true);
    const after = await getWebhookSourceByName(h.db, mk, 'rot', new Date(now.getTime() + 301_000));
    expect(await verifyWebhookSecret(after!, old)).toBe(false);
    expect(await verifyWebhookSecret(after!, fresh)).toBe(true);
    await expect(rotateWebhookSecret(h.db, mk, 'nope')).rejects.toThrow(/not found/);
  });

  it('updates policy, lists by name and rejects bad input', async () => {
    const { source } = await createWebhookSource(h.db, mk, { name: 'a-first', kind: 'custom' });
    const updated = await updateWebhookSource(h.db, source.id, {
      ipAllowlist: ['52.89.214.238', '34.212.75.30'],
      hmacRequired: true,
      rateLimitPerMin: 10,
    });
    expect(updated).toMatchObject({ hmacRequired: true, rateLimitPerMin: 10 });
    expect(updated?.ipAllowlist).toEqual(['52.89.214.238', '34.212.75.30']);
    expect((await listWebhookSources(h.db)).map((s) => s.name)[0]).toBe('a-first');
    await expect(updateWebhookSource(h.db, source.id, { staleAfterSeconds: 0 })).rejects.toThrow(/stale/);
    await expect(createWebhookSource(h.db, mk, { name: 'x', kind: 'email' as never })).rejects.toThrow(
      /kind/,
    );
    await expect(createWebhookSource(h.db, mk, { name: 'tv-main', kind: 'custom' })).rejects.toThrow();
    expect(await getWebhookSourceByName(h.db, mk, 'x')).toBeNull();
  });
});
