import { describe, expect, it } from 'vitest';
import { isWebhookPath } from './path.ts';

describe('isWebhookPath', () => {
  it('is true for the webhook routes, with or without a query, on any host and port', () => {
    expect(isWebhookPath('https://enigma.example.com/webhooks/tradingview')).toBe(true);
    expect(isWebhookPath('http://127.0.0.1:8787/webhooks/signals?source=x')).toBe(true);
    expect(isWebhookPath('http://localhost/webhooks/')).toBe(true);
  });

  it('is false for every other path, and for /webhooks/ appearing in the host or the query', () => {
    expect(isWebhookPath('https://enigma.example.com/api/signals')).toBe(false);
    expect(isWebhookPath('https://enigma.example.com/webhooks')).toBe(false);
    expect(isWebhookPath('https://enigma.example.com/api/webhooks/tradingview')).toBe(false);
    expect(isWebhookPath('https://enigma.example.com/healthz?next=/webhooks/tradingview')).toBe(false);
    expect(isWebhookPath('https://enigma.example.com/')).toBe(false);
    expect(isWebhookPath('https://enigma.example.com')).toBe(false);
  });

  it('agrees with the URL parser on the paths the worker serves', () => {
    for (const url of [
      'https://a.example/webhooks/alerts',
      'https://a.example:443/webhooks/indicators?source=tv',
      'https://a.example/api/webhook-sources',
      'https://a.example/webhooksx/tradingview',
    ]) {
      expect(isWebhookPath(url)).toBe(new URL(url).pathname.startsWith('/webhooks/'));
    }
  });
});
