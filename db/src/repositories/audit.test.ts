import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditHead, auditLog } from '../schema/index.ts';
import { openTestDatabase, TEST_DRIVERS, type TestHandle } from '../testing/drivers.ts';
import { AUDIT_GENESIS_HASH, appendAudit, auditHash, canonicalJson, verifyAuditLog } from './audit.ts';

/**
 * A chain computed once outside the code, with /usr/bin/python3 (hashlib + json), as
 * sha256(json.dumps(['enigma-audit-v1', str(seq), at, actor, action, entity, entityId,
 *   json.dumps(data, sort_keys=True, separators=(',', ':'), ensure_ascii=False), prevHash],
 *   separators=(',', ':'), ensure_ascii=False).encode()).hexdigest(), starting from prevHash '0' * 64.
 */
const FIXED_CHAIN = [
  {
    at: '2025-05-04T15:33:00.000Z',
    actor: 'user:alice',
    action: 'settings.update',
    entity: 'settings',
    entityId: 'k1',
    data: { value: 1, nested: { z: 1, a: [1, 'x'] } },
  },
  {
    at: '2025-05-04T15:33:01.500Z',
    actor: 'worker:ünï',
    action: 'order.place',
    entity: 'orders',
    entityId: null,
    data: { size: '1.5', side: 'buy' },
  },
  {
    at: '2025-05-04T16:00:00.000Z',
    actor: 'system',
    action: 'risk.kill_switch',
    entity: 'risk',
    entityId: 'global',
    data: {},
  },
];
const FIXED_HASHES = [
  '7ee2883277678f53ad6630fa5ec246796f2fc3268e2dad069d14f013eb7f3cba',
  '8dcce7c59d986365d106f5a153933cc25017186da6834c171d06a7a48f152292',
  'c2c8a29af93381b8761d11729a07470196534b3ed7396448be3dc6cbdc878758',
];

describe('auditHash', () => {
  const row = (i: number, prevHash: string) => ({
    ...FIXED_CHAIN[i]!,
    seq: i + 1,
    at: new Date(FIXED_CHAIN[i]!.at),
    prevHash,
  });

  it('equals the independently computed vectors', async () => {
    let prev = AUDIT_GENESIS_HASH;
    for (let i = 0; i < FIXED_CHAIN.length; i++) {
      expect(await auditHash(row(i, prev))).toBe(FIXED_HASHES[i]);
      prev = FIXED_HASHES[i]!;
    }
  });

  it('changes when any one hashed field changes', async () => {
    const base = row(0, AUDIT_GENESIS_HASH);
    const variants = [
      { seq: 2 },
      { at: new Date(base.at.getTime() + 1) },
      { actor: 'user:alicf' },
      { action: 'settings.updatf' },
      { entity: 'settingt' },
      { entityId: null },
      { entityId: 'k2' },
      { data: { value: 2, nested: { z: 1, a: [1, 'x'] } } },
      { prevHash: '1'.repeat(64) },
    ];
    const hashes = await Promise.all(variants.map((v) => auditHash({ ...base, ...v })));
    expect(new Set([FIXED_HASHES[0], ...hashes]).size).toBe(variants.length + 1);
  });
});

describe.each(TEST_DRIVERS)('audit log hash chain (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  // Each test starts from an empty chain: tampering needs the owner's power to bypass the triggers.
  beforeEach(async () => {
    await h.db.execute(sql`alter table audit_log disable trigger user`);
    await h.db.execute(sql`delete from audit_log`);
    await h.db.execute(sql`alter table audit_log enable trigger user`);
    await h.db.update(auditHead).set({ seq: 0, hash: AUDIT_GENESIS_HASH });
  });

  async function appendFive() {
    for (let i = 1; i <= 5; i++) {
      await appendAudit(h.db, {
        actor: 'user:alice',
        action: 'settings.update',
        entity: 'settings',
        entityId: `k${i}`,
        data: { value: i, nested: { z: 1, a: [1, 'x'] } },
      });
    }
  }

  async function tamper(statement: ReturnType<typeof sql>) {
    await h.db.execute(sql`alter table audit_log disable trigger user`);
    await h.db.execute(statement);
    await h.db.execute(sql`alter table audit_log enable trigger user`);
  }

  it('verifies an intact chain and links each row to the previous hash', async () => {
    await appendFive();
    expect(await verifyAuditLog(h.db)).toEqual({ ok: true, rows: 5 });
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
  });

  it('refuses UPDATE, DELETE and TRUNCATE through the append-only triggers', async () => {
    await appendFive();
    await expect(h.db.execute(sql`update audit_log set actor = 'mallory' where seq = 2`)).rejects.toThrow();
    await expect(h.db.execute(sql`delete from audit_log where seq = 2`)).rejects.toThrow();
    await expect(h.db.execute(sql`truncate audit_log`)).rejects.toThrow();
    expect(await verifyAuditLog(h.db)).toEqual({ ok: true, rows: 5 });
  });

  it('names the row whose content was edited', async () => {
    await appendFive();
    await tamper(sql`update audit_log set data = '{"value": 999}'::jsonb where seq = 3`);
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
  });

  it('names a row deleted from the middle', async () => {
    await appendFive();
    await tamper(sql`delete from audit_log where seq = 2`);
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'deleted' });
  });

  it('names a row deleted from the tail, using the chain head', async () => {
    await appendFive();
    await tamper(sql`delete from audit_log where seq = 5`);
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'deleted' });
  });

  it('names a forged row with a valid self-hash but a wrong link', async () => {
    await appendFive();
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    const forged = {
      seq: 6,
      at: new Date(),
      actor: 'user:mallory',
      action: 'order.place',
      entity: 'orders',
      entityId: 'x',
      data: { size: 1000 },
      prevHash: rows[2]!.hash,
    };
    await h.db.insert(auditLog).values({ ...forged, hash: await auditHash(forged) });
    await h.db.update(auditHead).set({ seq: 6 });
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 6, problem: 'inserted' });
  });

  it('names a forged row appended with a correct link, because the head does not cover it', async () => {
    await appendFive();
    const last = (await h.db.select().from(auditLog).orderBy(auditLog.seq)).at(-1)!;
    const forged = {
      seq: 6,
      at: new Date(),
      actor: 'user:mallory',
      action: 'settings.update',
      entity: 'settings',
      entityId: null,
      data: {},
      prevHash: last.hash,
    };
    await h.db.insert(auditLog).values({ ...forged, hash: await auditHash(forged) });
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 6, problem: 'inserted' });
  });

  it('hashes data independently of key order, as jsonb returns it', async () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
    await appendAudit(h.db, { actor: 'a', action: 'b', entity: 'c', data: { zeta: 1, alpha: 0.1 + 0.2 } });
    expect(await verifyAuditLog(h.db)).toEqual({ ok: true, rows: 1 });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAudit(h.db, { actor: `worker:${i % 3}`, action: 'tick', entity: 'test', data: { i } }),
      ),
    );
    expect(await verifyAuditLog(h.db, { pageSize: 7 })).toEqual({ ok: true, rows: 25 });
  });

  it('stores exactly the hashes of a chain computed outside the code (fixed vectors)', async () => {
    for (const e of FIXED_CHAIN) await appendAudit(h.db, { ...e, at: new Date(e.at) });
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(rows.map((r) => r.hash)).toEqual(FIXED_HASHES);
    expect(rows.map((r) => r.prevHash)).toEqual([AUDIT_GENESIS_HASH, ...FIXED_HASHES.slice(0, 2)]);
    expect(await verifyAuditLog(h.db)).toEqual({ ok: true, rows: 3 });
  });

  it.each([
    ['actor', sql`update audit_log set actor = 'user:mallory' where seq = 3`],
    ['action', sql`update audit_log set action = 'settings.delete' where seq = 3`],
    ['entity', sql`update audit_log set entity = 'users' where seq = 3`],
    ['entity_id', sql`update audit_log set entity_id = 'k9' where seq = 3`],
    ['at', sql`update audit_log set at = at + interval '1 second' where seq = 3`],
  ])('names the row whose %s was edited', async (_column, statement) => {
    await appendFive();
    await tamper(statement);
    expect(await verifyAuditLog(h.db)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
  });

  it('rejects an entry without actor, action or entity and writes nothing', async () => {
    await expect(appendAudit(h.db, { actor: '', action: 'x', entity: 'y' })).rejects.toThrow(/actor/);
    expect(await verifyAuditLog(h.db)).toEqual({ ok: true, rows: 0 });
  });
});
