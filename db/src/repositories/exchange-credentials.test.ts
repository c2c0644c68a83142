import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptionError, generateMasterKey, importMasterKey } from '../crypto/envelope.ts';
import { rowsOf } from '../db-type.ts';
import { exchangeAccounts, exchangeCredentials } from '../schema/index.ts';
import { openTestDatabase, TEST_DRIVERS_WITH_HTTP, type TestHandle } from '../testing/drivers.ts';
import { loadExchangeCredential, storeExchangeCredential } from './exchange-credentials.ts';

const run = promisify(execFile);

const secretA = {
  name: 'kucoin-main',
  apiKey: '6734a1f0c9e77c0001a4b2c3',
  apiSecret: 'f3b2c1d0-aaaa-4bbb-8ccc-SECRETSECRET01',
  passphrase: 'correct-horse-battery-staple',
  keyVersion: 3,
};
const secretB = {
  name: 'kucoin-sub',
  apiKey: '6734a1f0c9e77c0001ffffff',
  apiSecret: '0f0f0f0f-bbbb-4ccc-8ddd-OTHERSECRET02',
  passphrase: 'another-passphrase-entirely',
  keyVersion: 2,
};

async function hasPgDump(): Promise<boolean> {
  try {
    await run('pg_dump', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe.each(TEST_DRIVERS_WITH_HTTP)('exchange credentials at rest (%s)', (kind) => {
  let h: TestHandle;
  const masterKey = generateMasterKey();
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('round-trips credentials through envelope encryption', async () => {
    const [account] = await h.db.insert(exchangeAccounts).values({ name: 'main', mode: 'live' }).returning();
    const { id } = await storeExchangeCredential(h.db, masterKey, { ...secretA, accountId: account!.id });
    expect(await loadExchangeCredential(h.db, masterKey, id)).toEqual({
      id,
      accountId: account!.id,
      ...secretA,
    });
    expect(await loadExchangeCredential(h.db, masterKey, crypto.randomUUID())).toBeNull();
  });

  it('leaves no plaintext secret anywhere in the database', async () => {
    await storeExchangeCredential(h.db, masterKey, secretB);
    let dump: string;
    if (kind !== 'pglite' && (await hasPgDump())) {
      dump = (await run('pg_dump', ['--no-owner', '--data-only', h.url!], { maxBuffer: 64 * 1024 * 1024 }))
        .stdout;
      expect(dump).toContain('COPY public.exchange_credentials');
    } else {
      // No pg_dump for PGlite: read every table of the public schema as text instead.
      const tables = rowsOf<{ t: string }>(
        await h.db.execute(
          sql`select table_name as t from information_schema.tables where table_schema = 'public'`,
        ),
      );
      const parts: string[] = [];
      for (const { t } of tables) {
        const rows = rowsOf<{ r: string }>(
          await h.db.execute(sql.raw(`select (x.*)::text as r from "${t}" x`)),
        );
        parts.push(...rows.map((r) => r.r));
      }
      dump = parts.join('\n');
      expect(dump).toContain('v1.');
    }
    for (const s of [secretA, secretB]) {
      expect(dump).not.toContain(s.apiKey);
      expect(dump).not.toContain(s.apiSecret);
      expect(dump).not.toContain(s.passphrase);
    }
  });

  it('refuses to decrypt a ciphertext moved to another row', async () => {
    const a = await storeExchangeCredential(h.db, masterKey, { ...secretA, name: 'move-a' });
    const b = await storeExchangeCredential(h.db, masterKey, { ...secretB, name: 'move-b' });
    const [rowA] = await h.db.select().from(exchangeCredentials).where(eq(exchangeCredentials.id, a.id));
    // Move the whole envelope (data key + every ciphertext) onto row B.
    await h.db
      .update(exchangeCredentials)
      .set({
        dataKey: rowA!.dataKey,
        apiKeyCt: rowA!.apiKeyCt,
        apiSecretCt: rowA!.apiSecretCt,
        passphraseCt: rowA!.passphraseCt,
      })
      .where(eq(exchangeCredentials.id, b.id));
    await expect(loadExchangeCredential(h.db, masterKey, b.id)).rejects.toBeInstanceOf(DecryptionError);
    // Row A itself is untouched and still decrypts.
    expect((await loadExchangeCredential(h.db, masterKey, a.id))?.apiSecret).toBe(secretA.apiSecret);
  });

  it('refuses to decrypt a single field swapped with another field of the same row', async () => {
    const { id } = await storeExchangeCredential(h.db, masterKey, { ...secretA, name: 'swap' });
    const [row] = await h.db.select().from(exchangeCredentials).where(eq(exchangeCredentials.id, id));
    await h.db
      .update(exchangeCredentials)
      .set({ apiKeyCt: row!.apiSecretCt, apiSecretCt: row!.apiKeyCt })
      .where(eq(exchangeCredentials.id, id));
    await expect(loadExchangeCredential(h.db, masterKey, id)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a different master key with a clear error', async () => {
    const { id } = await storeExchangeCredential(h.db, masterKey, { ...secretA, name: 'other-key' });
    await expect(loadExchangeCredential(h.db, generateMasterKey(), id)).rejects.toThrow(/master key/);
  });

  it('rejects malformed master keys and empty secrets without writing', async () => {
    await expect(importMasterKey(btoa('too short'))).rejects.toThrow(/32 bytes/);
    await expect(
      storeExchangeCredential(h.db, masterKey, { ...secretA, name: 'empty', apiSecret: '' }),
    ).rejects.toThrow(/apiSecret/);
    const rows = await h.db.select().from(exchangeCredentials).where(eq(exchangeCredentials.name, 'empty'));
    expect(rows).toHaveLength(0);
  });
});
