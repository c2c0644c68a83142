import { webhookIdempotencyKey } from '@enigma/core/signals/index';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { sha256Hex } from '../security/compare.ts';
import { signPayload } from '../security/hmac.ts';
import { TRADINGVIEW_IPS } from '../security/ip.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let tvSecret: string;
let customSecret: string;
let apiSecret: string;
let slowSecret: string;
let fuzzSecret: string;

beforeAll(async () => {
  h = await nodeHarness();
  ({ secret: tvSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
  }));
  ({ secret: customSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'custom',
    kind: 'custom',
    hmacRequired: true,
  }));
  ({ secret: apiSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'signals',
    kind: 'api',
  }));
  await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tv-locked',
    kind: 'tradingview',
    ipAllowlist: [...TRADINGVIEW_IPS],
  });
  ({ secret: slowSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tv-slow',
    kind: 'tradingview',
    rateLimitPerMin: 2,
  }));
  ({ secret: fuzzSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'fuzz',
    kind: 'tradingview',
    rateLimitPerMin: 100_000,
  }));
});
afterAll(() => h.close());

let seq = 0;
/** A TradingView alert in the original design's format, a second before the harness clock, unique per call. */
function alert(extra: Record<string, unknown> = {}) {
  seq++;
  return {
    secret: tvSecret,
    timestamp: new Date(h.clock.now - 1000).toISOString(),
    exchange: 'KUCOIN',
    symbol: 'XBTUSDTM',
    interval: '15',
    action: 'buy',
    order_id: `order-${seq}`,
    indicators: { rsi: '28.4', close: '64150.5' },
    conditions: { rsi_oversold: true },
    ...extra,
  };
}

let ipSeq = 0;
/** A client address no earlier request used, so per-address refusal counting starts afresh. */
function freshIp(): string {
  ipSeq++;
  return `198.18.${Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 1}`;
}

/** POST from a fresh client address unless `x-test-ip` is given. */
async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return await h.app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-test-ip': freshIp(), ...headers },
  });
}

async function signalCount(): Promise<number> {
  return (await h.db.select({ id: signals.id }).from(signals)).length;
}

async function rowsFor(id: string) {
  return h.db.select().from(signals).where(eq(signals.id, id));
}

describe('accepted alerts', () => {
  it('stores a received signal without the secret and publishes it to signals:incoming', async () => {
    const res = await post('/webhooks/tradingview', JSON.stringify(alert()));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { status: string; signalId: string };
    expect(body.status).toBe('received');
    const [row] = await rowsFor(body.signalId);
    expect(row).toMatchObject({
      status: 'received',
      symbol: 'XBTUSDTM',
      rawSymbol: 'KUCOIN:XBTUSDTM',
      action: 'buy',
    });
    expect(JSON.stringify(row)).not.toContain(tvSecret);
    const entry = h.bus.entries.find((e) => e.payload['signalId'] === body.signalId);
    expect(entry?.stream).toBe('signals:incoming');
    expect(JSON.stringify(entry)).not.toContain(tvSecret);
  });

  it('accepts TradingView text/plain key=value and one-line bodies', async () => {
    const t = new Date(h.clock.now - 500).toISOString();
    const lines = `secret=${tvSecret}\nsymbol=BTCUSDT.P\naction=SELL\ntime=${t}\nprice=64000`;
    const a = await post('/webhooks/tradingview', lines, { 'content-type': 'text/plain; charset=utf-8' });
    expect(a.status).toBe(202);
    const oneLine = `long XBTUSDTM.P secret=${tvSecret} time=${t} id=one-line`;
    const b = await post('/webhooks/tradingview', oneLine, { 'content-type': 'text/plain' });
    expect(b.status).toBe(202);
  });

  it('accepts a one-line text alert whose values hold spaces, each value up to the next key=', async () => {
    const t = new Date(h.clock.now - 500).toISOString();
    seq++;
    const body = `sell XBTUSDTM.P secret=${tvSecret} time=${t} id=Long Entry ${seq} comment=take profit 1 qty=2`;
    const res = await post('/webhooks/tradingview', body, { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    const { signalId } = (await res.json()) as { signalId: string };
    const [row] = await rowsFor(signalId);
    expect(row).toMatchObject({ status: 'received', symbol: 'XBTUSDTM', action: 'sell' });
    expect(row?.payload).toStrictEqual({
      action: 'sell',
      symbol: 'XBTUSDTM.P',
      timestamp: t,
      order_id: `Long Entry ${seq}`,
      comment: 'take profit 1',
      contracts: '2',
    });
    expect(JSON.stringify(row)).not.toContain(tvSecret);
  });

  it('accepts an external source with x-api-key on /webhooks/signals', async () => {
    const body = JSON.stringify({ ...alert(), secret: undefined });
    expect((await post('/webhooks/signals', body, { 'x-api-key': apiSecret })).status).toBe(202);
    expect((await post('/webhooks/signals', body, { 'x-api-key': 'nope' })).status).toBe(401);
  });

  it('accepts a custom source with a valid HMAC signature', async () => {
    const body = JSON.stringify({ ...alert(), secret: undefined });
    const t = Math.floor(h.clock.now / 1000);
    const sig = await signPayload(customSecret, t, body);
    const res = await post('/webhooks/tradingview?source=custom', body, {
      'enigma-signature': `t=${t},v1=${sig}`,
    });
    expect(res.status).toBe(202);
  });
});

describe('refused alerts leave a record', () => {
  async function refused(res: Response, status: number, code: string, rowStatus: string) {
    expect(res.status).toBe(status);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { recordId: string; status: string } };
    };
    expect(body.error.code).toBe(code);
    expect(body.error.details.status).toBe(rowStatus);
    const [row] = await rowsFor(body.error.details.recordId);
    expect(row?.status).toBe(rowStatus);
    expect(row?.reason).toContain(code);
    expect(JSON.stringify(row)).not.toContain(tvSecret);
    return body;
  }

  it('missing and forged secrets are 401 rejected', async () => {
    await refused(
      await post('/webhooks/tradingview', JSON.stringify({ ...alert(), secret: undefined })),
      401,
      'missing_secret',
      'rejected',
    );
    await refused(
      await post('/webhooks/tradingview', JSON.stringify(alert({ secret: `${tvSecret}x` }))),
      401,
      'invalid_secret',
      'rejected',
    );
  });

  it('a wrong client IP is 403 rejected', async () => {
    const res = await post('/webhooks/tradingview?source=tv-locked', JSON.stringify(alert()), {
      'x-test-ip': '203.0.113.9',
    });
    await refused(res, 403, 'ip_not_allowed', 'rejected');
  });

  it('a bad or stale HMAC signature is 401 rejected', async () => {
    const body = JSON.stringify({ ...alert(), secret: undefined });
    const t = Math.floor(h.clock.now / 1000);
    const forged = await signPayload('not-the-secret', t, body);
    await refused(
      await post('/webhooks/tradingview?source=custom', body, { 'enigma-signature': `t=${t},v1=${forged}` }),
      401,
      'invalid_signature',
      'rejected',
    );
    const old = await signPayload(customSecret, t - 301, body);
    await refused(
      await post('/webhooks/tradingview?source=custom', body, {
        'enigma-signature': `t=${t - 301},v1=${old}`,
      }),
      401,
      'invalid_signature',
      'rejected',
    );
    await refused(
      await post('/webhooks/tradingview?source=custom', body),
      401,
      'invalid_signature',
      'rejected',
    );
  });

  it('an unexpanded placeholder is 422 invalid', async () => {
    await refused(
      await post('/webhooks/tradingview', JSON.stringify(alert({ price: '{{close}}' }))),
      422,
      'unexpanded_placeholder',
      'invalid',
    );
  });

  it('an unknown action is 422 invalid and names the accepted ones', async () => {
    const body = await refused(
      await post('/webhooks/tradingview', JSON.stringify(alert({ action: 'hodl' }))),
      422,
      'unknown_action',
      'invalid',
    );
    expect(JSON.stringify(body)).toContain('reverse');
  });

  it('a market_position other than long/short/flat is 422 invalid naming it, nothing queued', async () => {
    // Before, "sideways" was accepted (202) and the engine read it as absent: in signal mode a `sell`
    // with a mistyped `flat` opened a short instead of closing the long.
    // On the fuzz source (large budget): the tradingview source's per-minute budget is the 50 concurrent
    // copies' below.
    const before = h.bus.entries.length;
    const body = await refused(
      await post(
        '/webhooks/tradingview?source=fuzz',
        JSON.stringify(
          alert({ secret: fuzzSecret, action: 'sell', market_position: 'sideways', position_size: '0' }),
        ),
      ),
      422,
      'invalid_payload',
      'invalid',
    );
    expect((body.error.details as unknown as Record<string, unknown>)['issues']).toEqual([
      { path: 'market_position', message: 'must be long, short or flat: "sideways"' },
    ]);
    expect(h.bus.entries.length).toBe(before);
  });

  it('an unknown symbol is 422 rejected with the known list', async () => {
    const body = await refused(
      await post('/webhooks/tradingview', JSON.stringify(alert({ symbol: 'PEPEUSDT' }))),
      422,
      'unknown_symbol',
      'rejected',
    );
    expect(JSON.stringify(body)).toContain('XBTUSDTM');
  });

  it('a text value with spaces that runs into a key no route reads, or a field given twice, is 422 invalid naming it', async () => {
    const body = await refused(
      await post('/webhooks/tradingview', `sell XBTUSDTM secret=${tvSecret} comment=buy when rsi=30 qty=2`, {
        'content-type': 'text/plain',
      }),
      422,
      'invalid_payload',
      'invalid',
    );
    expect(body.error.details).toMatchObject({ field: 'comment', next: 'rsi' });
    expect(JSON.stringify(body)).not.toContain(tvSecret);
    // a comment expanded to "flip action=sell" cannot turn a buy into a sell
    const twice = await refused(
      await post('/webhooks/tradingview', `buy XBTUSDTM secret=${tvSecret} comment=flip action=sell`, {
        'content-type': 'text/plain',
      }),
      422,
      'invalid_payload',
      'invalid',
    );
    expect(twice.error.details).toMatchObject({ field: 'action' });
    // the README's qty= beside a comment expanded to "tp contracts=5": not a size of 5, nothing queued
    const before = h.bus.entries.length;
    const alias = await refused(
      await post('/webhooks/tradingview', `sell XBTUSDTM secret=${tvSecret} comment=tp contracts=5 qty=2`, {
        'content-type': 'text/plain',
      }),
      422,
      'invalid_payload',
      'invalid',
    );
    expect(alias.error.details).toMatchObject({ field: 'contracts' });
    expect(h.bus.entries.length).toBe(before);
  });

  it('a JSON alert that gives a field twice (a comment placeholder expanded to x","contracts":"5) is 422 invalid naming it, nothing stored or queued', async () => {
    // TradingView escapes nothing inside a JSON message: JSON.parse kept the last "contracts" (size 5).
    // Its own source: the requests that authenticate use no budget the tests after it count on.
    const { secret } = await createWebhookSource(h.db, h.config.masterKey, {
      name: 'tv-dup',
      kind: 'tradingview',
    });
    const template = `{"secret":"${secret}","timestamp":"${new Date(h.clock.now - 1000).toISOString()}","action":"buy","symbol":"XBTUSDTM","contracts":"2","comment":"{{strategy.order.comment}}"}`;
    const expanded = (comment: string, t = template) => t.replace('{{strategy.order.comment}}', comment);
    const receivedRows = async () =>
      (await h.db.select({ id: signals.id }).from(signals).where(eq(signals.status, 'received'))).length;
    const sized5 = async () =>
      (await h.db.select({ id: signals.id }).from(signals).where(eq(signals.contracts, '5'))).length;
    const [before, rowsBefore, fivesBefore] = [h.bus.entries.length, await receivedRows(), await sized5()];
    for (const [body, headers] of [
      [expanded('x","contracts":"5'), {}],
      // by an alias of the field written out, and with the secret in a header (authenticated)
      [expanded('x","contracts":"5', template.replace('"contracts":"2"', '"qty":"2"')), {}],
      [expanded('x","Contracts":"5').replace(`"secret":"${secret}",`, ''), { 'x-webhook-secret': secret }],
    ] as const) {
      const body422 = await refused(
        await post('/webhooks/tradingview?source=tv-dup', body, headers),
        422,
        'invalid_payload',
        'invalid',
      );
      expect(body422.error.details).toMatchObject({ field: 'contracts' });
      // the field is named, no value is shown
      expect(JSON.stringify(body422)).not.toContain('"5"');
      expect(body422.error.message).not.toMatch(/[25]/);
      expect(JSON.stringify(body422)).not.toContain(secret);
    }
    expect(h.bus.entries.length).toBe(before);
    expect(await receivedRows()).toBe(rowsBefore);
    expect(await sized5()).toBe(fivesBefore);
    // the same value twice, and "contracts" inside a nested object or a string, are no conflict
    const fine = await post(
      '/webhooks/tradingview?source=tv-dup',
      expanded('say \\"contracts\\":\\"5\\"').replace(
        '"contracts":"2",',
        '"contracts":"2","conditions":{"contracts":"5"},"contracts":"2",',
      ),
    );
    expect(fine.status).toBe(202);
    const { signalId } = (await fine.json()) as { signalId: string };
    const entry = h.bus.entries.find((e) => e.payload['signalId'] === signalId);
    expect(entry?.payload).toMatchObject({ size: '2', comment: 'say "contracts":"5"' });
  });

  it('a 400 for a message that is not quite JSON never shows its secret', async () => {
    // a line before the JSON makes TradingView send text/plain, read as words: `{"secret":` was shown,
    // then the secret itself
    const res = await post(
      '/webhooks/tradingview',
      `My alert\n{"secret": "${tvSecret}", "symbol": "XBTUSDTM", "action": "buy"}`,
      { 'content-type': 'text/plain', 'x-test-ip': freshIp() },
    );
    const body = await refused(res, 400, 'malformed_body', 'invalid');
    // a word is shown cut to 40 characters: not one run of 12 of the secret's
    for (let i = 0; i + 12 <= tvSecret.length; i++) {
      expect(JSON.stringify(body)).not.toContain(tvSecret.slice(i, i + 12));
    }
  });

  it('malformed, oversized, deep and wrongly typed bodies are refused', async () => {
    await refused(await post('/webhooks/tradingview', '{"symbol":'), 400, 'malformed_body', 'invalid');
    await refused(
      await post('/webhooks/tradingview', JSON.stringify(alert({ pad: 'x'.repeat(70_000) }))),
      413,
      'payload_too_large',
      'rejected',
    );
    await refused(
      await post('/webhooks/tradingview', `{"a":${'['.repeat(50)}${']'.repeat(50)}}`),
      422,
      'too_deep',
      'invalid',
    );
    await refused(
      await post('/webhooks/tradingview', '{"__proto__":{"admin":true}}'),
      422,
      'forbidden_key',
      'invalid',
    );
    await refused(
      await post('/webhooks/tradingview', 'a=b', { 'content-type': 'application/xml' }),
      415,
      'unsupported_media_type',
      'rejected',
    );
  });

  it('an unknown source is 404 rejected', async () => {
    await refused(
      await post('/webhooks/tradingview?source=ghost', JSON.stringify(alert())),
      404,
      'unknown_source',
      'rejected',
    );
  });

  it('rate limits a source with 429 and Retry-After', async () => {
    const send = () =>
      post('/webhooks/tradingview?source=tv-slow', JSON.stringify(alert({ secret: slowSecret })));
    await send();
    await send();
    const res = await send();
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    await refused(res, 429, 'rate_limited', 'rejected');
  });
});

describe('staleness and duplicates', () => {
  it('stores an old alert as stale and does not publish it', async () => {
    const before = h.bus.entries.length;
    const res = await post(
      '/webhooks/tradingview',
      JSON.stringify(alert({ timestamp: new Date(h.clock.now - 61_000).toISOString() })),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; signalId: string };
    expect(body.status).toBe('stale');
    expect((await rowsFor(body.signalId))[0]?.status).toBe('stale');
    expect(h.bus.entries.length).toBe(before);
  });

  it('answers a repeat delivery 200 duplicate with the original id', async () => {
    const body = JSON.stringify(alert());
    const first = (await (await post('/webhooks/tradingview', body)).json()) as { signalId: string };
    const res = await post('/webhooks/tradingview', body);
    expect(res.status).toBe(200);
    const second = (await res.json()) as { status: string; signalId: string; recordId: string };
    expect(second).toMatchObject({ status: 'duplicate', signalId: first.signalId });
    expect((await rowsFor(second.recordId))[0]).toMatchObject({
      status: 'duplicate',
      duplicateOf: first.signalId,
    });
  });

  it('turns 50 concurrent copies of one alert into exactly one signal and one stream entry', async () => {
    const a = alert();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        post('/webhooks/tradingview', JSON.stringify(a)).then(async (r) => ({
          http: r.status,
          body: (await r.json()) as { status: string; signalId: string },
        })),
      ),
    );
    // Every answer counts: one 202 received, 49 × 200 duplicate of it, nothing else (no 5xx).
    expect(answers).toHaveLength(50);
    const received = answers.filter((r) => r.http === 202 && r.body.status === 'received');
    const duplicates = answers.filter((r) => r.http === 200 && r.body.status === 'duplicate');
    expect(received).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    expect(duplicates.every((r) => r.body.signalId === received[0]!.body.signalId)).toBe(true);
    const rows = await h.db.select().from(signals).where(eq(signals.status, 'received'));
    expect(rows.filter((r) => (r.payload as { order_id?: string }).order_id === a.order_id)).toHaveLength(1);
    const dupRows = await h.db
      .select()
      .from(signals)
      .where(eq(signals.duplicateOf, received[0]!.body.signalId));
    expect(dupRows).toHaveLength(49);
    expect(h.bus.entries.filter((e) => e.payload['orderId'] === a.order_id)).toHaveLength(1);
  });
});

describe('fuzz', () => {
  // The secret travels in a header and the source's budget is large, so every input is authenticated
  // and reaches the parser (issue #15: a fuzz test answered 429 tests nothing).
  it('reaches the parser, never answers 5xx and leaves exactly one row per request', async () => {
    const answered: number[] = [];
    const awkward = fc.constantFrom(
      '\u0000',
      '\ud800',
      'a\udc00b',
      '1e999999',
      '9'.repeat(5000),
      '-1',
      '{{close}}',
    );
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), awkward);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc
            .dictionary(fc.string({ maxLength: 12 }), value)
            .map((d) => JSON.stringify({ ...alert(), secret: undefined, ...d })),
          fc
            .record({ price: value, contracts: value, symbol: value, timestamp: value, action: value })
            .map((d) => JSON.stringify({ ...alert(), secret: undefined, ...d })),
        ),
        fc.constantFrom('application/json', 'text/plain'),
        async (body, type) => {
          const before = await signalCount();
          const res = await post('/webhooks/tradingview?source=fuzz', body, {
            'content-type': type,
            'x-webhook-secret': fuzzSecret,
            // one address for every input: authenticated refusals are never sampled away
            'x-test-ip': '192.0.2.200',
          });
          answered.push(res.status);
          expect(res.status).toBeLessThan(500);
          expect([200, 202, 400, 413, 422]).toContain(res.status);
          expect((await signalCount()) - before).toBe(1);
          if (res.status >= 400) {
            const err = (await res.json()) as { error: { details: { status: string } } };
            expect(['rejected', 'invalid']).toContain(err.error.details.status);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The parser and the insert were reached: no rate-limit or authentication answer at all.
    expect(answered.filter((s) => s === 429 || s === 401)).toEqual([]);
    expect(answered.filter((s) => s === 422).length).toBeGreaterThan(10);
  });
});

describe('idempotency in the database', () => {
  it('a repeat is decided by the stored row (no KV entry needed): duplicate of the original, one received row', async () => {
    h.clock.now += 60_000; // a fresh rate-limit window: the tests above used up the source's 60/min
    const a = alert();
    const body = JSON.stringify(a);
    const headers = { 'x-test-ip': '192.0.2.77' };
    const first = (await (await post('/webhooks/tradingview', body, headers)).json()) as { signalId: string };
    const key = webhookIdempotencyKey({ source: 'tradingview', bodySha256: await sha256Hex(body) });
    // Nothing about the key is kept outside the database: a KV lost on restart changes nothing.
    expect(await h.kv.get(`idem:${key}`)).toBeNull();
    const res = await post('/webhooks/tradingview', body, headers);
    expect(res.status).toBe(200);
    const again = (await res.json()) as { status: string; signalId: string; recordId: string };
    expect(again).toMatchObject({ status: 'duplicate', signalId: first.signalId });
    const held = await h.db.select().from(signals).where(eq(signals.idempotencyKey, key));
    expect(held.map((r) => [r.id, r.status])).toEqual([[first.signalId, 'received']]);
    const [dup] = await h.db.select().from(signals).where(eq(signals.id, again.recordId));
    expect(dup).toMatchObject({ status: 'duplicate', duplicateOf: first.signalId, idempotencyKey: null });
  });
});
