import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../server.ts';
import { startTestSimulator } from '../test-helpers.ts';
import { prehash, signRequest, verifyRequest } from './auth.ts';

const sign = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64');
const SECRET = 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3';

describe('KuCoin signature vectors (KUCOIN.md §1.4)', () => {
  it('reproduces the worked GET, POST and passphrase examples', () => {
    expect(
      sign(SECRET, prehash('1700000000000', 'GET', '/api/v1/orders', 'status=active&symbol=XBTUSDTM', '')),
    ).toBe('0CFAVrx0dYNWOUZlLV1xcoZV3kwVrK9rWvxmt+X9ukk=');
    const body =
      '{"clientOid":"abc-1","side":"buy","symbol":"XBTUSDTM","type":"limit","leverage":3,"price":"60000","size":1}';
    expect(sign(SECRET, prehash('1700000000000', 'post', '/api/v1/orders', '', body))).toBe(
      'C2gQwT2petkjT08wf23qtBLx+qUmJWV8U521btmwHJs=',
    );
    expect(sign('test_api_secret', 'test_passphrase')).toBe('Ikr9KjwgA4urCb5Az1TNKgQELW10z84iOq+wsZsRRz0=');
  });

  it('signs the percent-decoded query in the order received', () => {
    expect(prehash('1', 'GET', '/api/v1/fills', 'tradeTypes=trade%2Cadl&symbol=XBTUSDTM', '')).toBe(
      '1GET/api/v1/fills?tradeTypes=trade,adl&symbol=XBTUSDTM',
    );
  });

  it('accepts a key-version-1 plaintext passphrase', () => {
    const credentials = { key: 'k', secret: 's', passphrase: 'p' };
    const ts = '1700000000000';
    const headers: Record<string, string> = {
      'kc-api-key': 'k',
      'kc-api-sign': sign('s', prehash(ts, 'GET', '/api/v1/positions', '', '')),
      'kc-api-timestamp': ts,
      'kc-api-passphrase': 'p',
    };
    const args = {
      method: 'GET',
      path: '/api/v1/positions',
      rawQuery: '',
      body: '',
      now: 1700000001000,
      credentials,
    };
    expect(() => verifyRequest({ ...args, headers: (n) => headers[n] })).not.toThrow();
    expect(() =>
      verifyRequest({ ...args, headers: (n) => ({ ...headers, 'kc-api-passphrase': 'x' })[n] }),
    ).toThrow(/PASSPHRASE/);
  });
});

describe('gateway errors over HTTP', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  const call = async (path: string, headers: Record<string, string>, method = 'GET', body = '') => {
    const res = await fetch(`${sim.url}${path}`, { method, headers, body: body || undefined });
    return { status: res.status, body: (await res.json()) as { code: string; msg?: string; data?: unknown } };
  };

  it('answers a well-signed request with the 200000 envelope and rate-limit headers', async () => {
    const path = '/api/v1/account-overview?currency=USDT';
    const res = await fetch(`${sim.url}${path}`, {
      headers: signRequest(sim.credentials, 'GET', path, '', Date.now()),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('gw-ratelimit-limit')).toBe('2000');
    expect(await res.json()).toMatchObject({
      code: '200000',
      data: { currency: 'USDT', availableBalance: 100_000 },
    });
  });

  it('maps each authentication failure to its KuCoin code', async () => {
    const path = '/api/v1/positions';
    const good = signRequest(sim.credentials, 'GET', path, '', Date.now());
    expect(await call(path, {})).toMatchObject({ status: 401, body: { code: '400001' } });
    const stale = signRequest(sim.credentials, 'GET', path, '', Date.now() - 6_000);
    expect(await call(path, stale)).toMatchObject({ status: 400, body: { code: '400002' } });
    expect(await call(path, { ...good, 'KC-API-KEY': 'other' })).toMatchObject({
      status: 401,
      body: { code: '400003' },
    });
    expect(await call(path, { ...good, 'KC-API-PASSPHRASE': 'bad' })).toMatchObject({
      body: { code: '400004' },
    });
    expect(await call(path, { ...good, 'KC-API-SIGN': 'bad' })).toMatchObject({
      status: 401,
      body: { code: '400005' },
    });
    expect(await call(path, { ...good, 'KC-API-KEY-VERSION': '9' })).toMatchObject({
      body: { code: '400009' },
    });
  });

  it('verifies the signature of a percent-encoded query and of a DELETE with a JSON body', async () => {
    const wire = '/api/v1/fills?symbol=XBTUSDTM&tradeTypes=trade%2Cliquid';
    const ts = Date.now();
    const decoded = prehash(
      String(ts),
      'GET',
      '/api/v1/fills',
      'symbol=XBTUSDTM&tradeTypes=trade,liquid',
      '',
    );
    const headers = {
      ...signRequest(sim.credentials, 'GET', wire, '', ts),
      'KC-API-SIGN': sign('sim-secret', decoded),
    };
    expect(await call(wire, headers)).toMatchObject({ status: 200, body: { code: '200000' } });
    const body = JSON.stringify({ orderIdsList: ['1'] });
    const del = signRequest(sim.credentials, 'DELETE', '/api/v1/orders/multi-cancel', body, Date.now());
    expect(await call('/api/v1/orders/multi-cancel', del, 'DELETE', body)).toMatchObject({
      status: 200,
      body: { code: '200000', data: [{ orderId: '1', code: '100004' }] },
    });
  });

  it('answers business errors with HTTP 200 and the code, unknown paths with 404000', async () => {
    const body = JSON.stringify({
      clientOid: 'x1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price: '1.05',
      size: 1,
      leverage: 1,
    });
    const headers = signRequest(sim.credentials, 'POST', '/api/v1/orders', body, Date.now());
    expect(await call('/api/v1/orders', headers, 'POST', body)).toMatchObject({
      status: 200,
      body: { code: '100001' },
    });
    expect(await call('/api/v9/nothing', {})).toMatchObject({ status: 404, body: { code: '404000' } });
  });
});

describe('key restrictions', () => {
  it('answers 400006 outside the IP whitelist and 400007 for a read-only key that trades', async () => {
    const walled = await startTestSimulator({ ipWhitelist: ['10.1.2.3'] });
    const readOnly = await startTestSimulator({ keyPermissions: ['General'] });
    try {
      const path = '/api/v1/positions';
      const res = await fetch(`${walled.url}${path}`, {
        headers: signRequest(walled.credentials, 'GET', path, '', Date.now()),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: '400006' });
      const read = await fetch(`${readOnly.url}${path}`, {
        headers: signRequest(readOnly.credentials, 'GET', path, '', Date.now()),
      });
      expect(await read.json()).toMatchObject({ code: '200000' });
      const body = JSON.stringify({
        clientOid: 'ro',
        symbol: 'XBTUSDTM',
        side: 'buy',
        type: 'market',
        size: 1,
        leverage: 1,
      });
      const write = await fetch(`${readOnly.url}/api/v1/orders`, {
        method: 'POST',
        body,
        headers: signRequest(readOnly.credentials, 'POST', '/api/v1/orders', body, Date.now()),
      });
      expect(await write.json()).toMatchObject({ code: '400007' });
      expect(readOnly.engine.orders.size).toBe(0);
    } finally {
      await walled.close();
      await readOnly.close();
    }
  });
});
