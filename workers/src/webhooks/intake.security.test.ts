import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { isRefusalSample } from './intake.ts';
import { masterKeyOf } from './master-key.ts';
import { SourceCache } from './source-cache.ts';

// Issue #13's findings against the intake, each written as the request that reproduced it.

let h: Awaited<ReturnType<typeof nodeHarness>>;
let secret: string;

beforeAll(async () => {
  h = await nodeHarness({ ipRateLimitPerMin: 30 });
  ({ secret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
    rateLimitPerMin: 60,
  }));
});
afterAll(() => h.close());

let seq = 0;
function alert(extra: Record<string, unknown> = {}) {
  seq++;
  return {
    secret,
    timestamp: new Date(h.clock.now - 1000).toISOString(),
    symbol: 'KUCOIN:XBTUSDTM',
    interval: '15',
    action: 'buy',
    order_id: `sec-${seq}`,
    price: '64150.5',
    contracts: '2',
    ...extra,
  };
}

function post(body: string, headers: Record<string, string> = {}, path = '/webhooks/tradingview') {
  return h.app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-test-ip': '203.0.113.50', ...headers },
  });
}

async function errorOf(res: Response) {
  return (
    (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } }
  ).error;
}

describe('a flood of wrong secrets cannot switch the owner off', () => {
  it('70 wrong secrets leave the source budget whole: the real alert that follows is accepted', async () => {
    h.clock.now += 60_000;
    for (let i = 0; i < 70; i++) {
      const res = await post(JSON.stringify(alert({ secret: `wrong-${i}` })), {
        'x-test-ip': '198.51.100.7',
      });
      expect([401, 429]).toContain(res.status);
    }
    const real = await post(JSON.stringify(alert()), { 'x-test-ip': '198.51.100.7' });
    expect(real.status).toBe(202);
  });

  it('refusals before authentication are counted per address, sampled into rows without payload, then 429', async () => {
    h.clock.now += 60_000;
    const before = (await h.db.select({ id: signals.id }).from(signals)).length;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await post(JSON.stringify(alert({ secret: 'nope', marker: 'flood-payload' })), {
        'x-test-ip': '2001:db8:7:7::1' + (i % 10), // one /64: counted as one client
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    const rows = (await h.db.select().from(signals)).slice(before);
    // the 1st, 10th, 20th? no: 1, 10 (and 100, 1000, …): two rows for 40 refusals
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.payload).toBeNull();
      expect(r.reason).toMatch(/invalid_secret: .*refusal (1|10) from 2001:db8:7:7::\/64/);
    }
    expect(JSON.stringify(rows)).not.toContain('flood-payload');
  });

  it('samples the 1st, 10th, 100th, … refusal', () => {
    expect([1, 2, 9, 10, 11, 20, 100, 1000, 1001].filter(isRefusalSample)).toEqual([1, 10, 100, 1000]);
  });
});

describe('bounded input', () => {
  it('a 60,000-digit number answers 422 fast', async () => {
    const t0 = performance.now();
    const res = await post(JSON.stringify(alert({ price: '9'.repeat(60_000) })), {}, '/webhooks/tradingview');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe('invalid_number');
  });

  it.each([
    ['contracts', '1e999999'],
    ['contracts', '-1'],
    ['contracts', '-0.5'],
    ['contracts', '0'],
    ['price', '-64000'],
    ['price', '0'],
    ['price', 'NaN'],
  ])('%s = %j is 422 invalid_number naming the field', async (field, value) => {
    const res = await post(JSON.stringify(alert({ [field]: value })));
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_number');
    expect(err.message).toContain(field);
  });

  it('a NUL or a lone surrogate in an alert field is 422 naming the field; the record keeps no payload', async () => {
    for (const [field, value] of [
      ['comment', 'a\u0000b'],
      ['symbol', 'XBT\ud800'],
    ] as const) {
      const res = await post(JSON.stringify(alert({ [field]: value })));
      expect(res.status).toBe(422);
      const err = await errorOf(res);
      expect(err.code).toBe('invalid_payload');
      expect(err.details['field']).toBe(field);
      const [row] = await h.db
        .select()
        .from(signals)
        .where(eq(signals.id, err.details['recordId'] as string));
      expect(row).toMatchObject({ status: 'invalid', payload: null });
    }
  });

  it('a NUL in ?source= is 400 naming the parameter, and the refusal is recorded', async () => {
    const res = await post(
      JSON.stringify(alert()),
      { 'x-test-ip': '198.51.100.201' },
      '/webhooks/tradingview?source=tv%00x',
    );
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.details['field']).toBe('source');
    const [row] = await h.db
      .select()
      .from(signals)
      .where(eq(signals.id, err.details['recordId'] as string));
    expect(row).toMatchObject({ source: '(invalid)', status: 'rejected' });
  });

  it('an alert stamped beyond the clock skew in the future is refused; within it, accepted', async () => {
    const far = await post(
      JSON.stringify(alert({ timestamp: new Date(h.clock.now + 31_000).toISOString() })),
    );
    expect(far.status).toBe(422);
    expect((await errorOf(far)).code).toBe('invalid_timestamp');
    const near = await post(
      JSON.stringify(alert({ timestamp: new Date(h.clock.now + 20_000).toISOString() })),
    );
    expect(near.status).toBe(202);
  });
});

describe('idempotency per delivery, as TradingView retries', () => {
  it('two different alerts in the same second for the same symbol and action are two alerts', async () => {
    const t = new Date(h.clock.now - 1000).toISOString();
    const a = await post(
      JSON.stringify({ secret, timestamp: t, symbol: 'XBTUSDTM', action: 'buy', interval: '15' }),
    );
    const b = await post(
      JSON.stringify({ secret, timestamp: t, symbol: 'XBTUSDTM', action: 'buy', interval: '60' }),
    );
    expect([a.status, b.status]).toEqual([202, 202]);
    const [ia, ib] = [(await a.json()) as { signalId: string }, (await b.json()) as { signalId: string }];
    expect(ia.signalId).not.toBe(ib.signalId);
    expect(
      h.bus.entries.filter((e) => [ia.signalId, ib.signalId].includes(e.payload['signalId'] as string)),
    ).toHaveLength(2);
  });

  it('the byte-identical body is one alert; an explicit key makes differing bodies one alert', async () => {
    const body = JSON.stringify(alert());
    expect((await post(body)).status).toBe(202);
    expect(((await (await post(body)).json()) as { status: string }).status).toBe('duplicate');
    const k = `key-${crypto.randomUUID()}`;
    const first = await post(JSON.stringify(alert({ idempotency_key: k })));
    const second = await post(JSON.stringify(alert({ comment: 'other bytes' })), { 'idempotency-key': k });
    expect(first.status).toBe(202);
    expect(((await second.json()) as { status: string }).status).toBe('duplicate');
  });

  it('an explicit key that is too long is 422', async () => {
    const res = await post(JSON.stringify(alert({ idempotency_key: 'k'.repeat(201) })));
    expect(res.status).toBe(422);
  });
});

describe('unknown sources', () => {
  it('are remembered as misses (bounded, least recently used first), so a flood naming them queries once', async () => {
    let queries = 0;
    const counting = new Proxy(h.db, {
      get(target, prop, receiver) {
        if (prop === 'select') queries++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const cache = new SourceCache(5_000, 2);
    const mk = await masterKeyOf(h.config.masterKey);
    for (let i = 0; i < 5; i++) expect(await cache.get(counting, mk, 'ghost-1', h.clock.now)).toBeNull();
    expect(queries).toBe(1);
    expect(await cache.get(counting, mk, 'ghost-1', h.clock.now + 5_001)).toBeNull();
    expect(queries).toBe(2);
    await cache.get(counting, mk, 'ghost-2', h.clock.now);
    await cache.get(counting, mk, 'ghost-3', h.clock.now);
    expect(cache.size).toBe(2);
  });
});
