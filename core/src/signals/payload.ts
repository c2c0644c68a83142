import type { ExecutionStyle } from '../router/plan.ts';
import { parseUtcTime } from '../utc-time.ts';
import { normaliseAction, type SignalAction } from './actions.ts';
import { SignalParseError } from './errors.ts';
import { parseGuardedJson } from './json.ts';
import { assertNoPlaceholders } from './placeholders.ts';
import { normaliseKeys, type TradingViewPayload, tradingViewPayloadSchema } from './schema.ts';
import { normaliseSymbol } from './symbols.ts';
import { parseTextBody } from './text.ts';

/** A webhook body turned into a signal the engine can act on. Money fields stay decimal strings. */
export interface ParsedSignal {
  /** KuCoin contract, e.g. XBTUSDTM */
  symbol: string;
  /** the ticker as TradingView sent it, e.g. KUCOIN:XBTUSDTM or BTCUSDT.P */
  rawSymbol: string;
  action: SignalAction;
  rawAction: string;
  interval?: string;
  /** epoch ms of the alert (`{{timenow}}`), when the message carries one */
  alertTime?: number;
  price?: string;
  size?: string;
  positionSize?: string;
  marketPosition?: string;
  prevMarketPosition?: string;
  orderId?: string;
  comment?: string;
  /** the router's style named by the alert */
  execution?: ExecutionStyle;
  alertMessage?: string;
  indicators: Record<string, number>;
  conditions: Record<string, boolean | number | string>;
}

/** The parse result: the signal, the secret it carried (never stored) and the payload to store (without the secret). */
export interface ParsedBody {
  signal: ParsedSignal;
  secret?: string;
  storedPayload: Record<string, unknown>;
}

export interface ParseOptions {
  /** contracts we trade; others are `unknown_symbol` */
  knownSymbols?: readonly string[];
  maxDepth?: number;
}

/** Which parser a Content-Type selects; anything else is refused at the edge before parsing. */
export type BodyKind = 'json' | 'text';

/**
 * Parse the raw body of a TradingView-style webhook. Throws only `SignalParseError`.
 *
 * @example
 * parseSignalBody('{"symbol":"BTCUSDT.P","action":"BUY","price":"65000.5"}', 'json')
 * // { signal: { symbol: 'XBTUSDTM', action: 'buy', price: '65000.5', ... }, storedPayload: {...} }
 */
export function parseSignalBody(body: string, kind: BodyKind, options: ParseOptions = {}): ParsedBody {
  const raw =
    kind === 'json' ? parseGuardedJson(body, options.maxDepth) : parseTextBody(body, options.maxDepth);
  return parseSignalObject(raw, options);
}

/** Validate an already-decoded payload object (JSON or key=value). Throws only `SignalParseError`. */
export function parseSignalObject(raw: Record<string, unknown>, options: ParseOptions = {}): ParsedBody {
  const keyed = normaliseKeys(raw);
  const { secret: rawSecret, ...withoutSecret } = keyed;
  const secret = typeof rawSecret === 'string' ? rawSecret : undefined;
  // The secret is checked for placeholders too, but never echoed: report its path only.
  assertNoPlaceholders(withoutSecret);
  if (typeof rawSecret === 'string' && /\{\{.*\}\}/.test(rawSecret)) {
    throw new SignalParseError('unexpanded_placeholder', 'the secret field holds an unexpanded placeholder', {
      placeholders: [{ path: 'secret' }],
    });
  }
  const result = tradingViewPayloadSchema.safeParse(keyed);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 20).map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.path[0] === 'secret' ? 'invalid secret' : i.message,
    }));
    const numeric = result.error.issues.some(
      (i) => i.code === 'custom' && (i as { params?: { number?: boolean } }).params?.number === true,
    );
    throw new SignalParseError(
      numeric ? 'invalid_number' : 'invalid_payload',
      `invalid payload: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  const p = result.data;
  const signal = toSignal(p, options);
  return secret === undefined
    ? { signal, storedPayload: withoutSecret }
    : { signal, secret, storedPayload: withoutSecret };
}

function toSignal(p: TradingViewPayload, options: ParseOptions): ParsedSignal {
  const action = normaliseAction(p.action);
  const symbol = normaliseSymbol(p.symbol, options.knownSymbols);
  const signal: ParsedSignal = {
    symbol,
    rawSymbol: p.exchange && !p.symbol.includes(':') ? `${p.exchange}:${p.symbol}` : p.symbol,
    action,
    rawAction: p.action,
    indicators: p.indicators ?? {},
    conditions: p.conditions ?? {},
  };
  if (p.timestamp !== undefined) signal.alertTime = parseAlertTime(p.timestamp);
  if (p.interval !== undefined) signal.interval = p.interval;
  if (p.price !== undefined) signal.price = p.price;
  if (p.contracts !== undefined) signal.size = p.contracts;
  if (p.position_size !== undefined) signal.positionSize = p.position_size;
  if (p.market_position !== undefined) signal.marketPosition = p.market_position;
  if (p.prev_market_position !== undefined) signal.prevMarketPosition = p.prev_market_position;
  if (p.order_id !== undefined) signal.orderId = p.order_id;
  if (p.comment !== undefined) signal.comment = p.comment;
  if (p.execution !== undefined) signal.execution = p.execution;
  if (p.alert_message !== undefined) signal.alertMessage = p.alert_message;
  return signal;
}

/**
 * `{{timenow}}` is ISO-8601 UTC (`2024-05-01T12:00:05Z`); scripts often send epoch seconds or ms.
 * Values that cannot be a real alert time are refused rather than guessed.
 */
export function parseAlertTime(value: string | number): number {
  const s = typeof value === 'number' ? String(value) : value.trim();
  let ms: number;
  if (/^\d{9,16}(\.\d+)?$/.test(s)) {
    const n = Number(s);
    ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  } else {
    // a date-time, UTC unless it names a zone (the one date parser)
    ms = /[T ]/.test(s) ? parseUtcTime(s) : Number.NaN;
  }
  // 2000-01-01 .. 2100-01-01: anything outside is a unit mistake, not an alert.
  if (!Number.isFinite(ms) || ms < 946_684_800_000 || ms > 4_102_444_800_000) {
    throw new SignalParseError(
      'invalid_timestamp',
      `invalid alert timestamp ${JSON.stringify(s.slice(0, 40))}`,
      { field: 'timestamp' },
    );
  }
  return ms;
}
