import { DEFAULT_STRATEGY, type StrategyConfig, strategyKey } from '@enigma/core/engine/strategy';
import { getPosition, getSignal, recentClosedTrades } from '@enigma/db';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MARKET_EVENTS } from '../collector/events.ts';
import { startCollectorService } from '../collector/service.ts';
import type { MarketSource } from '../sim/market/source.ts';
import { waitFor } from '../sim/test-helpers.ts';
import { useSimEngine } from './testing/sim-engine.ts';

// The engine-managed trailing stop end to end: the simulator's price is ours to move, the collector
// carries its mark to the engine over the bus, the engine's watchdog trails the stop and replaces the
// exchange-side stop order, and the simulator triggers that order on its mark.

const SOURCE = 'trail';
const SYMBOL = 'XBTUSDTM';
/**
 * A 1 % stop (distance d); trailing armed once the price is 0.5 d past the entry, at 2 d behind the
 * best price. Armed at 0.5 d, the trail (best − 2 d) is still below the first stop (entry − d): a
 * trailing stop that could move back would lower it there.
 */
const strategy: StrategyConfig = {
  ...DEFAULT_STRATEGY,
  stop: { kind: 'pct', pct: '1' },
  trailing: { activateR: '0.5', distanceR: '2' },
};

/** The simulator's mid price, set by the test (no noise, so the mark is the price). */
let price = 50_000;
const source: MarketSource = { kind: 'synthetic', sample: () => ({ price, volume: 2 }) };

describe('trailing stop against the simulator (engine + collector, ratchet only)', () => {
  /** the latest mark the collector published (what the engine's watchdog reads) */
  let lastMark = 0;
  const f = useSimEngine({
    sim: { symbols: [SYMBOL], source },
    settings: { [strategyKey(SOURCE)]: strategy },
    source: SOURCE,
    beforeEngine: async (env) => {
      env.sim.engine.setBehaviour({ basisVolatility: 0 });
      await env.bus.subscribe<{ symbol: string; markPrice: string }>(MARKET_EVENTS.mark, (e) => {
        if (e.symbol === SYMBOL) lastMark = Number(e.markPrice);
      });
      const collector = await startCollectorService({
        symbols: [SYMBOL],
        baseUrl: env.sim.url,
        db: env.db,
        registry: new Registry(),
        logger: pino({ level: 'silent' }),
        bus: env.bus,
        reference: false,
      });
      env.onClose(() => collector.close());
    },
  });

  const position = async () => (await getPosition(f.db, f.running.engine.ctx.accountId, SYMBOL))!;
  const exchangeStops = async () => (await f.kucoin.trade.stopOrders({ symbol: SYMBOL })).items;
  /** Move the simulator's price and wait until the engine has been told the new mark. */
  async function moveTo(p: number) {
    price = p;
    await waitFor(async () => (Math.abs(lastMark - p) <= p * 0.0001 ? true : undefined), 20_000, `mark ${p}`);
  }

  it('moves the exchange-side stop up behind the price, never back down, and closes at the trailed level', async () => {
    const { signalId } = await f.alert({ action: 'buy', symbol: SYMBOL });
    expect(
      await waitFor(
        async () => {
          const s = (await getSignal(f.db, signalId))?.status;
          return s && !['received', 'scored', 'ordered', 'filled'].includes(s) ? s : undefined;
        },
        20_000,
        'signal settled',
      ),
    ).toBe('protected');
    const opened = await position();
    expect(opened.qty).toBeGreaterThan(0);
    const entry = Number(opened.avgEntryPrice);
    const firstStop = Number(opened.stopPrice);
    // the 1 % stop distance the decision gave (the first stop is entry − d, on the tick)
    const d = entry - firstStop;
    expect(d).toBeCloseTo(entry * 0.01, -1);
    expect((await exchangeStops()).map((s) => Number(s.stopPrice))).toEqual([firstStop]);

    // Armed (0.5 d past entry) but the trail, best − 2 d, is below the first stop: the stop stays.
    await moveTo(Math.round(entry + 0.6 * d));
    await waitFor(
      async () => (Number((await position()).bestPrice) >= entry + 0.55 * d ? true : undefined),
      20_000,
      'best price',
    );
    expect(Number((await position()).stopPrice)).toBe(firstStop);
    expect((await exchangeStops()).map((s) => Number(s.stopPrice))).toEqual([firstStop]);

    // 4 d up: the stop follows to best − 2 d, on the exchange too (one stop order, sized to the position).
    await moveTo(Math.round(entry + 4 * d));
    const trailed = await waitFor(
      async () => {
        const stops = await exchangeStops();
        const p = await position();
        return stops.length === 1 &&
          Number(stops[0]!.stopPrice) > entry + d &&
          Number(stops[0]!.stopPrice) === Number(p.stopPrice)
          ? { stop: Number(p.stopPrice), size: stops[0]!.size, qty: p.qty }
          : undefined;
      },
      20_000,
      'trailed stop',
    );
    expect(trailed.stop).toBeGreaterThan(entry + 1.9 * d);
    expect(trailed.stop).toBeLessThanOrEqual(entry + 2 * d + 1);
    expect(trailed.size).toBe(trailed.qty);

    // Back to 3 d: the engine sees the lower mark over several watchdog rounds; the stop does not move back.
    await moveTo(Math.round(entry + 3 * d));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(Number((await position()).stopPrice)).toBe(trailed.stop);
    expect((await exchangeStops()).map((s) => Number(s.stopPrice))).toEqual([trailed.stop]);

    // Through the trailed stop (but above where a stop that moved back would be): closed there, at a profit.
    price = Math.round(trailed.stop - 0.2 * d);
    const trade = await waitFor(
      async () => {
        const trades = await recentClosedTrades(f.db, f.running.engine.ctx.accountId, new Date(0));
        return trades.find((t) => t.symbol === SYMBOL);
      },
      20_000,
      'closed trade',
    );
    expect(trade.side).toBe('long');
    expect(Number(trade.exitPrice)).toBeLessThanOrEqual(trailed.stop);
    expect(Number(trade.exitPrice)).toBeGreaterThan(trailed.stop - 0.5 * d);
    expect(Number(trade.exitPrice)).toBeGreaterThan(entry + d);
    await waitFor(async () => ((await position()).qty === 0 ? true : undefined), 20_000);
    await waitFor(async () => ((await exchangeStops()).length === 0 ? true : undefined), 20_000);
  }, 120_000);
});
