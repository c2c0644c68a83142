import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const b = env as unknown as Record<string, string>;

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json().catch(() => null)) as Record<string, unknown>,
  };
}

describe('REST API in workerd', () => {
  it('logs in, flips the kill switch (audited in a Neon transaction) and verifies the audit chain', async () => {
    const login = await call('POST', '/api/auth/login', {
      body: { email: b['TEST_ADMIN_EMAIL'], password: b['TEST_ADMIN_PASSWORD'] },
    });
    expect(login.status).toBe(200);
    const token = login.json['accessToken'] as string;
    expect(
      (await call('PUT', '/api/risk/kill-switch', { token, body: { on: true, reason: 'workerd drill' } }))
        .status,
    ).toBe(200);
    expect((await call('GET', '/api/risk', { token })).json['killSwitch']).toMatchObject({ on: true });
    // the chain's head was anchored in Upstash after the change, and the chain reaches it
    const verified = (await call('GET', '/api/audit/verify', { token })).json;
    expect(verified).toMatchObject({ ok: true, anchoredSeq: expect.any(Number) });
    expect(verified['anchoredSeq']).toBeGreaterThanOrEqual(1);
  });

  it('publishes an order command once per Idempotency-Key', async () => {
    const login = await call('POST', '/api/auth/login', {
      body: { email: b['TEST_ADMIN_EMAIL'], password: b['TEST_ADMIN_PASSWORD'] },
    });
    const token = login.json['accessToken'] as string;
    const order = { symbol: 'XBTUSDTM', side: 'sell', orderType: 'market', size: 1 };
    const key = crypto.randomUUID();
    const a = await call('POST', '/api/orders', { token, body: order, headers: { 'idempotency-key': key } });
    const again = await call('POST', '/api/orders', {
      token,
      body: order,
      headers: { 'idempotency-key': key },
    });
    expect(a.status).toBe(202);
    expect(again.json).toMatchObject({ commandId: a.json['commandId'], replayed: true });
  });

  it('rate limits a source with 429 and Retry-After', async () => {
    const send = () =>
      exports.default.fetch('http://edge.test/webhooks/tradingview?source=tv-slow', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '52.89.214.238' },
        // authenticated: only requests that know the secret count against a source's budget
        body: JSON.stringify({ symbol: 'XBTUSDTM', action: 'buy', secret: b['TEST_SLOW_SECRET'] }),
      });
    await send();
    const res = await send();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('streams the trades CSV, the pool kept open until the stream ends', async () => {
    const login = await call('POST', '/api/auth/login', {
      body: { email: b['TEST_ADMIN_EMAIL'], password: b['TEST_ADMIN_PASSWORD'] },
    });
    const res = await exports.default.fetch('http://edge.test/api/trades.csv', {
      headers: { authorization: `Bearer ${login.json['accessToken'] as string}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect((await res.text()).split('\r\n')[0]).toBe(
      'id,symbol,side,size,entryPrice,exitPrice,grossPnl,fees,funding,netPnl,openedAt,closedAt,exitReason,signalId,exchangePnl,exchangeFees,exchangeFunding,leverage,roiOnNotional,roiOnMargin',
    );
  });

  it('serves the OpenAPI document', async () => {
    const doc = await call('GET', '/api/openapi.json');
    expect(Object.keys(doc.json['paths'] as object)).toContain('/signals');
  });
});
