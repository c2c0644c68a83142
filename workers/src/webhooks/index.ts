import type { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { handleWebhook } from './intake.ts';

/**
 * Register the webhook routes. TradingView posts to `/webhooks/tradingview`; `/indicators` and
 * `/alerts` take the same payload (recorded with their route); `/signals` is for external signal
 * sources authenticating with `x-api-key`. `?source=<name>` picks the webhook source.
 */
export function registerWebhooks(app: Hono<AppEnv>): void {
  app.post('/webhooks/tradingview', (c) => handleWebhook(c, 'tradingview'));
  app.post('/webhooks/indicators', (c) => handleWebhook(c, 'indicators'));
  app.post('/webhooks/alerts', (c) => handleWebhook(c, 'alerts'));
  app.post('/webhooks/signals', (c) => handleWebhook(c, 'signals'));
}
