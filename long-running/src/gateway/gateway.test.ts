import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '@enigma/core/bus/index';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMemoryBus } from '../bus/index.ts';
import { createLogger } from '../runtime/logger.ts';
import { waitFor } from '../testing/wait-for.ts';
import { type Gateway, type GatewayOptions, startGateway } from './gateway.ts';
import { EventHistory } from './history.ts';

const logger = createLogger({ level: 'silent', pretty: false });
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function harness(overrides: Partial<GatewayOptions> = {}) {
  const bus: Bus = createMemoryBus();
  const gateway: Gateway = await startGateway({
    bus,
    logger,
    authenticate: async (token) => {
      if (token !== 'good') throw new Error('bad token');
      return { subject: 'user:1', role: 'trader' };
    },
    ...overrides,
  });
  const server: Server = createServer((_, res) => res.end());
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  open.push(bus, { close: () => new Promise((r) => server.close(r)) }, gateway);
  return { bus, gateway, url: `ws://127.0.0.1:${port}/ws` };
}

/** A client that records every message it receives. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  // biome-ignore lint/suspicious/noExplicitAny: messages are inspected field by field
  const got: any[] = [];
  ws.on('message', (m) => got.push(JSON.parse(String(m))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  open.push({ close: () => ws.close() });
  await waitFor(() => got.find((m) => m.type === 'hello'), 2000, 'hello');
  return { ws, got };
}

describe('the live gateway', () => {
  it('refuses a missing or bad token before upgrading', async () => {
    const { url } = await harness();
    for (const u of [url, `${url}?token=bad`]) {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(u);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
      expect(status).toBe(401);
    }
  });

  it('pushes bus events and intake stream entries with ids; answers pings; filters by subscription', async () => {
    const { bus, url } = await harness();
    const { ws, got } = await connect(`${url}?token=good`);
    expect(got[0]).toMatchObject({ type: 'hello', role: 'trader', lastEventId: null });
    await bus.publish('events:orders', { type: 'order.updated', id: 'o1' });
    await bus.append('signals:incoming', { signalId: 's1' });
    await waitFor(() => got.find((m) => m.channel === 'events:signals.received'), 3000, 'signal event');
    const order = got.find((m) => m.channel === 'events:orders');
    expect(order).toMatchObject({ type: 'event', data: { type: 'order.updated', id: 'o1' } });
    expect(order.id).toMatch(/^[0-9a-f]{12}\.[12]$/);
    ws.send(JSON.stringify({ type: 'ping', t: 42 }));
    await waitFor(() => got.find((m) => m.type === 'pong' && m.t === 42), 2000, 'pong');
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['events:positions'] }));
    ws.send(JSON.stringify({ type: 'ping', t: 43 }));
    await waitFor(() => got.find((m) => m.type === 'pong' && m.t === 43), 2000, 'pong');
    await bus.publish('events:orders', { type: 'order.updated', id: 'o2' });
    await bus.publish('events:positions', { type: 'position.updated', symbol: 'XBTUSDTM' });
    await waitFor(() => got.find((m) => m.channel === 'events:positions'), 2000, 'position');
    expect(got.filter((m) => m.channel === 'events:orders')).toHaveLength(1);
  });

  it('replays what a reconnecting client missed, and says reset when it cannot', async () => {
    const { bus, url } = await harness({ historySize: 3 });
    const first = await connect(`${url}?token=good`);
    await bus.publish('events:orders', { n: 1 });
    const e1 = await waitFor(() => first.got.find((m) => m.type === 'event'), 2000, 'first event');
    first.ws.close();
    await bus.publish('events:orders', { n: 2 });
    await bus.publish('events:market.tick', { symbol: 'XBTUSDTM', bestBid: '1' });
    await bus.publish('events:fills', { n: 3 });
    const resumed = await connect(`${url}?token=good&lastEventId=${e1.id}`);
    await waitFor(() => resumed.got.filter((m) => m.type === 'event').length >= 2, 2000, 'replay');
    expect(resumed.got.filter((m) => m.type === 'event').map((m) => m.data.n)).toEqual([2, 3]);
    // quotes are not replayed; once more than historySize events passed, the client must reload
    for (let n = 4; n < 9; n++) await bus.publish('events:orders', { n });
    const late = await connect(`${url}?token=good&lastEventId=${e1.id}`);
    await waitFor(() => late.got.find((m) => m.type === 'reset'), 2000, 'reset');
    const other = await connect(`${url}?token=good&lastEventId=abc.1`);
    expect(await waitFor(() => other.got.find((m) => m.type === 'reset'), 2000, 'reset')).toMatchObject({
      reason: 'the gateway restarted',
    });
  });

  it('gives a client that connects fresh (or must reset) the newest account state, without an id', async () => {
    const { bus, url } = await harness();
    const first = await connect(`${url}?token=good`);
    const account = { type: 'account', at: 1, equity: '100012.5', balance: '100000', currency: 'USDT' };
    await bus.publish('events:account', { ...account, equity: '99990' });
    await bus.publish('events:account', account);
    await bus.publish('events:orders', { n: 1 });
    const order = await waitFor(() => first.got.find((m) => m.channel === 'events:orders'), 2000, 'order');
    // a page loaded now gets the newest account at once, not replayable (its id is null)
    const fresh = await connect(`${url}?token=good`);
    const state = await waitFor(() => fresh.got.find((m) => m.channel === 'events:account'), 2000, 'state');
    expect(state).toMatchObject({ type: 'event', id: null, data: account });
    expect(fresh.got.filter((m) => m.type === 'event')).toHaveLength(1);
    // a resuming client already has it (or gets it in the replay): nothing extra
    await bus.publish('events:fills', { n: 2 });
    const resumed = await connect(`${url}?token=good&lastEventId=${order.id}`);
    await waitFor(() => resumed.got.find((m) => m.channel === 'events:fills'), 2000, 'replay');
    expect(resumed.got.filter((m) => m.channel === 'events:account')).toEqual([]);
    // a client that must reset reloads over REST and gets the state again
    const reset = await connect(`${url}?token=good&lastEventId=abc.1`);
    await waitFor(() => reset.got.find((m) => m.channel === 'events:account'), 2000, 'state after reset');
    expect(reset.got.map((m) => m.type)).toEqual(['hello', 'reset', 'event']);
  });

  it('coalesces quotes for a client that does not read, keeping the newest, instead of buffering them all', async () => {
    const { bus, url } = await harness({ softBufferBytes: 16 * 1024, hardBufferBytes: 64 * 1024 * 1024 });
    const { ws, got } = await connect(`${url}?token=good`);
    const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const pad = 'x'.repeat(4096);
    const sent = 4000;
    for (let n = 0; n < sent; n++) await bus.publish('events:market.tick', { symbol: 'XBTUSDTM', n, pad });
    socket.resume();
    await waitFor(
      () => got.some((m) => m.channel === 'events:market.tick' && m.data.n === sent - 1),
      10_000,
      'newest tick',
    );
    const ticks = got.filter((m) => m.channel === 'events:market.tick');
    expect(ticks.length).toBeLessThan(sent);
    expect(ticks.map((m) => m.data.n)).toEqual([...ticks.map((m) => m.data.n)].sort((a, b) => a - b));
  });

  it('closes a socket with 4001 when its token expires', async () => {
    const { url } = await harness({
      authenticate: async () => ({ subject: 'u', role: 'viewer', expiresAt: Date.now() + 150 }),
    });
    const { ws } = await connect(`${url}?token=any`);
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(4001);
  });
});

describe('EventHistory', () => {
  it('answers what was missed while it is still kept, null otherwise', () => {
    const h = new EventHistory(3);
    for (let i = 0; i < 5; i++) h.push('events:x', { i }, i);
    expect(h.lastSeq).toBe(5);
    expect(h.since(2)?.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(h.since(5)).toEqual([]);
    expect(h.since(1)).toBeNull();
    expect(h.since(6)).toBeNull();
  });
});
