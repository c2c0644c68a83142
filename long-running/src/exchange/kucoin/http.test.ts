import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { toMoney } from '@enigma/core/money';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  InsufficientBalanceError,
  KucoinNetworkError,
  OrderOutcomeUnknownError,
  RateLimitError,
} from './errors.ts';
import { KucoinHttpClient, type KucoinHttpOptions } from './http.ts';
import { kucoinMetrics } from './metrics.ts';
import { fixture } from './test-fixtures.ts';

const credential = { apiKey: 'k1', apiSecret: 'secret-1', passphrase: 'pass-1', keyVersion: '2' as const };
type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse, n: number) => void;
interface Seen {
  method: string;
  url: string;
  body: string;
  signed: boolean;
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) await new Promise((r) => s.close(r));
});

/** A protocol-faithful local KuCoin endpoint: it checks KC-API-SIGN the way KuCoin does. */
async function kucoinServer(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const ts = req.headers['kc-api-timestamp'];
      const path = decodeURIComponent(req.url ?? '');
      const expected = createHmac('sha256', credential.apiSecret)
        .update(`${ts}${req.method}${path}${body}`)
        .digest('base64');
      const signed = req.headers['kc-api-sign'] === expected;
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, signed });
      handler(Object.assign(req, { body }), res, seen.length);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

function reply(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(json));
}

function client(url: string, sleeps: number[] = [], options: Partial<KucoinHttpOptions> = {}) {
  return new KucoinHttpClient({
    baseUrl: url,
    credential,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retryBaseMs: 1,
    timeoutMs: 2000,
    ...options,
  });
}

const order = {
  clientOid: 'sig-42-a',
  symbol: 'XBTUSDTM',
  side: 'buy' as const,
  type: 'limit' as const,
  price: toMoney('60000'),
  size: 1,
  leverage: 3,
};
const knownOrder = {
  ...(fixture('http_get_orders_byClientOid') as { data: object }).data,
  clientOid: 'sig-42-a',
};

describe('KuCoin HTTP client against a local KuCoin-protocol server', () => {
  it('resolves a lost order response by clientOid and never sends the order twice', async () => {
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'POST') {
        req.socket.destroy(); // accepted, then the connection drops before the answer
        return;
      }
      reply(res, 200, { code: '200000', data: knownOrder });
    });
    const ack = await client(url).trade.placeOrder(order);
    expect(ack).toEqual({ orderId: '250444645610336256', clientOid: 'sig-42-a' });
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
    expect(seen[1]?.url).toBe('/api/v1/orders/byClientOid?clientOid=sig-42-a');
    expect(seen.every((s) => s.signed)).toBe(true);
  });

  it('counts the resolution and the attempts in its metrics', async () => {
    const { url } = await kucoinServer((req, res) => {
      if (req.method === 'POST') return req.socket.destroy();
      reply(res, 200, { code: '200000', data: knownOrder });
    });
    const registry = new Registry();
    const c = new KucoinHttpClient({
      baseUrl: url,
      credential,
      metrics: kucoinMetrics(registry),
      sleep: async () => {},
    });
    await c.trade.placeOrder(order);
    const text = await registry.metrics();
    expect(text).toContain('enigma_kucoin_order_resolutions_total{result="found"} 1');
    expect(text).toContain('enigma_kucoin_requests_total{method="POST",outcome="network"} 1');
    expect(text).toContain('enigma_kucoin_requests_total{method="GET",outcome="ok"} 1');
  });

  it('retries an order that could not reach KuCoin (connection refused) and reports it as not sent', async () => {
    const { url } = await kucoinServer(() => {});
    await new Promise((r) => server!.close(r)); // nothing listens on that port any more
    server = undefined;
    // the client's own transport: one backoff sleep before each of the 3 retries, growing
    const sleeps: number[] = [];
    const error = await client(url, sleeps, { retryBaseMs: 10 })
      .trade.placeOrder(order)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KucoinNetworkError);
    expect((error as KucoinNetworkError).sent).toBe(false);
    expect(sleeps).toHaveLength(3);
    expect(sleeps[0]!).toBeLessThan(sleeps[2]!);
    // through an injected fetch the attempts themselves can be counted: 1 + maxRetries
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const again = await client(url, [], { fetch: counting, maxRetries: 2 })
      .trade.placeOrder(order)
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KucoinNetworkError);
    expect((again as KucoinNetworkError).sent).toBe(false);
    expect(attempts).toBe(3);
  });

  it('resolves a lost batch response order by order, without re-sending the batch', async () => {
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'POST') return req.socket.destroy();
      const clientOid = new URL(req.url ?? '', 'http://x').searchParams.get('clientOid');
      reply(res, 200, { code: '200000', data: { ...knownOrder, id: `id-${clientOid}`, clientOid } });
    });
    const acks = await client(url).trade.placeOrders([order, { ...order, clientOid: 'sig-42-b' }]);
    expect(acks.map((a) => [a.orderId, a.clientOid, a.code])).toEqual([
      ['id-sig-42-a', 'sig-42-a', '200000'],
      ['id-sig-42-b', 'sig-42-b', '200000'],
    ]);
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });

  it('resolves a 5xx answer to an order the same way', async () => {
    const { url, seen } = await kucoinServer((req, res, n) => {
      if (req.method === 'POST') return reply(res, 502, { code: '500000', msg: 'bad gateway' });
      // first lookup: not recorded yet; second: found
      reply(res, 200, { code: '200000', data: n === 2 ? null : knownOrder });
    });
    const ack = await client(url).trade.placeOrder(order);
    expect(ack.orderId).toBe('250444645610336256');
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'GET']);
  });

  it('reports an unknown outcome when the order cannot be found, still without re-sending', async () => {
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'POST') return req.socket.destroy();
      reply(res, 200, { code: '200000', data: null });
    });
    await expect(client(url).trade.placeOrder(order)).rejects.toBeInstanceOf(OrderOutcomeUnknownError);
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);
  });

  it('retries a GET on 5xx and on a dropped connection', async () => {
    const { url, seen } = await kucoinServer((req, res, n) => {
      if (n === 1) return reply(res, 503, { code: '500000', msg: 'busy' });
      if (n === 2) return req.socket.destroy();
      reply(res, 200, fixture('http_get_ticker'));
    });
    const t = await client(url).market.ticker('XBTUSDM');
    expect(t.bestBid.toFixed()).toBe('67169.6');
    expect(seen).toHaveLength(3);
  });

  it('does not retry a cancel on a dropped connection', async () => {
    const { url, seen } = await kucoinServer((req) => req.socket.destroy());
    await expect(client(url).trade.cancelOrder('1')).rejects.toBeInstanceOf(KucoinNetworkError);
    expect(seen).toHaveLength(1);
  });

  it('maps a business error answered with HTTP 200 to its typed error, once', async () => {
    const { url, seen } = await kucoinServer((_req, res) =>
      reply(res, 200, { code: '300003', msg: 'Balance insufficient. The order would cost 501.5.' }),
    );
    await expect(client(url).trade.placeOrder(order)).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(seen).toHaveLength(1);
  });

  it('waits for the reported reset after a 429 and then retries', async () => {
    const sleeps: number[] = [];
    const { url, seen } = await kucoinServer((_req, res, n) => {
      if (n === 1)
        return reply(
          res,
          429,
          { code: '429000', msg: 'Too Many Requests' },
          {
            'gw-ratelimit-limit': '2000',
            'gw-ratelimit-remaining': '0',
            'gw-ratelimit-reset': '30000',
          },
        );
      reply(res, 200, { code: '200000', data: 1729260030774 });
    });
    const now = 1_000_000;
    const c = new KucoinHttpClient({
      baseUrl: url,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(await c.market.serverTime()).toBe(1729260030774);
    expect(seen).toHaveLength(2);
    expect(sleeps[0]).toBe(30000);
  });

  it('gives up with RateLimitError when the limit persists', async () => {
    const { url } = await kucoinServer((_req, res) =>
      reply(res, 429, { code: '429000', msg: 'Too Many Requests' }),
    );
    await expect(client(url).market.serverTime()).rejects.toBeInstanceOf(RateLimitError);
  });

  it('waits before spending weight from a pool the headers report as empty', async () => {
    const sleeps: number[] = [];
    const { url } = await kucoinServer((_req, res) =>
      reply(res, 200, fixture('http_get_timestamp'), {
        'gw-ratelimit-limit': '2000',
        'gw-ratelimit-remaining': '1',
        'gw-ratelimit-reset': '1500',
      }),
    );
    const c = new KucoinHttpClient({
      baseUrl: url,
      clock: () => 5,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await c.market.serverTime();
    expect(c.limiter.state('public')).toMatchObject({ limit: 2000, remaining: 1, resetAt: 1505 });
    await c.market.serverTime(); // weight 2 > remaining 1
    expect(sleeps).toEqual([1500]);
  });

  it('sends no order past its send window: not while the rate limit would hold it longer, nor as a retry after a 429', async () => {
    const limited = {
      'gw-ratelimit-limit': '2000',
      'gw-ratelimit-remaining': '0',
      'gw-ratelimit-reset': '5000',
    };
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'GET') return reply(res, 200, fixture('http_get_account_overview'), limited);
      reply(res, 429, { code: '429000', msg: 'Too Many Requests' }, limited);
    });
    let now = 1_000_000;
    const sleeps: number[] = [];
    const c = new KucoinHttpClient({
      baseUrl: url,
      credential,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      retryBaseMs: 1,
    });
    // the pool is empty for 5 s: an order that must be on the wire within 4 s is not sent at all
    await c.account.overview();
    const held = await c.trade.placeOrder(order, { sendWithinMs: 4_000 }).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(KucoinNetworkError);
    expect((held as KucoinNetworkError).sent).toBe(false);
    expect((held as Error).message).toMatch(
      /send window \(4000 ms\) would pass while the rate limit holds it 5000 ms/,
    );
    expect((held as KucoinNetworkError).holdMs).toBe(5_000);
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(sleeps).toEqual([]);
    // within 6 s it waits the 5 s and goes out; refused unprocessed (429), its retry would be past 6 s
    const retried = await c.trade.placeOrder(order, { sendWithinMs: 6_000 }).catch((e: unknown) => e);
    expect(retried).toBeInstanceOf(KucoinNetworkError);
    expect((retried as KucoinNetworkError).sent).toBe(false);
    expect((retried as Error).message).toMatch(/after 1 attempt refused unprocessed/);
    expect(seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    // with no window the same order waits as long as the limit says, and is refused only as rate-limited
    await expect(c.trade.placeOrder(order)).rejects.toBeInstanceOf(RateLimitError);
    expect(seen.filter((r) => r.method === 'POST').length).toBeGreaterThan(2);
  });

  it('re-syncs the clock and retries once on 400002 (timestamp out of window)', async () => {
    let serverNow = 0;
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.url === '/api/v1/timestamp') return reply(res, 200, { code: '200000', data: serverNow });
      const skew = Math.abs(Number(req.headers['kc-api-timestamp']) - serverNow);
      if (skew > 5000) return reply(res, 400, { code: '400002', msg: 'KC-API-TIMESTAMP Invalid' });
      reply(res, 200, fixture('http_get_account_overview'));
    });
    serverNow = Date.now() + 60_000; // the exchange clock is a minute ahead of ours
    const c = client(url);
    const overview = await c.account.overview();
    expect(overview.currency).toBe('USDT');
    expect(seen.map((s) => s.url)).toEqual([
      '/api/v1/account-overview?currency=USDT',
      '/api/v1/timestamp',
      '/api/v1/account-overview?currency=USDT',
    ]);
    expect(Math.abs(c.timeOffsetMs - 60_000)).toBeLessThan(5000);
  });
});

describe('KuCoin HTTP transport (undici keep-alive Agent, per-attempt deadline)', () => {
  it('resolves an order whose answer never comes within the deadline by clientOid, sending it once', async () => {
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'POST') return; // accepted, never answered
      reply(res, 200, { code: '200000', data: knownOrder });
    });
    const c = client(url, [], { timeoutMs: 200 });
    const ack = await c.trade.placeOrder(order);
    expect(ack.orderId).toBe('250444645610336256');
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    // undici's pool may have dialled a spare connection after the abort: close() releases it.
    await c.close();
  });

  it('applies the deadline to the body too: a GET whose body stalls is abandoned and retried', async () => {
    const { url, seen } = await kucoinServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"code":"200000",'); // headers and half a body, then nothing
        return;
      }
      reply(res, 200, fixture('http_get_ticker'));
    });
    const t = await client(url, [], { timeoutMs: 200 }).market.ticker('XBTUSDM');
    expect(t.bestBid.toFixed()).toBe('67169.6');
    expect(seen).toHaveLength(2);
  });

  it('keeps connections alive across consecutive requests instead of dialling one each', async () => {
    const ports = new Set<number>();
    const { url } = await kucoinServer((req, res) => {
      ports.add(req.socket.remotePort ?? -1);
      reply(res, 200, fixture('http_get_timestamp'));
    });
    const c = client(url);
    for (let i = 0; i < 10; i++) await c.market.serverTime();
    // undici's pool may alternate between two sockets; without keep-alive there would be ten.
    expect(ports.size).toBeLessThan(5);
    await c.close();
  });

  it('asks for compression and decodes a gzip answer, as fetch did', async () => {
    const encodings: (string | undefined)[] = [];
    const { url } = await kucoinServer((req, res) => {
      encodings.push(req.headers['accept-encoding']);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'gw-ratelimit-limit': '2000',
        'gw-ratelimit-remaining': '1990',
        'gw-ratelimit-reset': '29000',
      });
      res.end(gzipSync(JSON.stringify(fixture('http_get_ticker'))));
    });
    const c = client(url);
    const t = await c.market.ticker('XBTUSDM');
    expect(t.bestBid.toFixed()).toBe('67169.6');
    expect(encodings[0]).toContain('gzip');
    expect(c.limiter.state('public')).toMatchObject({ limit: 2000, remaining: 1990 });
  });

  it('after close(), rejects every call without sending it, and the server can shut down', async () => {
    const { url, seen } = await kucoinServer((_req, res) => reply(res, 200, fixture('http_get_timestamp')));
    const c = client(url);
    await c.market.serverTime();
    await c.close();
    await c.close(); // idempotent
    await expect(c.trade.placeOrder(order)).rejects.toThrow(/closed/);
    expect(seen).toHaveLength(1);
    // The kept-alive socket is gone, so close() on the server settles without closeAllConnections().
    const s = server!;
    server = undefined;
    await new Promise((r) => s.close(r));
  });

  it('keeps the same semantics through an injected fetch: lost answer resolved, refusal reported unsent', async () => {
    const { url, seen } = await kucoinServer((req, res) => {
      if (req.method === 'POST') return req.socket.destroy();
      reply(res, 200, { code: '200000', data: knownOrder });
    });
    const ack = await client(url, [], { fetch: globalThis.fetch }).trade.placeOrder(order);
    expect(ack.orderId).toBe('250444645610336256');
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(1);

    const s = server!;
    server = undefined;
    await new Promise((r) => s.close(r));
    const error = await client(url, [], { fetch: globalThis.fetch })
      .trade.placeOrder(order)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KucoinNetworkError);
    expect((error as KucoinNetworkError).sent).toBe(false);
  });
});
