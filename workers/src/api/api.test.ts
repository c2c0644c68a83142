import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { closedTrades, signals } from '@enigma/db/schema/index';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';
import { bootstrapEmbedded } from '../bootstrap.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let admin: { email: string; password: string };
let adminToken: string;
let viewerToken: string;
let traderToken: string;

const call = apiCaller(() => h.app);

async function login(email: string, password: string): Promise<string> {
  const r = await call('POST', '/api/auth/login', { body: { email, password } });
  expect(r.status).toBe(200);
  return r.json.accessToken;
}

beforeAll(async () => {
  h = await nodeHarness();
  const boot = await bootstrapEmbedded(
    {
      db: h.db,
      kv: h.kv,
      bus: h.bus,
      config: h.config,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    },
    { baseUrl: 'http://127.0.0.1:1' },
  );
  admin = boot.admin!;
  adminToken = await login(admin.email, admin.password);
  await createUser(h.db, { email: 'viewer@x.test', password: 'viewer-password', role: 'viewer' });
  await createUser(h.db, { email: 'trader@x.test', password: 'trader-password', role: 'trader' });
  viewerToken = await login('viewer@x.test', 'viewer-password');
  traderToken = await login('trader@x.test', 'trader-password');
});
afterAll(() => h.close());

describe('bootstrapEmbedded', () => {
  it('creates the admin and the secret once, and never hands either out again', async () => {
    const deps = {
      db: h.db,
      kv: h.kv,
      bus: h.bus,
      config: h.config,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    };
    const again = await bootstrapEmbedded(deps, { baseUrl: 'http://127.0.0.1:1' });
    expect(again.admin).toBeNull();
    expect(again.source).toEqual({ name: 'tradingview', secret: null, created: false });
    expect(again.curl).toBeNull();
    expect(again.secretHelp.join('\n')).toContain(
      'http://127.0.0.1:1/api/settings/webhook-sources/tradingview/secret',
    );
  });

  it('prints a curl that really posts an accepted alert', async () => {
    const realClock = { ...h.config, now: () => Date.now() };
    const { createApp } = await import('../app.ts');
    const app = createApp({
      db: h.db,
      kv: h.kv,
      bus: h.bus,
      config: realClock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const boot = await bootstrapEmbedded(
        {
          db: h.db,
          kv: h.kv,
          bus: h.bus,
          config: realClock,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        },
        { baseUrl: `http://127.0.0.1:${port}`, sourceName: 'curl-check' },
      );
      expect(boot.source.created).toBe(true);
      const { stdout } = await promisify(execFile)('bash', ['-c', boot.curl!]);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'received' });
    } finally {
      server.close();
    }
  });
});

describe('auth', () => {
  it('refuses wrong passwords and unknown users alike', async () => {
    const a = await call('POST', '/api/auth/login', { body: { email: admin.email, password: 'nope' } });
    const b = await call('POST', '/api/auth/login', { body: { email: 'ghost@x.test', password: 'nope' } });
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(a.json.error.code).toBe('invalid_credentials');
    expect(b.json.error.message).toBe(a.json.error.message);
  });

  it('refreshes a token pair, and an access token cannot be used to refresh', async () => {
    const l = await call('POST', '/api/auth/login', {
      body: { email: admin.email, password: admin.password },
    });
    const r = await call('POST', '/api/auth/refresh', { body: { refreshToken: l.json.refreshToken } });
    expect(r.status).toBe(200);
    expect(r.json.role).toBe('admin');
    const bad = await call('POST', '/api/auth/refresh', { body: { refreshToken: l.json.accessToken } });
    expect(bad.status).toBe(401);
  });

  it('rejects expired access tokens by the app clock', async () => {
    const saved = h.clock.now;
    h.clock.now += (h.config.accessTokenTtlSeconds + 1) * 1000;
    try {
      expect((await call('GET', '/api/signals', { token: viewerToken })).status).toBe(401);
    } finally {
      h.clock.now = saved;
    }
  });

  it('requires a token, and enforces roles', async () => {
    expect((await call('GET', '/api/signals')).status).toBe(401);
    expect((await call('GET', '/api/signals', { token: viewerToken })).status).toBe(200);
    const denied = await call('PUT', '/api/risk/kill-switch', {
      token: traderToken,
      body: { on: true, reason: 'x' },
    });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('forbidden');
  });

  it('issues API keys that work as x-api-key and stop working once revoked', async () => {
    const k = await call('POST', '/api/api-keys', {
      token: adminToken,
      body: { name: 'script', role: 'viewer' },
    });
    expect(k.status).toBe(201);
    const use = () => h.app.request('/api/signals', { headers: { 'x-api-key': k.json.key } });
    expect((await use()).status).toBe(200);
    const list = await call('GET', '/api/api-keys', { token: adminToken });
    expect(JSON.stringify(list.json)).not.toContain(k.json.key);
    expect((await call('DELETE', `/api/api-keys/${k.json.id}`, { token: adminToken })).status).toBe(204);
    expect((await use()).status).toBe(401);
  });
});

describe('signals', () => {
  it('lists signals with status and symbol filters and keyset pages', async () => {
    for (const status of ['received', 'rejected', 'rejected'] as const) {
      await h.db
        .insert(signals)
        .values({ source: 'tradingview', status, symbol: 'XBTUSDTM', receivedAt: new Date(h.clock.now) });
    }
    const rejected = await call('GET', '/api/signals?status=rejected&symbol=XBTUSDTM&limit=1', {
      token: viewerToken,
    });
    expect(rejected.status).toBe(200);
    expect(rejected.json.items).toHaveLength(1);
    expect(rejected.json.items[0].status).toBe('rejected');
    const next = await call(
      'GET',
      `/api/signals?status=rejected&limit=1&cursor=${rejected.json.nextCursor}`,
      { token: viewerToken },
    );
    expect(next.json.items[0].id).not.toBe(rejected.json.items[0].id);
    const bad = await call('GET', '/api/signals?status=bogus', { token: viewerToken });
    expect(bad.status).toBe(422);
    expect(bad.json.error.code).toBe('validation_failed');
  });
});

describe('order commands', () => {
  const order = { symbol: 'XBTUSDTM', side: 'buy', orderType: 'limit', size: 2, price: '64000.5' };

  it('publishes a validated order to the commands stream once per Idempotency-Key', async () => {
    const before = h.bus.entries.filter((e) => e.stream === 'commands').length;
    const first = await call('POST', '/api/orders', {
      token: traderToken,
      body: order,
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(first.status).toBe(202);
    const again = await call('POST', '/api/orders', {
      token: traderToken,
      body: order,
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(again.json).toEqual({ commandId: first.json.commandId, status: 'accepted', replayed: true });
    const cmds = h.bus.entries.filter((e) => e.stream === 'commands');
    expect(cmds.length - before).toBe(1);
    expect(cmds.at(-1)?.payload).toMatchObject({
      commandId: first.json.commandId,
      command: { type: 'place_order', size: 2, price: '64000.5' },
    });
  });

  it('answers 409 when a key is reused for another command, 400 without a key, 422 on bad input, 403 for viewers', async () => {
    // this test's own key, used once for the order, then for another command
    const placed = await call('POST', '/api/orders', {
      token: traderToken,
      body: order,
      headers: { 'idempotency-key': 'k-reuse' },
    });
    expect(placed.status).toBe(202);
    const reuse = await call('POST', '/api/orders', {
      token: traderToken,
      body: { ...order, size: 3 },
      headers: { 'idempotency-key': 'k-reuse' },
    });
    expect(reuse.status).toBe(409);
    expect((await call('POST', '/api/orders', { token: traderToken, body: order })).status).toBe(400);
    const noPrice = await call('POST', '/api/orders', {
      token: traderToken,
      body: { ...order, price: undefined },
      headers: { 'idempotency-key': 'k-2' },
    });
    expect(noPrice.status).toBe(422);
    const nan = await call('POST', '/api/orders', {
      token: traderToken,
      body: { ...order, price: 'NaN' },
      headers: { 'idempotency-key': 'k-3' },
    });
    expect(nan.status).toBe(422);
    const frac = await call('POST', '/api/orders', {
      token: traderToken,
      body: { ...order, size: 1.5 },
      headers: { 'idempotency-key': 'k-4' },
    });
    expect(frac.status).toBe(422);
    expect(
      (
        await call('POST', '/api/orders', {
          token: viewerToken,
          body: order,
          headers: { 'idempotency-key': 'k-5' },
        })
      ).status,
    ).toBe(403);
  });

  it('accepts cancel, cancel-all, close and TP/SL commands', async () => {
    const hdr = (k: string) => ({ 'idempotency-key': k });
    expect(
      (await call('DELETE', '/api/orders/abc123', { token: traderToken, headers: hdr('c1') })).status,
    ).toBe(202);
    expect(
      (await call('POST', '/api/orders/cancel-all', { token: traderToken, body: {}, headers: hdr('c2') }))
        .status,
    ).toBe(202);
    expect(
      (await call('POST', '/api/positions/XBTUSDTM/close', { token: traderToken, headers: hdr('c3') }))
        .status,
    ).toBe(202);
    expect(
      (
        await call('PUT', '/api/positions/XBTUSDTM/tpsl', {
          token: traderToken,
          body: { stopLoss: '60000' },
          headers: hdr('c4'),
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await call('PUT', '/api/positions/XBTUSDTM/tpsl', {
          token: traderToken,
          body: {},
          headers: hdr('c5'),
        })
      ).status,
    ).toBe(422);
  });
});

describe('risk, settings and audit', () => {
  it('lets an admin flip the kill switch, audited, and sends it to the engine', async () => {
    const on = await call('PUT', '/api/risk/kill-switch', {
      token: adminToken,
      body: { on: true, reason: 'drill' },
    });
    expect(on.status).toBe(200);
    const state = await call('GET', '/api/risk', { token: viewerToken });
    expect(state.json.killSwitch).toMatchObject({ on: true, reason: 'drill' });
    expect(h.bus.entries.at(-1)?.payload).toMatchObject({ command: { type: 'kill_switch', on: true } });
    const verify = await call('GET', '/api/audit/verify', { token: adminToken });
    expect(verify.json.ok).toBe(true);
    expect(verify.json.rows).toBeGreaterThan(0);
  });

  it('stores risk limits and refuses unknown fields', async () => {
    expect(
      (
        await call('PUT', '/api/settings/risk-limits', {
          token: adminToken,
          body: { maxLeverage: 5, maxDailyLoss: '250' },
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', '/api/risk', { token: viewerToken })).json.limits).toEqual({
      maxLeverage: 5,
      maxDailyLoss: '250',
    });
    expect(
      (await call('PUT', '/api/settings/risk-limits', { token: adminToken, body: { maxLeverage: 500 } }))
        .status,
    ).toBe(422);
    expect(
      (await call('PUT', '/api/settings/risk-limits', { token: adminToken, body: { yolo: true } })).status,
    ).toBe(422);
  });

  it('creates, lists and rotates webhook sources without ever listing a secret', async () => {
    const created = await call('POST', '/api/settings/webhook-sources', {
      token: adminToken,
      body: { name: 'script-1', kind: 'custom', hmacRequired: true },
    });
    expect(created.status).toBe(201);
    const list = await call('GET', '/api/settings/webhook-sources', { token: adminToken });
    expect(list.json.items.map((s: { name: string }) => s.name)).toContain('script-1');
    expect(list.text).not.toContain(created.json.secret);
    const rotated = await call('POST', '/api/settings/webhook-sources/script-1/rotate', {
      token: adminToken,
      body: {},
    });
    expect(rotated.json.secret).not.toBe(created.json.secret);
    const dup = await call('POST', '/api/settings/webhook-sources', {
      token: adminToken,
      body: { name: 'script-1', kind: 'custom' },
    });
    expect(dup.status).toBe(409);
  });
});

describe('trades and documents', () => {
  it('exports closed trades as CSV with formula-looking cells defused', async () => {
    await h.db.insert(closedTrades).values({
      symbol: 'XBTUSDTM',
      side: 'long',
      size: 2,
      entryPrice: '64000',
      exitPrice: '64100.5',
      grossPnl: '0.201',
      netPnl: '0.15',
      openedAt: new Date(h.clock.now - 60_000),
      closedAt: new Date(h.clock.now),
      exitReason: '=HYPERLINK("x")',
      leverage: '5',
    });
    const json = await call('GET', '/api/trades?limit=10', { token: viewerToken });
    // entry notional 2 lots × 0.001 × 64000 = 128 USDT, initial margin 128 / 5 = 25.6 USDT:
    // on notional 0.15 / 128 = 0.001171875, on margin 0.15 / 25.6 = 0.005859375 (exact decimals)
    expect(json.json.items[0]).toMatchObject({
      symbol: 'XBTUSDTM',
      netPnl: '0.15',
      leverage: '5',
      roiOnNotional: '0.001171875',
      roiOnMargin: '0.005859375',
    });
    const csv = await call('GET', '/api/trades.csv', { token: viewerToken });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const [header, row] = csv.text.trim().split('\r\n');
    expect(header).toBe(
      'id,symbol,side,size,entryPrice,exitPrice,grossPnl,fees,funding,netPnl,openedAt,closedAt,exitReason,signalId,exchangePnl,exchangeFees,exchangeFunding,leverage,roiOnNotional,roiOnMargin',
    );
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row!.endsWith(',5,0.001171875,0.005859375')).toBe(true);
    const account = await call('GET', '/api/account', { token: viewerToken });
    expect(account.json).toMatchObject({ closedTrades: 1, realisedPnl: '0.15' });
  });

  it('serves the OpenAPI document generated from the route schemas and a reference page', async () => {
    const doc = await call('GET', '/api/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/signals', '/orders', '/risk/kill-switch', '/auth/login', '/trades.csv']),
    );
    const page = await call('GET', '/api/docs');
    expect(page.text).toContain('/api/orders');
  });

  it('answers unknown routes with the error envelope', async () => {
    const r = await call('GET', '/api/nope');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });
});

describe('login throttling', () => {
  it('backs off an account at an address after 5 failures from it (429 + Retry-After) instead of locking it out', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await call('POST', '/api/auth/login', {
        body: { email: 'victim@x.test', password: `guess-${i}` },
        headers: { 'x-test-ip': '198.51.100.7' },
      });
      statuses.push(r.status);
      if (i === 5) expect(Number(r.headers.get('retry-after'))).toBe(1);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // the account from another address is not held back by those failures
    const elsewhere = await call('POST', '/api/auth/login', {
      body: { email: 'victim@x.test', password: 'guess-x' },
      headers: { 'x-test-ip': '198.51.100.99' },
    });
    expect(elsewhere.status).toBe(401);
    h.clock.now += 1_000;
    const after = await call('POST', '/api/auth/login', {
      body: { email: 'victim@x.test', password: 'guess-6' },
      headers: { 'x-test-ip': '198.51.100.7' },
    });
    expect(after.status).toBe(401);
  });
});
