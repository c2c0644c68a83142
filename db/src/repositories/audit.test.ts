import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditHead, auditLog } from '../schema/index.ts';
import { openTestDatabase, TEST_DRIVERS, type TestHandle } from '../testing/drivers.ts';
import {
  AUDIT_GENESIS_HASH,
  type AuditAnchor,
  type AuditAnchorValue,
  type AuditKey,
  anchorAuditHead,
  appendAudit,
  auditKeyFromMasterKey,
  auditMac,
  canonicalJson,
  importAuditKey,
  legacyAuditHash,
  parseAuditAnchor,
  verifyAuditLog,
} from './audit.ts';

/** The master key of the fixed vectors: bytes 0, 1, …, 31. */
const MASTER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

/**
 * A chain computed once outside the code, with /usr/bin/python3 (hmac, hashlib, json). Keyed (v2):
 * key = HKDF-SHA256(ikm = master key bytes, salt = 32 zero bytes, info = 'enigma-audit-mac-v2', 32 bytes)
 * (extract then one expand block, written out with hmac), mac = hmac.new(key, json.dumps(['enigma-audit-v2',
 * … the same fields as v1 …]).encode(), sha256).hexdigest(). Legacy (v1, unkeyed):
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
const FIXED_MACS = [
  'fd1cfa9d355c4e4a21c189781784b7755bafd26242ee1146b099620f76485430',
  '8400e7d2ce35eaf727271b3886a34e768fa594339c5907603e67f235822ae10e',
  '8679087d98892e799b486b9550238247f2f22d428cc255dc1502dde4860a94ec',
];
const FIXED_HASHES = [
  '7ee2883277678f53ad6630fa5ec246796f2fc3268e2dad069d14f013eb7f3cba',
  '8dcce7c59d986365d106f5a153933cc25017186da6834c171d06a7a48f152292',
  'c2c8a29af93381b8761d11729a07470196534b3ed7396448be3dc6cbdc878758',
];

let key: AuditKey;
beforeAll(async () => {
  key = await auditKeyFromMasterKey(MASTER_KEY);
});

describe('auditMac', () => {
  const row = (i: number, prevHash: string) => ({
    ...FIXED_CHAIN[i]!,
    seq: i + 1,
    at: new Date(FIXED_CHAIN[i]!.at),
    prevHash,
  });

  it('equals the independently computed vectors (keyed) and the legacy ones (unkeyed)', async () => {
    let prev = AUDIT_GENESIS_HASH;
    let legacyPrev = AUDIT_GENESIS_HASH;
    for (let i = 0; i < FIXED_CHAIN.length; i++) {
      expect(await auditMac(key, row(i, prev))).toBe(FIXED_MACS[i]);
      expect(await legacyAuditHash(row(i, legacyPrev))).toBe(FIXED_HASHES[i]);
      prev = FIXED_MACS[i]!;
      legacyPrev = FIXED_HASHES[i]!;
    }
  });

  it('depends on the key', async () => {
    const other = await importAuditKey(new Uint8Array(32).fill(7));
    expect(await auditMac(other, row(0, AUDIT_GENESIS_HASH))).not.toBe(FIXED_MACS[0]);
    await expect(importAuditKey(new Uint8Array(16))).rejects.toThrow(/32 bytes/);
  });

  it('changes when any one covered field changes', async () => {
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
    const macs = await Promise.all(variants.map((v) => auditMac(key, { ...base, ...v })));
    expect(new Set([FIXED_MACS[0], ...macs]).size).toBe(variants.length + 1);
  });
});

describe.each(TEST_DRIVERS)('audit log MAC chain (%s)', (kind) => {
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
      await appendAudit(h.db, key, {
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
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 5, legacyRows: 0 });
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
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 5, legacyRows: 0 });
  });

  it('names the row whose content was edited', async () => {
    await appendFive();
    await tamper(sql`update audit_log set data = '{"value": 999}'::jsonb where seq = 3`);
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
  });

  it('names a row deleted from the middle', async () => {
    await appendFive();
    await tamper(sql`delete from audit_log where seq = 2`);
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'deleted' });
  });

  it('names a row deleted from the tail, using the chain head', async () => {
    await appendFive();
    await tamper(sql`delete from audit_log where seq = 5`);
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'deleted' });
  });

  /** An anchor kept in this process, as `raise`/`read` require (the real ones: KV, a file). */
  function processAnchor(): AuditAnchor & { value: AuditAnchorValue | null } {
    return {
      value: null,
      async read() {
        return this.value;
      },
      async raise(v) {
        if (!this.value || this.value.seq < v.seq) this.value = v;
      },
    };
  }

  it('with the head anchored outside the database, a deleted tail with audit_head rewound is caught', async () => {
    await appendFive();
    const anchor = processAnchor();
    expect(await anchorAuditHead(h.db, anchor)).toEqual({
      seq: 5,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(await verifyAuditLog(h.db, key, { anchor: anchor.value })).toEqual({
      ok: true,
      rows: 5,
      legacyRows: 0,
      anchoredSeq: 5,
    });
    // a database writer removes rows 4 and 5 and points the head at row 3: a valid, shorter chain
    await tamper(sql`delete from audit_log where seq > 3`);
    await h.db.update(auditHead).set({ seq: 3, hash: rows[2]!.hash });
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 3, legacyRows: 0 });
    expect(await verifyAuditLog(h.db, key, { anchor: anchor.value })).toEqual({
      ok: false,
      firstBadSeq: 4,
      problem: 'deleted',
      rows: 3,
      legacyRows: 0,
      anchoredSeq: 5,
    });
    // the next append does not hide it: the anchor is never lowered, and row 4 is not the one anchored at 5
    await appendFive();
    expect(await anchorAuditHead(h.db, anchor)).toMatchObject({ seq: 8 });
    expect(anchor.value).toMatchObject({ seq: 8 });
    const cut = processAnchor();
    cut.value = { seq: 5, hash: rows[4]!.hash };
    expect(await verifyAuditLog(h.db, key, { anchor: cut.value })).toMatchObject({
      ok: false,
      firstBadSeq: 5,
      problem: 'inserted',
    });
  });

  it('anchorAuditHead never lowers the anchor and anchors nothing for an empty chain', async () => {
    const anchor = processAnchor();
    expect(await anchorAuditHead(h.db, anchor)).toBeNull();
    expect(anchor.value).toBeNull();
    await appendFive();
    await anchorAuditHead(h.db, anchor);
    const high = anchor.value;
    await h.db.update(auditHead).set({ seq: 2 });
    await anchorAuditHead(h.db, anchor);
    expect(anchor.value).toEqual(high);
  });

  it('parses a stored anchor, and nothing else', () => {
    const hash = 'a'.repeat(64);
    expect(parseAuditAnchor(JSON.stringify({ seq: 7, hash }))).toEqual({ seq: 7, hash });
    for (const bad of [
      null,
      '',
      'x',
      '{"seq":0}',
      JSON.stringify({ seq: 1.5, hash }),
      JSON.stringify({ seq: 2, hash: 'zz' }),
    ])
      expect(parseAuditAnchor(bad)).toBeNull();
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
    await h.db.insert(auditLog).values({ ...forged, hash: await auditMac(key, forged) });
    await h.db.update(auditHead).set({ seq: 6 });
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 6, problem: 'inserted' });
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
    await h.db.insert(auditLog).values({ ...forged, hash: await auditMac(key, forged) });
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 6, problem: 'inserted' });
  });

  it('hashes data independently of key order, as jsonb returns it', async () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
    await appendAudit(h.db, key, {
      actor: 'a',
      action: 'b',
      entity: 'c',
      data: { zeta: 1, alpha: 0.1 + 0.2 },
    });
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 1, legacyRows: 0 });
  });

  it('keeps the chain intact under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAudit(h.db, key, { actor: `worker:${i % 3}`, action: 'tick', entity: 'test', data: { i } }),
      ),
    );
    expect(await verifyAuditLog(h.db, key, { pageSize: 7 })).toEqual({ ok: true, rows: 25, legacyRows: 0 });
  });

  it('catches an edit re-hashed by a database writer without the key (bare SHA-256 or another key)', async () => {
    await appendFive();
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    const edited = { ...rows[2]!, data: { value: 999 } };
    const other = await importAuditKey(new Uint8Array(32).fill(9));
    for (const rehash of [await legacyAuditHash(edited), await auditMac(other, edited)]) {
      await tamper(sql`update audit_log set data = '{"value": 999}'::jsonb, hash = ${rehash} where seq = 3`);
      expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
    }
    // a chain that is intact for one key is refused under another
    await tamper(
      sql`update audit_log set data = ${JSON.stringify(rows[2]!.data)}::jsonb, hash = ${rows[2]!.hash} where seq = 3`,
    );
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 5, legacyRows: 0 });
    expect(await verifyAuditLog(h.db, other)).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'edited' });
  });

  it('accepts unkeyed rows written before the chain was keyed, only as its leading run', async () => {
    // three rows as the first version wrote them, then keyed appends continue the chain
    for (const [i, e] of FIXED_CHAIN.entries()) {
      await h.db.insert(auditLog).values({
        ...e,
        seq: i + 1,
        at: new Date(e.at),
        prevHash: i === 0 ? AUDIT_GENESIS_HASH : FIXED_HASHES[i - 1]!,
        hash: FIXED_HASHES[i]!,
      });
    }
    await h.db.update(auditHead).set({ seq: 3, hash: FIXED_HASHES[2]! });
    await appendAudit(h.db, key, { actor: 'user:alice', action: 'x', entity: 'y' });
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 4, legacyRows: 3 });
    // an unkeyed row after a keyed one is a forgery
    const last = (await h.db.select().from(auditLog).orderBy(auditLog.seq)).at(-1)!;
    const forged = {
      seq: 5,
      at: new Date(),
      actor: 'user:mallory',
      action: 'x',
      entity: 'y',
      entityId: null,
      data: {},
      prevHash: last.hash,
    };
    await h.db.insert(auditLog).values({ ...forged, hash: await legacyAuditHash(forged) });
    await h.db.update(auditHead).set({ seq: 5, hash: await legacyAuditHash(forged) });
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 5, problem: 'edited' });
  });

  it('stores exactly the hashes of a chain computed outside the code (fixed vectors)', async () => {
    for (const e of FIXED_CHAIN) await appendAudit(h.db, key, { ...e, at: new Date(e.at) });
    const rows = await h.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(rows.map((r) => r.hash)).toEqual(FIXED_MACS);
    expect(rows.map((r) => r.prevHash)).toEqual([AUDIT_GENESIS_HASH, ...FIXED_MACS.slice(0, 2)]);
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 3, legacyRows: 0 });
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
    expect(await verifyAuditLog(h.db, key)).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'edited' });
  });

  it('rejects an entry without actor, action or entity and writes nothing', async () => {
    await expect(appendAudit(h.db, key, { actor: '', action: 'x', entity: 'y' })).rejects.toThrow(/actor/);
    expect(await verifyAuditLog(h.db, key)).toEqual({ ok: true, rows: 0, legacyRows: 0 });
  });
});
