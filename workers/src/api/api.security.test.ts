import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { bootstrapEmbedded } from '../bootstrap.ts';

// Issue #13's findings against the REST API, each written as the request that reproduced it.

let h: Awaited<ReturnType<typeof nodeHarness>>;
let adminToken: string;
let admin: { email: string; password: string };

async function raw(method: string, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await h.app.request(path, { ...init, method, headers });
  const text = await res.text();
  let json: { error?: { code: string; message: string; details: Record<string, unknown> } } & Record<
    string,
    unknown
  >;
  try {
    json = JSON.parse(text);
  } catch {
    json = {};
  }
  return { status: res.status, json };
}

function jsonInit(body: unknown, token?: string): RequestInit & { token?: string } {
  return {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    ...(token ? { token } : {}),
  };
}

beforeAll(async () => {
  h = await nodeHarness();
  const boot = await bootstrapEmbedded(
    { db: h.db, kv: h.kv, bus: h.bus, config: h.config, logger: h.deps.logger },
    { baseUrl: 'http://127.0.0.1:1' },
  );
  admin = boot.admin!;
  const r = await raw('POST', '/api/auth/login', jsonInit({ email: admin.email, password: admin.password }));
  adminToken = r.json['accessToken'] as string;
});
afterAll(() => h.close());

describe('an empty body is a 422, never "defaults"', () => {
  it('an empty PUT /api/risk/kill-switch does not turn the kill switch off', async () => {
    const on = await raw('PUT', '/api/risk/kill-switch', jsonInit({ on: true, reason: 'drill' }, adminToken));
    expect(on.status).toBe(200);
    const empty = await raw('PUT', '/api/risk/kill-switch', { token: adminToken });
    expect(empty.status).toBe(422);
    expect(empty.json.error?.code).toBe('validation_failed');
    const emptyJson = await raw('PUT', '/api/risk/kill-switch', {
      token: adminToken,
      headers: { 'content-type': 'application/json' },
      body: '',
    });
    expect(emptyJson.status).toBe(422);
    const state = await raw('GET', '/api/risk', { token: adminToken });
    expect(state.json['killSwitch']).toMatchObject({ on: true, reason: 'drill' });
  });

  it('an empty PUT /api/settings/risk-limits does not wipe the limits', async () => {
    const set = await raw('PUT', '/api/settings/risk-limits', jsonInit({ maxLeverage: 5 }, adminToken));
    expect(set.status).toBe(200);
    expect((await raw('PUT', '/api/settings/risk-limits', { token: adminToken })).status).toBe(422);
    const state = await raw('GET', '/api/risk', { token: adminToken });
    expect(state.json['limits']).toMatchObject({ maxLeverage: 5 });
  });

  it('a body that is not JSON is 415; malformed JSON is 400', async () => {
    const text = await raw('PUT', '/api/risk/kill-switch', {
      token: adminToken,
      headers: { 'content-type': 'text/plain' },
      body: 'on=false',
    });
    expect(text.status).toBe(415);
    const bad = await raw('PUT', '/api/risk/kill-switch', {
      token: adminToken,
      headers: { 'content-type': 'application/json' },
      body: '{"on":',
    });
    expect(bad.status).toBe(400);
  });

  it('authentication still answers first: an empty body without a token is 401', async () => {
    expect((await raw('PUT', '/api/risk/kill-switch')).status).toBe(401);
  });

  it('the OpenAPI document marks every request body required', async () => {
    const doc = (await raw('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
    };
    const bodies = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).flatMap((op) => (op.requestBody ? [op.requestBody] : [])),
    );
    expect(bodies.length).toBeGreaterThan(5);
    expect(bodies.every((b) => b.required === true)).toBe(true);
  });
});

describe('body limit on every /api route', () => {
  it('a 10 MB login body is refused by its declared length, before it is read', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const r = await raw('POST', '/api/auth/login', {
      body: big,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    });
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('payload_too_large');
  });

  it('a body without a length is counted while read and cut off at the limit', async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
    });
    const r = await raw('POST', '/api/auth/login', {
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(413);
    expect(sent).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('NUL characters and lone surrogates are 4xx naming the field', () => {
  it('in a login email', async () => {
    const r = await raw('POST', '/api/auth/login', jsonInit({ email: 'a\u0000@x.test', password: 'p' }));
    expect(r.status).toBe(422);
    expect(r.json.error?.details['field']).toBe('email');
  });
  it('in a webhook source name or allowlist entry', async () => {
    const r = await raw(
      'POST',
      '/api/settings/webhook-sources',
      jsonInit({ name: 'x', kind: 'tradingview', ipAllowlist: ['\ud800'] }, adminToken),
    );
    expect(r.status).toBe(422);
    expect(r.json.error?.details['field']).toBe('ipAllowlist.0');
  });
});

describe('allowlist entries', () => {
  it('`203.0.113.7/` (read as /0 before) and other non-addresses are 422; addresses and CIDRs pass', async () => {
    for (const entry of ['203.0.113.7/', '1.2.3', 'example.com', '10.0.0.0/33']) {
      const r = await raw(
        'POST',
        '/api/settings/webhook-sources',
        jsonInit(
          { name: `bad-${crypto.randomUUID().slice(0, 6)}`, kind: 'custom', ipAllowlist: [entry] },
          adminToken,
        ),
      );
      expect(r.status, entry).toBe(422);
    }
    const ok = await raw(
      'POST',
      '/api/settings/webhook-sources',
      jsonInit(
        { name: 'good-list', kind: 'custom', ipAllowlist: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32'] },
        adminToken,
      ),
    );
    expect(ok.status).toBe(201);
  });
});

describe('fuzz every /api request body', () => {
  it('arbitrary JSON bodies to every operation with a body: no 5xx, no signal row', async () => {
    await createWebhookSource(h.db, h.config.masterKey, { name: 'fuzz-api', kind: 'custom' });
    const doc = (await raw('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.requestBody)
        .map(([method]) => ({
          method: method.toUpperCase(),
          path: `/api${path
            .replace('{id}', crypto.randomUUID())
            .replace('{name}', 'fuzz-api')
            .replace('{symbol}', 'XBTUSDTM')
            .replace('{orderId}', 'o-1')}`,
        })),
    );
    expect(ops.length).toBeGreaterThan(5);
    const [{ n: before }] = (await h.db.select({ n: sql<number>`count(*)::int` }).from(signals)) as [
      { n: number },
    ];
    const awkward = fc.constantFrom('\u0000', '\ud800', '9'.repeat(70_000), '1e999999', -1, 1e308, null);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops),
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), awkward)),
        ),
        async (op, body) => {
          const r = await raw(op.method, op.path, {
            ...jsonInit(body, adminToken),
            headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
          });
          expect(r.status, `${op.method} ${op.path} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    const [{ n: after }] = (await h.db.select({ n: sql<number>`count(*)::int` }).from(signals)) as [
      { n: number },
    ];
    expect(after).toBe(before);
  });
});
