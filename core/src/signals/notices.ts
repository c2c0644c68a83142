import { z } from 'zod';
import { canonicalJson } from '../canonical-json.ts';
import { checkFiniteNumber } from '../decimal-text.ts';
import { SignalParseError } from './errors.ts';
import { parseAlertTime } from './payload.ts';
import { normaliseSymbol } from './symbols.ts';

/**
 * Payloads of the two webhook routes that are never traded: `/webhooks/indicators` (indicator values
 * for a symbol and timeframe) and `/webhooks/alerts` (notices for the dashboard). Pure; throws only
 * `SignalParseError`.
 */

/** An indicator snapshot as posted. */
export interface IndicatorPost {
  symbol: string;
  timeframe: string;
  /** epoch ms the values are for, when the sender gave it */
  at?: number;
  values: Record<string, number>;
}

const indicatorPostSchema = z.object({
  symbol: z.string().min(1).max(64),
  timeframe: z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().min(1).max(16)),
  timestamp: z.union([z.string().max(64), z.number()]).optional(),
  values: z.record(z.string().min(1).max(64), z.unknown()),
});

function fail(issues: z.core.$ZodIssue[]): never {
  const list = issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new SignalParseError(
    'invalid_payload',
    `invalid payload: ${list.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
    { issues: list },
  );
}

/**
 * The value a field is given under one of its names (`names`, the field's own first). Two of them with
 * different values are refused, naming the field, as `normaliseKeys` refuses a key and its alias: which
 * one the sender meant cannot be known (`{"values":{…},"indicators":{…}}` stored the first silently).
 * The same value under both (an object's keys in any order: `canonicalJson`) is one field. Never echoes a value.
 */
function givenOnce(raw: Record<string, unknown>, names: readonly [string, ...string[]]): unknown {
  let found: { name: string; value: unknown; text: string } | undefined;
  for (const name of names) {
    // null reads as absent: `"values": null` beside `indicators` gives the indicators
    if (!Object.hasOwn(raw, name) || raw[name] == null) continue;
    const value = raw[name];
    const text = canonicalJson(value);
    if (found === undefined) found = { name, value, text };
    else if (found.text !== text)
      throw new SignalParseError(
        'invalid_payload',
        `${JSON.stringify(found.name)} and ${JSON.stringify(name)} both give ${names[0]}, with different values`,
        { field: names[0] },
      );
  }
  return found?.value;
}

/**
 * Parse `{ symbol, timeframe | interval | tf, values | indicators, time | timestamp }` (keys already
 * normalised by `normaliseKeys`, so `interval` and `time` arrive as `interval` and `timestamp`). A
 * field given under two of its names with different values is refused, naming it.
 *
 * @example parseIndicatorPost({ symbol: 'BTCUSDT.P', interval: '15', indicators: { rsi: '28.4' } })
 * // { symbol: 'XBTUSDTM', timeframe: '15', values: { rsi: 28.4 } }
 */
export function parseIndicatorPost(
  raw: Record<string, unknown>,
  options: { knownSymbols?: readonly string[] } = {},
): IndicatorPost {
  const r = indicatorPostSchema.safeParse({
    symbol: raw['symbol'],
    timeframe: givenOnce(raw, ['timeframe', 'interval']),
    timestamp: raw['timestamp'],
    values: givenOnce(raw, ['values', 'indicators']),
  });
  if (!r.success) fail(r.error.issues);
  const entries = Object.entries(r.data.values);
  if (entries.length === 0 || entries.length > 64) {
    throw new SignalParseError('invalid_payload', 'values must hold 1 to 64 indicators', { field: 'values' });
  }
  const values: Record<string, number> = {};
  for (const [k, v] of entries) {
    const n = checkFiniteNumber(v);
    if (!n.ok)
      throw new SignalParseError('invalid_number', `values.${k}: ${n.reason}`, { field: `values.${k}` });
    values[k] = n.value;
  }
  const post: IndicatorPost = {
    symbol: normaliseSymbol(r.data.symbol, options.knownSymbols),
    timeframe: r.data.timeframe,
    values,
  };
  if (r.data.timestamp !== undefined) post.at = parseAlertTime(r.data.timestamp);
  return post;
}

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;

/** A notice as posted. */
export interface AlertPost {
  kind: string;
  symbol: string | null;
  message: string;
  severity: (typeof ALERT_SEVERITIES)[number];
}

const alertPostSchema = z.object({
  type: z.string().trim().min(1).max(64),
  symbol: z.string().min(1).max(64).optional(),
  message: z.string().trim().min(1).max(2000),
  severity: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(ALERT_SEVERITIES))
    .default('info'),
});

/**
 * The names a notice's text may come under, first wins. Read by precedence, never refused as a conflict
 * (as the alert's time and symbol, schema.ts `PRECEDENCE`): a notice that also carries TradingView's
 * `{{strategy.order.comment}}` or `{{strategy.order.alert_message}}` beside its `message` is a natural
 * thing to send, and refusing it lost the notice (TradingView does not retry). Nothing is traded on it.
 */
const MESSAGE_NAMES = ['message', 'alert_message', 'comment'] as const;

/**
 * The value of the first of `names` given: null, or a string of only white space (a placeholder that
 * expanded to nothing, `{{strategy.order.alert_message}}` on an order without one), reads as absent, so
 * the next name gives the text; when every one given is blank the first blank is returned (and refused
 * as too short).
 *
 * @example firstGiven({ message: ' ', comment: 'funding flipped' }, MESSAGE_NAMES) // 'funding flipped'
 */
function firstGiven(raw: Record<string, unknown>, names: readonly string[]): unknown {
  let blank: unknown;
  for (const name of names) {
    if (!Object.hasOwn(raw, name) || raw[name] == null) continue;
    const value = raw[name];
    if (typeof value === 'string' && value.trim() === '') blank ??= value;
    else return value;
  }
  return blank;
}

/**
 * Parse `{ type, symbol?, message, severity? }` (severity info | warning | critical, default info). The
 * text is read by precedence (`MESSAGE_NAMES`): `message`, else `alert_message`, else `comment`; the
 * others are not compared (they stay in the stored payload), so `{"message":"RSI crossed 70",
 * "comment":"{{strategy.order.comment}}"}` is a notice, not a 422.
 *
 * @example parseAlertPost({ type: 'volatility', message: 'ATR doubled', severity: 'warning' })
 */
export function parseAlertPost(
  raw: Record<string, unknown>,
  options: { knownSymbols?: readonly string[] } = {},
): AlertPost {
  const r = alertPostSchema.safeParse({
    type: raw['type'],
    symbol: raw['symbol'],
    message: firstGiven(raw, MESSAGE_NAMES),
    severity: raw['severity'],
  });
  if (!r.success) fail(r.error.issues);
  return {
    kind: r.data.type,
    symbol: r.data.symbol === undefined ? null : normaliseSymbol(r.data.symbol, options.knownSymbols),
    message: r.data.message,
    severity: r.data.severity,
  };
}
