import type { AddressInfo } from 'node:net';
import { type DbHandle, migrate, openDatabase } from '@enigma/db';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createMemoryBus } from '../bus/memory.ts';
import { parseCollectorArgs } from '../cli/commands/collector.ts';
import type { KucoinCredential } from '../exchange/kucoin/credential.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { ManualClock } from '../sim/clock.ts';
import { type RunningSimulator, startSimulator } from '../sim/server.ts';
import { waitFor } from '../testing/wait-for.ts';
import type { DivergenceEvent } from './divergence.ts';
import { MARKET_EVENTS } from './events.ts';
import { type CollectorService, startCollectorService } from './service.ts';

const T0 = Date.UTC(2025, 4, 5, 10, 0, 10);

/**
 * A Binance USDⓈ-M combined-stream server on localhost that replays the simulator's trades as
 * `btcusdt@bookTicker` events (one tick either side of the trade price), shifted by `offset` to fake a
 * diverging venue. The wire format is Binance's, so the real feed client and parser are exercised.
 */
function binanceReplayServer(sim: RunningSimulator) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const paths: string[] = [];
  let offset = 1;
  let updateId = 1;
  wss.on('connection', (_ws, req) => paths.push(req.url ?? ''));
  sim.engine.onEvent((e) => {
    if (!e.topic.startsWith('/contractMarket/execution:XBTUSDTM')) return;
    const d = e.data as { price: string; ts: number };
    const mid = Number(d.price) * offset;
    const E = Math.floor(d.ts / 1e6);
    const text = JSON.stringify({
      stream: 'btcusdt@bookTicker',
      data: {
        e: 'bookTicker',
        u: updateId++,
        E,
        T: E,
        s: 'BTCUSDT',
        b: (mid - 0.1).toFixed(2),
        B: '1.000',
        a: (mid + 0.1).toFixed(2),
        A: '2.000',
      },
    });
    for (const c of wss.clients) c.send(text);
  });
  return {
    url: () => `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    paths,
    setOffset: (x: number) => {
      offset = x;
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

let sim: RunningSimulator;
let binance: ReturnType<typeof binanceReplayServer>;
let handle: DbHandle;
let service: CollectorService;
const divergences: DivergenceEvent[] = [];
const accountEvents: Record<string, unknown>[] = [];
let account: KucoinCredential;
const registry = new Registry();

beforeAll(async () => {
  sim = await startSimulator({
    clock: new ManualClock(T0),
    symbols: ['XBTUSDTM'],
    tickMs: 1_000,
    warmupMinutes: 5,
    initialBalance: 10_000,
    logger: pino({ level: 'silent' }),
  });
  binance = binanceReplayServer(sim);
  account = {
    apiKey: sim.credentials.key,
    apiSecret: sim.credentials.secret,
    passphrase: sim.credentials.passphrase,
    keyVersion: '2',
  };
  handle = await openDatabase({ dataDir: 'memory://' });
  await migrate(handle);
  const bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
  await bus.subscribe(MARKET_EVENTS.divergence, (e) => {
    divergences.push(e as unknown as DivergenceEvent);
  });
  await bus.subscribe('events:account.*', (e, channel) => {
    accountEvents.push({ channel, ...e });
  });
  service = await startCollectorService({
    symbols: ['XBTUSDTM'],
    baseUrl: sim.url,
    db: handle.db,
    registry,
    logger: pino({ level: 'silent' }),
    bus,
    reference: { baseUrl: binance.url() },
    account,
    tuning: { staleAfterMs: 60_000, divergenceBps: 50, lookbackMs: 5 * 60_000 },
  });
}, 60_000);

afterAll(async () => {
  await service?.close();
  await binance?.close();
  await sim?.close();
  await handle?.close();
});

async function runMarket(seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    sim.advance(1_000);
    await new Promise((r) => setImmediate(r));
  }
}

describe('collector service with the Binance reference feed (PGlite)', () => {
  it('subscribes to the Binance streams, stays quiet while prices agree and alerts when they diverge', async () => {
    await runMarket(5);
    await waitFor(() => service.collector.isFresh('XBTUSDTM', 'reference'), 10_000, 'reference feed');
    expect(binance.paths[0]).toBe('/stream?streams=btcusdt@markPrice@1s/btcusdt@bookTicker');
    await waitFor(() => service.collector.state.book('XBTUSDTM') !== undefined, 10_000, 'book top');
    await runMarket(3);
    expect(divergences).toEqual([]);

    binance.setOffset(1.02); // Binance now 2 % above KuCoin
    await waitFor(
      async () => {
        await runMarket(1);
        return divergences.length > 0;
      },
      10_000,
      'divergence alert',
    );
    expect(divergences[0]).toMatchObject({ symbol: 'XBTUSDTM', state: 'diverged', thresholdBps: 50 });
    expect(divergences[0]!.bps).toBeLessThan(-150);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/enigma_collector_divergence_alerts_total\{symbol="XBTUSDTM"\} 1/);
    // the KuCoin client's own request metrics are served on the collector's registry too
    expect(metrics).toMatch(/enigma_kucoin_requests_total\{method="GET",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/enigma_kucoin_request_seconds_count\{method="GET"\} [1-9]/);

    binance.setOffset(1);
    await waitFor(
      async () => {
        await runMarket(1);
        return divergences.some((d) => d.state === 'recovered');
      },
      10_000,
      'recovery',
    );
  }, 60_000);

  it("forwards the account's private order events to the bus, parsed", async () => {
    const http = new KucoinHttpClient({ baseUrl: sim.url, credential: account });
    const book = service.collector.orderBook('XBTUSDTM')!;
    const farBelow = book.bestBid()!.price.mul(0.9).toDecimalPlaces(1);
    await http.trade.placeOrder({
      clientOid: 'collector-test-1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'limit',
      price: farBelow,
      size: 1,
      leverage: 5,
    });
    await waitFor(
      async () => {
        await runMarket(1);
        return accountEvents.some((e) => e.channel === 'events:account.order');
      },
      10_000,
      'order event',
    );
    const order = accountEvents.find((e) => e.channel === 'events:account.order')!;
    expect(order).toMatchObject({ clientOid: 'collector-test-1', symbol: 'XBTUSDTM', side: 'buy', size: 1 });
    expect(order.price).toBe(farBelow.toString());
  });

  it('serves /healthz with the reference feed listed', async () => {
    const res = await service.app.request('/healthz');
    const body = (await res.json()) as { feeds: { feed: string; fresh: boolean }[] };
    expect(body.feeds.find((f) => f.feed === 'reference')?.fresh).toBe(true);
  });
});

describe('parseCollectorArgs', () => {
  it('defaults to the embedded simulator and the three contracts, with no reference feed offline', () => {
    expect(parseCollectorArgs({})).toMatchObject({
      source: 'sim',
      symbols: ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'],
      reference: false,
      port: 9464,
    });
  });

  it('goes live with --url and then enables the Binance reference unless told not to', () => {
    expect(parseCollectorArgs({ url: 'https://api-futures.kucoin.com', symbols: 'xbtusdtm' })).toMatchObject({
      source: 'live',
      symbols: ['XBTUSDTM'],
      reference: 'wss://fstream.binance.com',
    });
    expect(parseCollectorArgs({ live: true, 'no-reference': true }).reference).toBe(false);
  });

  it.each([
    [{ symbols: 'XBT-USDTM' }, /--symbols/],
    [{ url: 'ftp://x' }, /--url/],
    [{ 'stale-ms': '0' }, /--stale-ms/],
    [{ 'sim-source': 'mirror' }, /--sim-source/],
  ])('rejects %o', (values, message) => {
    expect(() => parseCollectorArgs(values)).toThrow(message);
  });
});
