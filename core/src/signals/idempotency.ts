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
