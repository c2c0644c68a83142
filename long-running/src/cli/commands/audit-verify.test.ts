import { migrate, openDatabase } from '@enigma/db';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { appendAudit, auditKeyFromMasterKey } from '@enigma/db/repositories/audit';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { auditVerifyCommand } from './audit-verify.ts';

describe('enigma audit:verify', () => {
  const saved = { url: process.env.DATABASE_URL, key: process.env.ENIGMA_MASTER_KEY };
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    process.env.DATABASE_URL = saved.url;
    process.env.ENIGMA_MASTER_KEY = saved.key;
    if (saved.url === undefined) delete process.env.DATABASE_URL;
    if (saved.key === undefined) delete process.env.ENIGMA_MASTER_KEY;
    await drop?.();
  });

  it('exits 0 on an intact chain and 1 naming the row a database writer edited', async () => {
    const tdb = await createTestDatabase();
    drop = tdb.drop;
    const masterKey = generateMasterKey();
    const handle = await openDatabase({ url: tdb.url });
    await migrate(handle);
    const key = await auditKeyFromMasterKey(masterKey);
    for (const i of [1, 2, 3])
      await appendAudit(handle.db, key, { actor: 'user:a', action: `t${i}`, entity: 'test' });
    process.env.DATABASE_URL = tdb.url;
    process.env.ENIGMA_MASTER_KEY = masterKey;
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await auditVerifyCommand.run({ values: { json: true }, positionals: [] })).toBe(0);
      expect(JSON.parse(String(out.mock.calls.at(-1)![0]))).toMatchObject({
        ok: true,
        rows: 3,
        legacyRows: 0,
      });
      await handle.db.execute('alter table audit_log disable trigger user');
      await handle.db.execute("update audit_log set actor = 'user:mallory' where seq = 2");
      expect(await auditVerifyCommand.run({ values: {}, positionals: [] })).toBe(1);
      expect(String(out.mock.calls.at(-1)![0])).toMatch(/NOT INTACT — row 2 edited/);
      // another master key cannot vouch for the chain
      process.env.ENIGMA_MASTER_KEY = generateMasterKey();
      expect(await auditVerifyCommand.run({ values: { json: true }, positionals: [] })).toBe(1);
    } finally {
      out.mockRestore();
      await handle.close();
    }
  });
});
