import type { AuditAnchor, AuditAnchorValue } from '@enigma/db/repositories/audit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { loginAs, nodeHarness } from '../../test/node-harness.ts';

// The audit chain's head is copied outside the database after each change through the API, and
// GET /api/audit/verify checks the chain against it: a database writer who deletes the newest rows
// and rewinds audit_head is caught.

/** Kept in this process, as the port requires (`enigma start` passes its data-dir file). */
const anchor: AuditAnchor & { value: AuditAnchorValue | null } = {
  value: null,
  async read() {
    return this.value;
  },
  async raise(v) {
    if (!this.value || this.value.seq < v.seq) this.value = v;
  },
};
let h: Awaited<ReturnType<typeof nodeHarness>>;
let token: string;
const call = apiCaller(() => h.app);

beforeAll(async () => {
  h = await nodeHarness({}, { auditAnchor: anchor });
  ({ token } = await loginAs(h, 'admin'));
});
afterAll(() => h.close());

describe('audit head anchored outside the database', () => {
  it('anchors the committed head after each change, not after a refused one, and catches a deleted tail', async () => {
    for (const maxLeverage of [2, 3, 4])
      expect((await call('PUT', '/api/settings/risk-limits', { token, body: { maxLeverage } })).status).toBe(
        200,
      );
    const anchored = anchor.value!;
    expect(anchored.seq).toBeGreaterThanOrEqual(3);
    expect((await call('PUT', '/api/settings/risk-limits', { token, body: { maxLeverage: 0 } })).status).toBe(
      422,
    );
    expect(anchor.value).toEqual(anchored);
    const ok = await call('GET', '/api/audit/verify', { token });
    expect(ok.json).toEqual({ ok: true, rows: anchored.seq, legacyRows: 0, anchoredSeq: anchored.seq });

    // a database writer deletes the newest row and points audit_head at the one before it
    await h.db.execute(sql`alter table audit_log disable trigger user`);
    await h.db.execute(sql`delete from audit_log where seq = ${anchored.seq}`);
    await h.db.execute(sql`alter table audit_log enable trigger user`);
    await h.db.execute(
      sql`update audit_head set seq = ${anchored.seq - 1}, hash = (select hash from audit_log where seq = ${anchored.seq - 1}) where id = 1`,
    );
    const cut = await call('GET', '/api/audit/verify', { token });
    expect(cut.json).toEqual({
      ok: false,
      firstBadSeq: anchored.seq,
      problem: 'deleted',
      rows: anchored.seq - 1,
      legacyRows: 0,
      anchoredSeq: anchored.seq,
    });
  });
});
