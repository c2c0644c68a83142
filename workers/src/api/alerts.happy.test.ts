import { alertNoticeListSchema, alertNoticeSchema } from '@enigma/core/api/responses';
import { alertNotices, auditLog } from '@enigma/db/schema/index';
import { desc } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { loginAs, nodeHarness } from '../../test/node-harness.ts';

// GET /api/alerts and POST /api/alerts/read: the dashboard's alert list over the notices posted to
// /webhooks/alerts (never traded).

let h: Awaited<ReturnType<typeof nodeHarness>>;
let token: string;
const call = apiCaller(() => h.app);
/** This test's three notices, oldest first (fresh for every test: no test depends on another's reads). */
let ids: string[] = [];

beforeAll(async () => {
  h = await nodeHarness();
  ({ token } = await loginAs(h, 'viewer'));
});
beforeEach(async () => {
  await h.db.delete(alertNotices);
  ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  for (const [i, id] of ids.entries())
    await h.db.insert(alertNotices).values({
      id,
      source: 'tradingview',
      kind: 'price_cross',
      symbol: i === 2 ? null : 'XBTUSDTM',
      message: `notice ${i}`,
      severity: i === 0 ? 'critical' : 'info',
      payload: { private: 'sender payload' },
      receivedAt: new Date(h.clock.now - (3 - i) * 1000),
    });
});
afterAll(() => h.close());

describe('GET /api/alerts', () => {
  it('lists the newest notices first with the unread count, exactly the schema fields', async () => {
    const r = await call('GET', '/api/alerts', { token });
    expect(r.status).toBe(200);
    expect(alertNoticeListSchema.parse(r.json)).toEqual(r.json);
    expect(r.json.unread).toBe(3);
    expect(r.json.items.map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    expect(Object.keys(r.json.items[0]).sort()).toEqual(Object.keys(alertNoticeSchema.shape).sort());
    expect(r.text).not.toContain('sender payload');
  });

  it('limits the list', async () => {
    expect((await call('GET', '/api/alerts?limit=1', { token })).json.items).toHaveLength(1);
  });
});

describe('POST /api/alerts/read', () => {
  it('marks the given notices read, audited, and the count drops', async () => {
    const r = await call('POST', '/api/alerts/read', { token, body: { ids: [ids[0]] } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ marked: 1, unread: 2 });
    const [audit] = await h.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    expect(audit).toMatchObject({ action: 'alerts.read', entityId: ids[0] });
    const unread = await call('GET', '/api/alerts?unread=true', { token });
    expect(unread.json.items.map((n: { id: string }) => n.id)).toEqual([ids[2], ids[1]]);
    // marking it again changes nothing and writes no audit row
    const again = await call('POST', '/api/alerts/read', { token, body: { ids: [ids[0]] } });
    expect(again.json).toEqual({ marked: 0, unread: 2 });
    const [last] = await h.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    expect(last!.seq).toBe(audit!.seq);
  });

  it('marks every unread notice with {"all": true}', async () => {
    await call('POST', '/api/alerts/read', { token, body: { ids: [ids[0]] } });
    const r = await call('POST', '/api/alerts/read', { token, body: { all: true } });
    expect(r.json).toEqual({ marked: 2, unread: 0 });
    const list = await call('GET', '/api/alerts', { token });
    expect(list.json.items.every((n: { readAt: string | null }) => n.readAt !== null)).toBe(true);
  });
});
