import { signals } from '@enigma/db/schema/index';
import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// Issue #13's findings on the signal routes: a NUL byte in a query value was a 500 from PostgreSQL;
// the read routes write nothing whatever they are sent.

const t = useApiHarness('viewer');

describe('signals: security', () => {
  it.each([
    ['symbol', '/api/signals?symbol=XBT%00USDTM'],
    ['cursor', '/api/signals?cursor=%00'],
  ])('a NUL in ?%s is a 422 naming it, not a 500', async (field, url) => {
    const r = await t.call('GET', url, { token: t.token });
    expect(r.status).toBe(422);
    const named = r.json.error.details.field ?? r.json.error.details.issues?.[0]?.path;
    expect(named).toBe(field);
  });

  it('the read routes write nothing: a POST is 404 (no such route), a read leaves the table as it was', async () => {
    const [before] = await t.h.db.select({ n: count() }).from(signals);
    const post = await t.call('POST', '/api/signals', { token: t.token, body: { status: 'received' } });
    expect(post.status).toBe(404);
    const r = await t.h.app.request('/api/signals', {
      method: 'GET',
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(r.status).toBe(200);
    const [after] = await t.h.db.select({ n: count() }).from(signals);
    expect(after!.n).toBe(before!.n);
  });
});
