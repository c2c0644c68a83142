import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import type { RunningSimulator } from './server.ts';
import { requireSharedData, startTestSimulator, waitFor } from './test-helpers.ts';

const running: RunningSimulator[] = [];
afterAll(async () => {
  for (const s of running.reverse()) await s.close();
});
const start = async (...args: Parameters<typeof startTestSimulator>) => {
  const s = await startTestSimulator(...args);
  running.push(s);
  return s;
};

describe('startSimulator', () => {
  it('mirrors another KuCoin-protocol feed: the copy follows the upstream mid price', async () => {
    const upstream = await start({ seed: 9, symbols: ['XBTUSDTM', 'ETHUSDTM'] });
    const mirror = await start({
      source: 'mirror',
      mirrorUrl: upstream.url,
      symbols: ['XBTUSDTM', 'ETHUSDTM'],
    });
    await waitFor(() => mirror.engine.market('ETHUSDTM').mark.gt(0));
    const close = () => {
      const a = upstream.engine.market('ETHUSDTM').mid;
      const b = mirror.engine.market('ETHUSDTM').mid;
      return Math.abs(a - b) / a < 0.001;
    };
    await waitFor(close);
    expect(mirror.engine.source.kind).toBe('mirror');
  });

  it('replays recorded candles: XBTUSDTM trades at the recorded BTC prices', async () => {
    requireSharedData();
    const sim = await start({ source: 'replay', replay: { speed: 60 } });
    const price = sim.engine.market('XBTUSDTM').mark.toNumber();
    // BTCUSDT 1m data covers May–June 2025, between 90k and 112k.
    expect(price).toBeGreaterThan(85_000);
    expect(price).toBeLessThan(115_000);
    const bars = sim.engine.market('XBTUSDTM').bars(1, 0, Date.now());
    expect(bars.length).toBeGreaterThan(100);
  });

  it('fails to start, rather than hanging, when the port is taken', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(startTestSimulator({ port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('runs on an injected manual clock that tests advance', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 3, 59, 0));
    const sim = await start({ clock, fundingRate: 0.0002, tickMs: 1000 });
    sim.engine.placeOrder({
      clientOid: 'm1',
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'market',
      size: 5,
      leverage: 5,
    });
    sim.advance(2 * 60_000);
    const [rec] = sim.engine.fundingRecords;
    expect(rec).toMatchObject({ symbol: 'XBTUSDTM', timePoint: Date.UTC(2025, 5, 1, 4), positionQty: -5 });
    expect(rec!.funding.gt(0)).toBe(true);
    const res = await fetch(`${sim.url}/api/v1/timestamp`);
    expect(((await res.json()) as { data: number }).data).toBe(clock.now());
  });
});
