import { toMoney } from '@enigma/core/money';
import ccxt from 'ccxt';
import pino from 'pino';
import { Registry } from 'prom-client';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { KucoinHttpClient } from '../src/exchange/kucoin/http.ts';
import { kucoinMetrics } from '../src/exchange/kucoin/metrics.ts';
import { ManualClock } from '../src/sim/clock.ts';
import { type RunningSimulator, startSimulator } from '../src/sim/server.ts';

/**
 * Signed order round trips over loopback: a post-only limit buy far below the market is placed, rests,
 * and is cancelled, sequentially, through our KuCoin client and through CCXT's kucoinfutures against the
 * same in-process simulator. Rounds alternate between the two clients (and which goes first), so a
 * loaded machine slows both alike. Client-side throttles are off on both sides (CCXT
 * `enableRateLimit: false`, our limiter's waits skipped through a no-op `sleep`): the simulator reports
 * KuCoin's 2000-weight / 30 s quota, and honouring it would measure the quota, not the client.
 */

const SYMBOL = 'XBTUSDTM';
const CCXT_SYMBOL = 'BTC/USDT:USDT';
const WARMUP_MS = 2_000;
// Short alternating rounds: a load spike from another process lands on both clients.
const ROUNDS = 20;
const ROUND_MS = 750;

/** One client's two halves of a round trip. */
interface Client {
  place(): Promise<string>;
  cancel(orderId: string): Promise<void>;
  close?: () => Promise<void>;
}

interface Samples {
  roundTrips: number;
  ms: number;
  /** Place + cancel, ms, one per round trip. */
  latencies: number[];
  /** Place alone, ms. */
  placeLatencies: number[];
  /** Round trips per second of each round, in order. */
  roundRates: number[];
}

function emptySamples(): Samples {
  return { roundTrips: 0, ms: 0, latencies: [], placeLatencies: [], roundRates: [] };
}

/** Nearest-rank percentile of unsorted values. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Run `place` then `cancel` back to back for `durationMs`, adding every latency to `into`. */
async function round({ place, cancel }: Client, durationMs: number, into: Samples): Promise<void> {
  const start = performance.now();
  let n = 0;
  let now = start;
  while (now - start < durationMs) {
    const t0 = performance.now();
    const orderId = await place();
    const t1 = performance.now();
    await cancel(orderId);
    now = performance.now();
    into.placeLatencies.push(t1 - t0);
    into.latencies.push(now - t0);
    n += 1;
  }
  const ms = now - start;
  into.roundTrips += n;
  into.ms += ms;
  into.roundRates.push((n * 1000) / ms);
}

function ourClient(sim: RunningSimulator, price: string): Client {
  const http = new KucoinHttpClient({
    baseUrl: sim.url,
    credential: {
      apiKey: sim.credentials.key,
      apiSecret: sim.credentials.secret,
      passphrase: sim.credentials.passphrase,
      keyVersion: '2',
    },
    metrics: kucoinMetrics(new Registry()),
    sleep: async () => {},
  });
  const limit = toMoney(price);
  let n = 0;
  return {
    place: async () => {
      const ack = await http.trade.placeOrder({
        clientOid: `rt-ours-${n++}`,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        price: limit,
        size: 1,
        leverage: 5,
        postOnly: true,
      });
      return ack.orderId;
    },
    // A cancel of an order that did not rest would throw OrderNotFoundError and end the suite.
    cancel: async (orderId) => {
      await http.trade.cancelOrder(orderId);
    },
    close: () => http.close(),
  };
}

async function ccxtClient(sim: RunningSimulator, price: string): Promise<Client> {
  const ex = new ccxt.kucoinfutures({
    apiKey: sim.credentials.key,
    secret: sim.credentials.secret,
    password: sim.credentials.passphrase,
    enableRateLimit: false,
  });
  // Every REST family on the simulator, as in src/sim/ccxt.test.ts (no WebSocket here).
  const api = ex.urls['api'] as Record<string, string | Record<string, string>>;
  for (const [key, value] of Object.entries(api)) if (typeof value === 'string') api[key] = sim.url;
  await ex.loadMarkets();
  const limit = Number(price);
  let n = 0;
  return {
    place: async () => {
      const order = await ex.createOrder(CCXT_SYMBOL, 'limit', 'buy', 1, limit, {
        clientOid: `rt-ccxt-${n++}`,
        leverage: 5,
        postOnly: true,
      });
      if (order.id === undefined) throw new Error('CCXT returned an order without an id');
      return order.id;
    },
    cancel: async (orderId) => {
      await ex.cancelOrder(orderId, CCXT_SYMBOL);
    },
  };
}

const suite: BenchSuite = {
  name: 'order-roundtrip',
  async run(progress) {
    // A manual market clock: no market steps compete with the clients for the CPU.
    const sim = await startSimulator({
      clock: new ManualClock(Date.now()),
      initialBalance: 1e9,
      warmupMinutes: 10,
      logger: pino({ level: 'silent' }),
    });
    const openClients: { ours?: Client } = {};
    try {
      const market = sim.engine.market(SYMBOL);
      const price = market.mark.mul(0.5).toDecimalPlaces(market.spec.tickSize.decimalPlaces()).toFixed();
      const clients: Record<'ours' | 'ccxt', Client> = {
        ours: ourClient(sim, price),
        ccxt: await ccxtClient(sim, price),
      };
      openClients.ours = clients.ours;
      const samples = { ours: emptySamples(), ccxt: emptySamples() };

      progress(`warm-up: ${WARMUP_MS} ms each, buying at ${price}`);
      for (const name of ['ours', 'ccxt'] as const) await round(clients[name], WARMUP_MS, emptySamples());

      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? (['ours', 'ccxt'] as const) : (['ccxt', 'ours'] as const);
        for (const name of order) await round(clients[name], ROUND_MS, samples[name]);
        progress(
          `round ${r + 1}/${ROUNDS}: ours ${samples.ours.roundRates.at(-1)?.toFixed(0)}/s, ccxt ${samples.ccxt.roundRates.at(-1)?.toFixed(0)}/s`,
        );
      }

      const rate = (s: Samples) => (s.roundTrips * 1000) / s.ms;
      const roundRatios = samples.ours.roundRates.map(
        (x, i) => x / (samples.ccxt.roundRates[i] ?? Number.NaN),
      );
      const peerName = `CCXT ${ccxt.version} kucoinfutures`;
      const results: BenchResult[] = [
        {
          name: 'signed post-only limit place + cancel over loopback (sequential)',
          unit: 'orders/s',
          value: rate(samples.ours),
          higherIsBetter: true,
          peer: { name: peerName, value: rate(samples.ccxt) },
          ratio: ratioOf(rate(samples.ours), rate(samples.ccxt), true),
          extra: {
            rounds: ROUNDS,
            roundMs: ROUND_MS,
            roundTripsOurs: samples.ours.roundTrips,
            roundTripsCcxt: samples.ccxt.roundTrips,
            roundRatioMedian: percentile(roundRatios, 50),
            roundRatioMin: Math.min(...roundRatios),
            roundRatioMax: Math.max(...roundRatios),
          },
        },
      ];
      for (const p of [50, 99]) {
        const ours = percentile(samples.ours.latencies, p);
        const peer = percentile(samples.ccxt.latencies, p);
        results.push({
          name: `place + cancel round-trip latency p${p}`,
          unit: `ms p${p}`,
          value: ours,
          higherIsBetter: false,
          peer: { name: peerName, value: peer },
          ratio: ratioOf(ours, peer, false),
          extra: {
            placeOnlyOurs: percentile(samples.ours.placeLatencies, p),
            placeOnlyCcxt: percentile(samples.ccxt.placeLatencies, p),
          },
        });
      }
      return results;
    } finally {
      await openClients.ours?.close?.();
      await sim.close();
    }
  },
};

export default suite;
