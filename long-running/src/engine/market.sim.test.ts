import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../bus/memory.ts';
import { MARKET_EVENTS } from '../collector/events.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { RunningSimulator } from '../sim/server.ts';
import { startTestSimulator, waitFor } from '../sim/test-helpers.ts';
import { MarketView } from './market.ts';
import { SIM_CREDENTIAL } from './testing/sim-engine.ts';

/**
 * The router's book levels come from the collector's book events when they are fresh and deep enough,
 * and from the exchange's REST book otherwise (the simulator's book, whose prices are nowhere near the
 * ones published here, tells the two apart).
 */
describe('MarketView.depth: the collector’s levels or the REST book', () => {
  let sim: RunningSimulator;
  let kucoin: KucoinHttpClient;
  beforeAll(async () => {
    sim = await startTestSimulator({ symbols: ['XBTUSDTM'] });
    kucoin = new KucoinHttpClient({ baseUrl: sim.url, credential: SIM_CREDENTIAL });
  });
  afterAll(() => sim.close());

  it('uses the published levels while fresh and deep enough, the REST book when not', async () => {
    let now = 1_000_000;
    const clock = { now: () => now, sleep: async () => {} };
    const bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
    const view = new MarketView(kucoin, clock, pino({ level: 'silent' }));
    await view.listen(bus);
    const publish = async (extra: Record<string, unknown> = {}) => {
      await bus.publish(MARKET_EVENTS.book, {
        symbol: 'XBTUSDTM',
        bestBid: '1.5',
        bestAsk: '1.6',
        bids: [
          ['1.5', 3],
          ['1.4', 4],
        ],
        asks: [
          ['1.6', 2],
          ['1.7', 5],
        ],
        ...extra,
      });
      // delivered: the touch it carries is stamped with the (test's) time it arrived
      await waitFor(() => view.peek('XBTUSDTM').bookAt === now, 2_000, 'book event');
    };
    // the simulator's book is near 60-100k: a best bid of 1.5 is the published one
    const published = (b: Awaited<ReturnType<MarketView['depth']>>) => b!.bids[0]!.price.toString() === '1.5';

    await publish();
    const deep = await view.depth('XBTUSDTM', 1_000, { side: 'buy', lots: 7 });
    expect(deep!.asks.map((l) => [l.price.toString(), l.lots])).toEqual([
      ['1.6', 2],
      ['1.7', 5],
    ]);
    expect(published(await view.depth('XBTUSDTM', 1_000, { side: 'sell', lots: 7 }))).toBe(true);
    // more lots than the published side holds: the REST book (100 levels)
    expect(published(await view.depth('XBTUSDTM', 1_000, { side: 'buy', lots: 8 }))).toBe(false);

    // older than the caller allows: the REST book
    now += 10_000;
    await publish();
    expect(published(await view.depth('XBTUSDTM', 1_000))).toBe(true);
    now += 1_001;
    expect(published(await view.depth('XBTUSDTM', 1_000))).toBe(false);

    // malformed levels are not taken: the REST book again
    now += 10_000;
    await publish({
      asks: [
        ['1.7', 5],
        ['1.6', 2],
      ],
    });
    expect(published(await view.depth('XBTUSDTM', 1_000))).toBe(false);
    await view.close();
  });
});
