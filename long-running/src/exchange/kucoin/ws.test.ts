import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '../../testing/wait-for.ts';
import { KucoinHttpClient } from './http.ts';
import { fixture } from './test-fixtures.ts';
import { KucoinWs } from './ws.ts';
import { subscribe, subscribeBook } from './ws-topics.ts';

/**
 * A local server speaking KuCoin's WS protocol exactly (bullet-public over HTTP, then welcome, ack,
 * pong, per-symbol pushes), with switches to go silent or close, to exercise the client's recovery.
 */
async function kucoinWsServer(pingInterval = 200) {
  const tokens: string[] = [];
  const conns: { socket: WebSocket; token: string; topics: string[]; pings: number; silent: boolean }[] = [];
  let snapshotSeq = 0;
  let snapshots = 0;
  const http: Server = createServer((req, res) => {
    if (req.url === '/api/v1/bullet-public' && req.method === 'POST') {
      const token = `tok-${tokens.length + 1}`;
      tokens.push(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          code: '200000',
          data: {
            token,
            instanceServers: [
              {
                endpoint: `ws://127.0.0.1:${port}/endpoint`,
                encrypt: false,
                protocol: 'websocket',
                pingInterval,
                pingTimeout: 100,
              },
            ],
          },
        }),
      );
      return;
    }
    if (req.url?.startsWith('/api/v1/level2/snapshot')) {
      snapshots++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          code: '200000',
          data: {
            sequence: snapshotSeq,
            symbol: 'XBTUSDTM',
            bids: [['100.0', 5]],
            asks: [['100.5', 5]],
            ts: 1,
          },
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, path: '/endpoint' });
  wss.on('connection', (socket, req) => {
    const q = new URL(req.url ?? '', 'ws://x').searchParams;
    const token = q.get('token') ?? '';
    if (token !== tokens.at(-1)) {
      socket.send(
        JSON.stringify({ id: q.get('connectId'), type: 'error', code: 401, data: 'token is invalid' }),
      );
      socket.close();
      return;
    }
    const conn = { socket, token, topics: [] as string[], pings: 0, silent: false };
    conns.push(conn);
    socket.send(JSON.stringify({ id: q.get('connectId'), type: 'welcome' }));
    socket.on('message', (raw) => {
      if (conn.silent) return;
      const m = JSON.parse(raw.toString());
      if (m.type === 'ping') {
        conn.pings++;
        socket.send(JSON.stringify({ id: m.id, type: 'pong' }));
      } else if (m.type === 'subscribe') {
        if (m.topic.startsWith('/bad')) {
          socket.send(JSON.stringify({ id: m.id, type: 'error', code: 404, data: 'topic does not exist' }));
          return;
        }
        conn.topics.push(m.topic);
        if (m.response) socket.send(JSON.stringify({ id: String(m.id), type: 'ack' }));
      } else if (m.type === 'unsubscribe') {
        conn.topics = conn.topics.filter((t) => t !== m.topic);
        if (m.response) socket.send(JSON.stringify({ id: String(m.id), type: 'ack' }));
      }
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    conns,
    get snapshots() {
      return snapshots;
    },
    setSnapshotSequence: (s: number) => {
      snapshotSeq = s;
    },
    /** Push to the live connection, on the per-symbol topic as KuCoin does. */
    push(topic: string, subject: string, data: unknown) {
      const c = conns.at(-1)!;
      const prefix = topic.slice(0, topic.indexOf(':') + 1);
      const subscribed = c.topics.some(
        (t) =>
          t === topic ||
          (t.startsWith(prefix) && t.slice(prefix.length).split(',').includes(topic.slice(prefix.length))),
      );
      if (subscribed && !c.silent) c.socket.send(JSON.stringify({ type: 'message', topic, subject, data }));
    },
    close: async () => {
      for (const c of conns) c.socket.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

// Real timers: a ping window must be wide enough that a loaded machine (an event-loop stall of a few
// hundred ms) does not look like a silent socket; reconnect counts are asserted as "at least" where a
// second spurious reconnect would not change what the test is about.
async function setup(pingInterval = 1_000) {
  const server = await kucoinWsServer(pingInterval);
  const http = new KucoinHttpClient({ baseUrl: server.url });
  const ws = new KucoinWs({
    getToken: () => http.market.publicToken(),
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
  });
  cleanup.push(server.close, () => ws.close());
  await ws.start();
  return { server, http, ws };
}

const tickerV2 = (fixture('ws_tickerV2') as { data: Record<string, unknown> }).data;

describe('KuCoin WebSocket client against a local KuCoin-protocol server', () => {
  it('connects after welcome, gets subscriptions acked and routes per-symbol pushes', async () => {
    const { server, ws } = await setup();
    const got: string[] = [];
    await ws.subscribe('/contractMarket/tickerV2:XBTUSDTM,ETHUSDTM', (m) => got.push(m.topic));
    expect(server.conns[0]!.topics).toEqual(['/contractMarket/tickerV2:XBTUSDTM,ETHUSDTM']);
    server.push('/contractMarket/tickerV2:ETHUSDTM', 'tickerV2', tickerV2);
    server.push('/contractMarket/tickerV2:XBTUSDTM', 'tickerV2', tickerV2);
    await waitFor(() => got.length === 2, 20_000, 'two pushes');
    expect(got).toEqual(['/contractMarket/tickerV2:ETHUSDTM', '/contractMarket/tickerV2:XBTUSDTM']);
  });

  it("gives the all-symbols order topic's handlers a push whose topic names its symbol (KuCoin's example)", async () => {
    const { server, ws } = await setup();
    const got: string[] = [];
    await subscribe.orders(ws, (o) => got.push(o.symbol));
    expect(server.conns[0]!.topics).toEqual(['/contractMarket/tradeOrders']);
    // the spec's recorded frame as it is (`symbolOrderChange` on `/contractMarket/tradeOrders:XBTUSDTM`)
    const frame = fixture('ws_private_tradeOrders') as { data: Record<string, unknown> };
    server.conns.at(-1)!.socket.send(JSON.stringify(frame));
    // and on the plain topic
    server.push('/contractMarket/tradeOrders', 'orderChange', { ...frame.data, symbol: 'ETHUSDTM' });
    await waitFor(() => got.length === 2, 20_000, 'two order pushes');
    expect(got).toEqual(['XBTUSDTM', 'ETHUSDTM']);
  });

  it('pings at the server-given interval and gets pongs', async () => {
    const { server, ws } = await setup(400);
    await waitFor(() => server.conns[0]!.pings >= 3, 20_000, 'three pings');
    // answered pings keep the watchdog quiet (an 800 ms silence window: a stall shorter than that is fine)
    expect(ws.connections).toBe(1);
    expect(server.conns).toHaveLength(1);
  });

  it('declares a silent socket dead within 2 × pingInterval (manual clock and timers)', async () => {
    const pingInterval = 1000;
    const server = await kucoinWsServer(pingInterval);
    cleanup.push(server.close);
    let now = 0;
    const intervals: { fn: () => void; ms: number }[] = [];
    const timers = {
      setTimeout: () => 0,
      clearTimeout: () => {},
      setInterval: (fn: () => void, ms: number) => intervals.push({ fn, ms }),
      clearInterval: () => {},
    };
    const http = new KucoinHttpClient({ baseUrl: server.url });
    const ws = new KucoinWs({ getToken: () => http.market.publicToken(), clock: () => now, timers });
    cleanup.push(() => ws.close());
    let detectedAt: number | undefined;
    ws.on('disconnected', () => {
      detectedAt ??= now;
    });
    await ws.start();
    server.conns[0]!.silent = true;
    const watchdog = intervals.find((i) => i.ms < pingInterval)!;
    for (let step = 0; step < 16 && detectedAt === undefined; step++) {
      now += watchdog.ms;
      watchdog.fn();
    }
    expect(detectedAt).toBeDefined();
    expect(detectedAt!).toBeGreaterThan(pingInterval);
    expect(detectedAt!).toBeLessThanOrEqual(2 * pingInterval);
  });

  it('parses typed pushes and reports a bad payload without dropping the connection', async () => {
    const { server, ws } = await setup();
    const bids: string[] = [];
    const errors: unknown[] = [];
    ws.on('handlerError', (e) => errors.push(e));
    await subscribe.tickerV2(ws, 'XBTUSDTM', (t) => bids.push(t.bestBid.toFixed()));
    server.push('/contractMarket/tickerV2:XBTUSDTM', 'tickerV2', { ...tickerV2, bestBidSize: -1 });
    server.push('/contractMarket/tickerV2:XBTUSDTM', 'tickerV2', tickerV2);
    await waitFor(() => bids.length === 1, 20_000, 'a parsed ticker');
    expect(bids).toEqual(['88987.4']);
    expect(errors).toHaveLength(1);
    expect(ws.isConnected).toBe(true);
  });

  it('rejects a subscription the server answers with an error frame', async () => {
    const { server, ws } = await setup();
    await expect(ws.subscribe('/bad/topic:X', () => {})).rejects.toThrow(/topic does not exist/);
    // the refused topic is forgotten: a reconnect restores only the good ones
    await ws.subscribe('/contractMarket/tickerV2:XBTUSDTM', () => {});
    server.conns[0]!.socket.close();
    await waitFor(() => ws.connections >= 2 && ws.isConnected, 20_000, 'reconnect');
    expect(server.conns.at(-1)!.topics).toEqual(['/contractMarket/tickerV2:XBTUSDTM']);
  });

  it('detects a silent socket, reconnects with a fresh token and resubscribes', async () => {
    const { server, ws } = await setup(300);
    const got: unknown[] = [];
    await ws.subscribe('/contractMarket/tickerV2:XBTUSDTM', (m) => got.push(m.data));
    server.conns[0]!.silent = true; // open, but nothing comes back: no pong, no data
    await waitFor(() => ws.connections >= 2 && ws.isConnected, 20_000, 'a reconnect after silence');
    expect(server.conns[1]!.token).toBe('tok-2');
    expect(server.conns[1]!.topics).toEqual(['/contractMarket/tickerV2:XBTUSDTM']);
    server.push('/contractMarket/tickerV2:XBTUSDTM', 'tickerV2', tickerV2);
    await waitFor(() => got.length === 1, 20_000, 'a push on the new connection');
  });

  it('reconnects and resubscribes after the server closes the connection', async () => {
    const { server, ws } = await setup();
    const events: string[] = [];
    ws.on('disconnected', () => events.push('disconnected'));
    ws.on('reconnected', () => events.push('reconnected'));
    await ws.subscribe('/contract/instrument:XBTUSDTM', () => {});
    server.conns[0]!.socket.close();
    await waitFor(() => events.includes('reconnected'), 20_000, 'reconnected');
    expect(events).toEqual(['disconnected', 'reconnected']);
    expect(server.conns[1]!.topics).toEqual(['/contract/instrument:XBTUSDTM']);
  });

  it('keeps a level-2 book in sync and rebuilds it after a reconnect', async () => {
    const { server, http, ws } = await setup();
    server.setSnapshotSequence(10);
    const sync = await subscribeBook(ws, {
      symbol: 'XBTUSDTM',
      priceDecimals: 1,
      fetchSnapshot: () => http.market.orderBook('XBTUSDTM'),
    });
    const delta = (sequence: number, change: string) =>
      server.push('/contractMarket/level2:XBTUSDTM', 'level2', { sequence, change, timestamp: 1 });
    delta(10, '100.0,buy,9');
    delta(11, '100.1,buy,2');
    await waitFor(() => sync.synced && sync.book.sequence === 11, 20_000, 'book synced to 11');
    expect(sync.book.bestBid()?.price.toFixed()).toBe('100.1');
    expect(sync.book.depth(5).bids.map((l) => l.size)).toEqual([2, 5]);

    server.setSnapshotSequence(40);
    server.conns[0]!.socket.close();
    await waitFor(() => ws.connections >= 2 && ws.isConnected, 20_000, 'reconnect');
    expect(sync.synced).toBe(false);
    delta(41, '100.2,buy,1');
    await waitFor(() => sync.synced && sync.book.sequence === 41, 20_000, 'book rebuilt at 41');
    expect(server.snapshots).toBe(2);
    expect(sync.book.depth(5).bids.map((l) => l.price.toFixed())).toEqual(['100.2', '100']);
  });
});
