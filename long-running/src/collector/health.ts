import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Feed, MarketState } from './market-state.ts';

export interface HealthOptions {
  state: MarketState;
  registry: Registry;
  /** Feeds that must be fresh for `/healthz` to answer 200 (default: level2 and instrument). */
  required?: readonly Feed[];
  /** Extra facts for the body (connection state, reconnects, ...). */
  details?: () => Record<string, unknown>;
}

/**
 * The collector's health routes: `GET /healthz` (per-feed freshness; 503 when a required feed of any
 * symbol is stale) and `GET /metrics` (Prometheus text). A Hono app, so the process that embeds the
 * collector can mount it (`app.route('/collector', collectorHealthApp(...))`) or serve it alone.
 *
 * @example
 * serve({ fetch: collectorHealthApp({ state, registry }).fetch, port: 9464 });
 */
export function collectorHealthApp(options: HealthOptions): Hono {
  const required = options.required ?? ['level2', 'instrument'];
  const app = new Hono();
  app.get('/healthz', (c) => {
    const feeds = options.state.health();
    const stale = options.state.staleSymbols(required);
    const ok = stale.length === 0;
    return c.json({ ok, required, staleSymbols: stale, feeds, ...options.details?.() }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) =>
    c.text(await options.registry.metrics(), 200, { 'content-type': options.registry.contentType }),
  );
  return app;
}
