import type { SimBehaviour } from './behaviour.ts';
import { ManualClock } from './clock.ts';
import { SimEngine } from './engine.ts';
import type { Faults } from './faults.ts';
import type { MarketSource } from './market/source.ts';
import { installRenderers } from './views.ts';

/** Engine fixtures for tests: a scripted market on a manual clock. */

/** 2025-01-01 00:00 UTC: the next funding settlement is 04:00. */
export const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);

/** A market source whose prices (and traded volume per step, base units) the test sets. */
export function scriptedSource(
  prices: Record<string, number>,
): MarketSource & { prices: Record<string, number>; volumes: Record<string, number> } {
  const volumes: Record<string, number> = {};
  return {
    kind: 'synthetic',
    prices,
    volumes,
    sample: (symbol) => ({ price: prices[symbol]!, volume: volumes[symbol] ?? 0 }),
  };
}

/** An engine on a manual clock at T0 with XBT 100 000, ETH 2 000, SOL 150; `move` sets a price and steps. */
export function setup(
  opts: {
    balance?: number;
    fundingRate?: number;
    behaviour?: Partial<SimBehaviour>;
    faults?: Faults;
    seed?: number;
  } = {},
) {
  const clock = new ManualClock(T0);
  const source = scriptedSource({ XBTUSDTM: 100_000, ETHUSDTM: 2_000, SOLUSDTM: 150 });
  const engine = new SimEngine({
    clock,
    source,
    seed: opts.seed ?? 7,
    initialBalance: opts.balance ?? 10_000,
    fundingRate: opts.fundingRate,
    warmupMinutes: 5,
    // Matching-mechanics tests want the order matched inside the call; async matching has its own tests.
    // and mark = index = the scripted price, so tests set the mark exactly.
    behaviour: { asyncMatching: false, basisVolatility: 0, ...opts.behaviour },
    faults: opts.faults,
  });
  installRenderers(engine);
  const move = (symbol: string, price: number, ms = 250) => {
    source.prices[symbol] = price;
    clock.advance(ms);
    engine.step();
  };
  return { clock, source, engine, move };
}

let oid = 0;
/** An XBTUSDTM order body at 10x with a fresh clientOid. */
export const order = (o: Record<string, unknown>) => ({
  clientOid: `t-${++oid}`,
  symbol: 'XBTUSDTM',
  leverage: 10,
  ...o,
});

/**
 * Place `body` naming its contract's current margin mode, as a client must: KuCoin takes an order that
 * names none as an ISOLATED one (kucoin-spec order.txt) and refuses it on a CROSS contract (330005).
 */
export const placeIn = (
  engine: {
    placeOrder(body: unknown): { orderId: string; clientOid: string };
    settingsOf(symbol: string): { marginMode: string };
  },
  body: Record<string, unknown>,
) => engine.placeOrder({ marginMode: engine.settingsOf(String(body['symbol'])).marginMode, ...body });

/** /st-orders body: a 2-lot market long with a take-profit at 110 000 and a stop-loss at 95 000 (mark). */
export const tpSlLong = () =>
  order({
    side: 'buy',
    type: 'market',
    size: 2,
    triggerStopUpPrice: '110000',
    triggerStopDownPrice: '95000',
    stopPriceType: 'MP',
  });
