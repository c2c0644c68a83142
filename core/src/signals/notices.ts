import { z } from 'zod';
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
 * Parse `{ symbol, timeframe | interval | tf, values | indicators, time | timestamp }` (keys already
 * normalised by `normaliseKeys`, so `interval` and `time` arrive as `interval` and `timestamp`).
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
    timeframe: raw['timeframe'] ?? raw['interval'],
    timestamp: raw['timestamp'],
    values: raw['values'] ?? raw['indicators'],
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
 * Parse `{ type, symbol?, message, severity? }` (severity info | warning | critical, default info).
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
    message: raw['message'] ?? raw['alert_message'] ?? raw['comment'],
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
