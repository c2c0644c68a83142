import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '@enigma/db';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { anchorAuditHead, appendAudit, auditKeyFromMasterKey } from '@enigma/db/repositories/audit';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AUDIT_ANCHOR_FILE, fileAuditAnchor } from '../../runtime/audit-anchor.ts';
import { auditVerifyCommand } from './audit-verify.ts';

describe('enigma audit:verify', () => {
  const saved = {
    url: process.env.DATABASE_URL,
    key: process.env.ENIGMA_MASTER_KEY,
    dir: process.env.ENIGMA_DATA_DIR,
  };
  const drops: (() => Promise<void>)[] = [];
  // An empty data dir of our own: no anchor file unless a test writes one.
  const dataDir = mkdtempSync(join(tmpdir(), 'enigma-audit-verify-'));
  process.env.ENIGMA_DATA_DIR = dataDir;
  afterAll(async () => {
    for (const [name, value] of [
      ['DATABASE_URL', saved.url],
      ['ENIGMA_MASTER_KEY', saved.key],
      ['ENIGMA_DATA_DIR', saved.dir],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const drop of drops) await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 on an intact chain and 1 naming the row a database writer edited', async () => {
    const tdb = await createTestDatabase();
    drops.push(tdb.drop);
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

  it('exits 1 when the newest rows were deleted and audit_head rewound, against the head anchored in the data dir', async () => {
    const tdb = await createTestDatabase();
    drops.push(tdb.drop);
    const masterKey = generateMasterKey();
    const handle = await openDatabase({ url: tdb.url });
    await migrate(handle);
    const key = await auditKeyFromMasterKey(masterKey);
    const anchor = fileAuditAnchor(dataDir);
    for (const i of [1, 2, 3, 4]) {
      await appendAudit(handle.db, key, { actor: 'user:a', action: `t${i}`, entity: 'test' });
      await anchorAuditHead(handle.db, anchor);
    }
    expect(JSON.parse(readFileSync(join(dataDir, AUDIT_ANCHOR_FILE), 'utf8'))).toMatchObject({ seq: 4 });
    // never lowered: a raise to an older head keeps the newer one
    await anchor.raise({ seq: 2, hash: 'b'.repeat(64) });
    expect(await anchor.read()).toMatchObject({ seq: 4 });
    process.env.DATABASE_URL = tdb.url;
    process.env.ENIGMA_MASTER_KEY = masterKey;
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await auditVerifyCommand.run({ values: { json: true }, positionals: [] })).toBe(0);
      expect(JSON.parse(String(out.mock.calls.at(-1)![0]))).toMatchObject({
        ok: true,
        rows: 4,
        anchoredSeq: 4,
      });
      // a database writer cuts rows 3 and 4 and points the head at row 2: a valid, shorter chain
      await handle.db.execute('alter table audit_log disable trigger user');
      await handle.db.execute('delete from audit_log where seq > 2');
      await handle.db.execute(
        'update audit_head set seq = 2, hash = (select hash from audit_log where seq = 2) where id = 1',
      );
      expect(await auditVerifyCommand.run({ values: {}, positionals: [] })).toBe(1);
      expect(String(out.mock.calls.at(-1)![0])).toMatch(/NOT INTACT — row 3 deleted/);
    } finally {
      out.mockRestore();
      await handle.close();
    }
  });
});
