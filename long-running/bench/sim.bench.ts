import pino from 'pino';
import { type BenchResult, type BenchSuite, ratioOf } from '../../bench/types.ts';
import { ManualClock } from '../src/sim/clock.ts';
import { SimEngine } from '../src/sim/engine.ts';
import { signRequest } from '../src/sim/http/auth.ts';
import { syntheticSource } from '../src/sim/market/synthetic.ts';
import { startSimulator } from '../src/sim/server.ts';
import { installRenderers } from '../src/sim/views.ts';

/**
 * The simulator's speed: market steps per second (3 contracts, 20 resting orders, every topic watched)
 * against the bare synthetic source it is driven by, and a signed order placement over HTTP against an
 * unsigned GET /api/v1/timestamp on the same server (the HTTP floor).
 */

const SYMBOLS = ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'];
const STEP_MS = 250;
/** Resting orders per contract in the price-time-priority figure (KuCoin's cap is 100). */
const RESTING = 50;

function perSecond(iterations: number, ms: number): number {
  return (iterations * 1000) / ms;
}

function timeLoop(durationMs: number, body: () => void): { n: number; ms: number } {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durationMs) {
    body();
    n += 1;
  }
  return { n, ms: performance.now() - start };
}

const suite: BenchSuite = {
  name: 'sim',
  async run(progress) {
    const results: BenchResult[] = [];

    progress('engine steps vs bare source samples');
    const t0 = Date.UTC(2025, 0, 1);
    const clock = new ManualClock(t0);
    const engine = new SimEngine({
      clock,
      source: syntheticSource({ seed: 1 }),
      seed: 1,
      initialBalance: 1e6,
      warmupMinutes: 30,
    });
    installRenderers(engine);
    let events = 0;
    engine.onEvent(() => {
      events += 1;
    });
    for (const [i, symbol] of SYMBOLS.entries()) {
      const mark = engine.market(symbol).mark;
      for (let k = 0; k < 7; k++) {
        const price = mark
          .mul(0.9 - k * 0.01)
          .toDecimalPlaces(engine.market(symbol).spec.tickSize.decimalPlaces());
        engine.placeOrder({
          clientOid: `b${i}-${k}`,
          symbol,
          side: 'buy',
          price: price.toString(),
          size: 1,
          leverage: 5,
        });
      }
    }
    const steps = timeLoop(3000, () => {
      clock.advance(STEP_MS);
      engine.step();
    });
    const source = syntheticSource({ seed: 1 });
    let st = t0;
    const samples = timeLoop(3000, () => {
      st += STEP_MS;
      for (const s of SYMBOLS) source.sample(s, st);
    });
    const stepRate = perSecond(steps.n, steps.ms);
    const sampleRate = perSecond(samples.n, samples.ms);
    results.push({
      name: 'market step, 3 contracts (book diff, tape, stops, margin, pushes)',
      unit: 'steps/s',
      value: stepRate,
      higherIsBetter: true,
      peer: { name: 'synthetic source sample of 3 contracts', value: sampleRate },
      ratio: stepRate / sampleRate,
      goal: '>= 40 steps/s (10x real time at 250 ms steps)',
      goalMet: stepRate >= 40,
      extra: { eventsPerStep: Math.round(events / steps.n) },
    });

    progress('price-time priority: step cost per resting order, queue accounting on vs off');
    const perOrder = (queuePriority: boolean) => {
      const cost = (orders: number) => {
        const c = new ManualClock(t0);
        const e = new SimEngine({
          clock: c,
          source: syntheticSource({ seed: 2 }),
          seed: 2,
          initialBalance: 1e9,
          warmupMinutes: 5,
          behaviour: { queuePriority },
        });
        installRenderers(e);
        // Resting buys on the touch and the ticks below it, large enough to outlast the run: every step's
        // tape walks them (and, with priority, their queues).
        for (const symbol of SYMBOLS) {
          const m = e.market(symbol);
          // The highest risk level that still admits 5x: room for the large orders below.
          const tier = [...m.spec.riskLimits].reverse().find((t) => t.maxLeverage >= 5)!;
          e.setRiskLimitLevel(symbol, tier.level);
          for (let k = 0; k < orders; k++) {
            const tick = m.bestBid()!.tick - (k % 10);
            e.placeOrder({
              clientOid: `q${symbol}-${k}`,
              symbol,
              side: 'buy',
              price: m.tickToPrice(tick).toString(),
              size: 50_000,
              leverage: 5,
            });
          }
        }
        c.advance(STEP_MS);
        e.step(); // async matching: the accepted orders enter the book on this step
        let resting = 0;
        const run = timeLoop(2000, () => {
          c.advance(STEP_MS);
          e.step();
          resting += e.openOrders.size;
        });
        // Orders the market fills leave the book: divide by the average number actually resting.
        return { msPerStep: run.ms / run.n, resting: resting / run.n };
      };
      const base = cost(0);
      const loaded = cost(RESTING);
      return {
        // µs per resting order per step
        value: ((loaded.msPerStep - base.msPerStep) * 1000) / Math.max(loaded.resting, 1),
        resting: Math.round(loaded.resting),
      };
    };
    const priority = perOrder(true);
    const noPriority = perOrder(false);
    const withPriority = priority.value;
    const without = noPriority.value;
    results.push({
      name: `step cost per resting order, price-time priority (${RESTING} orders × 3 contracts at the touch)`,
      unit: 'µs/order/step',
      value: withPriority,
      higherIsBetter: false,
      peer: { name: 'the same with queuePriority off (tape fills the user first)', value: without },
      ratio: ratioOf(withPriority, without, false),
      extra: { averageResting: priority.resting, averageRestingWithout: noPriority.resting },
    });

    progress('signed order placement vs unsigned GET over HTTP');
    const sim = await startSimulator({
      logger: pino({ level: 'silent' }),
      initialBalance: 1e9,
      warmupMinutes: 10,
    });
    try {
      const mark = sim.engine.market('XBTUSDTM').mark.mul(0.5).toDecimalPlaces(1).toString();
      let n = 0;
      const place = async () => {
        const body = JSON.stringify({
          clientOid: `h${n++}`,
          symbol: 'XBTUSDTM',
          side: 'buy',
          price: mark,
          size: 1,
          leverage: 5,
        });
        const res = await fetch(`${sim.url}/api/v1/orders`, {
          method: 'POST',
          body,
          headers: signRequest(sim.credentials, 'POST', '/api/v1/orders', body, Date.now()),
        });
        await res.text();
      };
      const get = async () => (await fetch(`${sim.url}/api/v1/timestamp`)).text();
      const measure = async (f: () => Promise<unknown>, ms: number) => {
        const start = performance.now();
        let count = 0;
        while (performance.now() - start < ms) {
          await f();
          count += 1;
        }
        return perSecond(count, performance.now() - start);
      };
      await measure(get, 300);
      const getRate = await measure(get, 3000);
      const placeRate = await measure(place, 3000);
      results.push({
        name: 'signed limit order placement over HTTP (sequential)',
        unit: 'orders/s',
        value: placeRate,
        higherIsBetter: true,
        peer: { name: 'unsigned GET /api/v1/timestamp on the same server', value: getRate },
        ratio: placeRate / getRate,
        // KuCoin's own ceiling: the futures pool allows 2000 weight / 30 s and an order weighs 2.
        goal: '>= 34 orders/s (above what KuCoin itself admits)',
        goalMet: placeRate >= 34,
      });
    } finally {
      await sim.close();
    }
    return results;
  },
};

export default suite;
