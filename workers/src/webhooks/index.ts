import type { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { handleWebhook } from './intake.ts';

/**
 * Register the webhook routes. TradingView trade alerts go to `/webhooks/tradingview`; `/indicators`
 * takes indicator values (stored as a snapshot, on `indicators:raw`, never traded); `/alerts` takes
 * notices (stored, published on `events:alerts`, never traded); `/signals` is for external signal
 * sources authenticating with `x-api-key`. `?source=<name>` picks the source.
 */
export function registerWebhooks(app: Hono<AppEnv>): void {
  app.post('/webhooks/tradingview', (c) => handleWebhook(c, 'tradingview'));
  app.post('/webhooks/indicators', (c) => handleWebhook(c, 'indicators'));
  app.post('/webhooks/alerts', (c) => handleWebhook(c, 'alerts'));
  app.post('/webhooks/signals', (c) => handleWebhook(c, 'signals'));
}
