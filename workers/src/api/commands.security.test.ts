import { MAX_DECIMAL_TEXT_LENGTH } from '@enigma/core/decimal-text';
import { auditLog, commands, outbox } from '@enigma/db/schema/index';
import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// Issue #13's findings on the command routes, each as the request that reproduces it; a refused
// command leaves no trace (no command row, audit row, outbox entry or stream entry).

const t = useApiHarness('trader');
const order = { symbol: 'XBTUSDTM', side: 'buy', orderType: 'limit', size: 1, price: '64000' };
const key = () => ({ 'idempotency-key': crypto.randomUUID() });

async function footprint() {
  const n = async (table: typeof commands | typeof auditLog | typeof outbox) =>
    (await t.h.db.select({ n: count() }).from(table))[0]!.n;
  return {
    commands: await n(commands),
    audit: await n(auditLog),
    outbox: await n(outbox),
    bus: t.h.bus.entries.length,
  };
}

describe('commands: security', () => {
  it('an empty POST /api/orders/cancel-all (no body, no content type) is 422 and cancels nothing', async () => {
    const before = await footprint();
    const r = await t.h.app.request('/api/orders/cancel-all', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, ...key() },
    });
    expect(r.status).toBe(422);
    expect(await footprint()).toEqual(before);
  });

  it('a 60,000-digit price is refused by its length, before any pattern runs, naming price', async () => {
    const before = await footprint();
    const r = await t.call('POST', '/api/orders', {
      token: t.token,
      headers: key(),
      body: { ...order, price: `${'9'.repeat(60_000)}x` },
    });
    expect(r.status).toBe(422);
    const issue = r.json.error.details.issues.find((i: { path: string }) => i.path === 'price');
    expect(issue.message).toContain(`longer than ${MAX_DECIMAL_TEXT_LENGTH} characters`);
    expect(await footprint()).toEqual(before);
  });

  it.each([
    ['a negative price', { price: '-64000' }, 'price'],
    ['an exponent beyond numeric', { price: '1e999999' }, 'price'],
    ['a fractional size', { size: 0.5 }, 'size'],
    ['a float size beyond any lot count', { size: 1e308 }, 'size'],
  ])('%s is 422 naming the field, nothing stored', async (_what, patch, field) => {
    const before = await footprint();
    const r = await t.call('POST', '/api/orders', {
      token: t.token,
      headers: key(),
      body: { ...order, ...patch },
    });
    expect(r.status).toBe(422);
    expect(r.json.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(await footprint()).toEqual(before);
  });

  it('a NUL byte in an order id, a symbol or a body field is a 422, never a 500, and stores nothing', async () => {
    const before = await footprint();
    const nulId = await t.call('DELETE', '/api/orders/ord%00x', { token: t.token, headers: key() });
    expect(nulId.status).toBe(422);
    const nulSymbol = await t.call('POST', '/api/orders', {
      token: t.token,
      headers: key(),
      body: { ...order, symbol: 'XBT\u0000USDTM' },
    });
    expect(nulSymbol.status).toBe(422);
    const nulInBody = await t.call('POST', '/api/orders/cancel-all', {
      token: t.token,
      headers: key(),
      body: { symbol: 'XBTUSDTM', note: 'a\u0000b' },
    });
    expect(nulInBody.status).toBe(422);
    expect(nulInBody.json.error.details.field).toBe('note');
    expect(await footprint()).toEqual(before);
  });
});
