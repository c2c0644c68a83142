import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { collectorHealthApp } from './health.ts';
import { MarketState } from './market-state.ts';
import { collectorMetrics } from './metrics.ts';

describe('collectorHealthApp', () => {
  it('answers 503 naming the stale symbols until the required feeds are fresh, then 200', async () => {
    let now = 0;
    const state = new MarketState(['XBTUSDTM', 'ETHUSDTM'], { staleAfterMs: 1_000, now: () => now });
    const app = collectorHealthApp({ state, registry: new Registry(), details: () => ({ connected: true }) });
    state.touch('XBTUSDTM', 'level2');
    state.touch('XBTUSDTM', 'instrument');
    let res = await app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, staleSymbols: ['ETHUSDTM'], connected: true });
    state.touch('ETHUSDTM', 'level2');
    state.touch('ETHUSDTM', 'instrument');
    res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { feeds: { symbol: string; feed: string; fresh: boolean }[] };
    expect(body.feeds.find((f) => f.symbol === 'ETHUSDTM' && f.feed === 'level2')?.fresh).toBe(true);
    now = 5_000;
    expect((await app.request('/healthz')).status).toBe(503);
  });

  it('serves the collector metrics in Prometheus text format', async () => {
    const registry = new Registry();
    const metrics = collectorMetrics(registry);
    metrics.reconnects.inc();
    metrics.sequenceGaps.inc({ symbol: 'XBTUSDTM' }, 2);
    const res = await collectorHealthApp({
      state: new MarketState([], { staleAfterMs: 1 }),
      registry,
    }).request('/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('enigma_collector_reconnects_total 1');
    expect(text).toContain('enigma_collector_sequence_gaps_total{symbol="XBTUSDTM"} 2');
  });

  it('reuses metrics already registered instead of failing on a second registration', () => {
    const registry = new Registry();
    expect(collectorMetrics(registry).reconnects).toBe(collectorMetrics(registry).reconnects);
  });
});
