/**
 * Whether the request's path starts with `/webhooks/`, read from the URL text as Hono's router reads it
 * (no `URL` object per request): the first `/` after the scheme's `://`. Percent-decoding changes no
 * literal character of that prefix, so whatever this calls a webhook, Hono routes under `/webhooks/`
 * too (a path it decodes into one is served with a pool, as before).
 */
export function isWebhookPath(url: string): boolean {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  return start > 0 && url.startsWith('/webhooks/', start);
}
