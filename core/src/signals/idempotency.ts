import type { SignalAction } from './actions.ts';

export interface IdempotencyInput {
  /** webhook source name */
  source: string;
  symbol: string;
  action: SignalAction;
  alertTime?: number;
  orderId?: string;
  /** the raw body, used only when the alert has neither a time nor an order id */
  rawBody: string;
}

/**
 * The deterministic key that makes a repeated delivery of one alert a duplicate: (source, symbol,
 * action, alert time, strategy order id). An alert with neither a time nor an order id can only be
 * recognised by its exact bytes, so the body's hash stands in for them.
 *
 * @example idempotencyKey({ source: 'tv', symbol: 'XBTUSDTM', action: 'buy', alertTime: 1714564805000, rawBody })
 * // 'sig:v1:tv|XBTUSDTM|buy|1714564805000|'
 */
export function idempotencyKey(input: IdempotencyInput): string {
  const parts = [input.source, input.symbol, input.action, input.alertTime ?? '', input.orderId ?? ''].map(
    (p) => String(p).replaceAll('%', '%25').replaceAll('|', '%7C'),
  );
  if (input.alertTime === undefined && input.orderId === undefined) parts.push(`b${fnv1a64(input.rawBody)}`);
  return `sig:v1:${parts.join('|')}`;
}

/** FNV-1a 64-bit over UTF-16 code units, as hex; enough to tell bodies apart, not a security hash. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** What identifies one webhook delivery: TradingView resends the byte-identical body. */
export interface WebhookKeyInput {
  /** webhook source name */
  source: string;
  /** lower-case hex SHA-256 of the raw body (computed by the caller: hashing is I/O-free but async on WebCrypto) */
  bodySha256: string;
  /** the sender's own idempotency key (`Idempotency-Key` header or `idempotency_key` field), when it gives one */
  explicitKey?: string;
}

/**
 * The idempotency key of a webhook delivery: the source and the sender's explicit key when there is
 * one, else the source and the SHA-256 of the body. Two alerts that differ in any byte (a 15-minute
 * and a 60-minute strategy firing in the same second) are two alerts; a retry of the same bytes is one.
 *
 * @example webhookIdempotencyKey({ source: 'tradingview', bodySha256: 'ab12…' }) // 'wh:v2:tradingview|b:ab12…'
 */
export function webhookIdempotencyKey(input: WebhookKeyInput): string {
  const esc = (p: string) => p.replaceAll('%', '%25').replaceAll('|', '%7C');
  return input.explicitKey !== undefined
    ? `wh:v2:${esc(input.source)}|k:${esc(input.explicitKey)}`
    : `wh:v2:${esc(input.source)}|b:${input.bodySha256}`;
}
