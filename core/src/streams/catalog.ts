import { z } from 'zod';
import { plainDecimal } from '../decimal-text.ts';
import { EXECUTION_STYLES } from '../router/plan.ts';
import { operatorCommand } from '../signals/commands.ts';
import { TRACEPARENT_PATTERN } from './traceparent.ts';

/**
 * The one catalog of bus streams: name → zod schema of an entry's payload. Every producer (intake, the
 * API) appends through it and every consumer (the engine) reads through it, so the two sides cannot drift.
 * A malformed entry is dead-lettered with the validation error by `typedStream` (core/src/bus/typed.ts).
 */

/** Decimals in stream entries are already canonical (core/decimal-text.ts wrote them). */
const decimalString = plainDecimal;

/** `signals:incoming`: one accepted alert, as intake stored it (the signal row's id is the key). */
export const signalEntrySchema = z.object({
  signalId: z.uuid(),
  /** webhook source name (its strategy configuration is looked up by it) */
  source: z.string().min(1).max(64),
  /** KuCoin contract, e.g. XBTUSDTM */
  symbol: z.string().min(1).max(32),
  action: z.enum(['buy', 'sell', 'close', 'reverse']),
  interval: z.string().max(16).nullable(),
  /** epoch ms of the alert as TradingView stamped it, when the message carried one */
  alertTime: z.number().int().nullable(),
  /** epoch ms intake received it */
  receivedAt: z.number().int(),
  price: decimalString.nullable(),
  /** TradingView `{{strategy.order.contracts}}` */
  size: decimalString.nullable(),
  /** TradingView `{{strategy.position_size}}` (the strategy's position after this order, unsigned) */
  positionSize: decimalString.nullable().default(null),
  /** TradingView `{{strategy.market_position}}`: long | short | flat */
  marketPosition: z.string().max(16).nullable().default(null),
  /** TradingView `{{strategy.prev_market_position}}` */
  prevMarketPosition: z.string().max(16).nullable().default(null),
  /** TradingView `{{strategy.order.id}}` */
  orderId: z.string().max(128).nullable(),
  comment: z.string().max(512).nullable().default(null),
  /** the router's style the alert named (`execution`), null: the strategy's */
  execution: z.enum(EXECUTION_STYLES).nullable().default(null),
  indicators: z.record(z.string(), z.number()),
  conditions: z.record(z.string(), z.union([z.boolean(), z.number(), z.string()])),
  route: z.enum(['tradingview', 'indicators', 'alerts', 'signals']),
  /** external sources' own confidence (0..1), recorded beside our score */
  confidence: z.number().min(0).max(1).nullable().default(null),
  /** W3C traceparent of the edge request (./traceparent.ts): the engine's spans join its trace */
  traceparent: z.string().regex(TRACEPARENT_PATTERN).nullable().default(null),
});
export type SignalEntry = z.output<typeof signalEntrySchema>;
export type SignalEntryInput = z.input<typeof signalEntrySchema>;

/** `commands`: an operator command with who issued it and its idempotency key. */
export const commandEnvelopeSchema = z.object({
  commandId: z.uuid(),
  issuedBy: z.string().min(1).max(200),
  issuedAt: z.number().int(),
  idempotencyKey: z.string().min(1).max(200),
  command: operatorCommand,
});
export type CommandEnvelopeEntry = z.output<typeof commandEnvelopeSchema>;

/**
 * `indicators:raw`: indicator values a sender posted to `/webhooks/indicators` (outside context for the
 * scorer, never traded). The snapshot row's id is the key.
 */
export const indicatorEntrySchema = z.object({
  snapshotId: z.number().int().positive(),
  source: z.string().min(1).max(64),
  symbol: z.string().min(1).max(32),
  timeframe: z.string().min(1).max(16),
  /** epoch ms the values are for */
  at: z.number().int(),
  values: z.record(z.string().max(64), z.number()),
  receivedAt: z.number().int(),
});
export type IndicatorEntry = z.output<typeof indicatorEntrySchema>;

/** Every stream the system uses, with its schema. */
export const STREAM_CATALOG = {
  'signals:incoming': signalEntrySchema,
  commands: commandEnvelopeSchema,
  'indicators:raw': indicatorEntrySchema,
} as const;
export type StreamName = keyof typeof STREAM_CATALOG;
export type StreamPayload<N extends StreamName> = z.output<(typeof STREAM_CATALOG)[N]>;
export type StreamPayloadInput<N extends StreamName> = z.input<(typeof STREAM_CATALOG)[N]>;

/**
 * Validate a payload against its stream's schema before it is appended. Throws a ZodError naming the
 * fields; the wire form is the input as given (transforms run on the reading side).
 */
export function checkStreamPayload<N extends StreamName>(
  stream: N,
  payload: StreamPayloadInput<N>,
): Record<string, unknown> {
  STREAM_CATALOG[stream].parse(payload);
  return payload as Record<string, unknown>;
}

/** Dashboard events are published on `events:<topic>`; these are the topics. */
export const EVENT_TOPICS = [
  'signals',
  'orders',
  'positions',
  'risk',
  'account',
  'commands',
  'alerts',
] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** One dashboard event: what changed (`type`) and the changed record's fields. */
export const engineEventSchema = z
  .object({
    type: z.string().min(1).max(64),
    at: z.number().int(),
  })
  .catchall(z.unknown());
export type EngineEvent = z.output<typeof engineEventSchema>;

/** `events:alerts`: a notice posted to `/webhooks/alerts` (dashboard alert list, unread count; never traded). */
export const alertNoticeEventSchema = z.object({
  type: z.literal('alert'),
  at: z.number().int(),
  alertId: z.uuid(),
  source: z.string().min(1).max(64),
  kind: z.string().min(1).max(64),
  symbol: z.string().max(32).nullable(),
  message: z.string().min(1).max(2000),
  severity: z.enum(['info', 'warning', 'critical']),
});
export type AlertNoticeEvent = z.output<typeof alertNoticeEventSchema>;

/**
 * `events:account`: the exchange account as the engine last read it (every second): equity and balances
 * in the settlement currency. The dashboard's top bar shows it live.
 */
export const accountEventSchema = z.object({
  type: z.literal('account'),
  at: z.number().int(),
  currency: z.string().min(1).max(16),
  equity: plainDecimal,
  /** margin balance: wallet balance plus unrealised P&L of isolated margin held */
  balance: plainDecimal,
  availableBalance: plainDecimal,
  unrealisedPnl: plainDecimal,
  positionMargin: plainDecimal,
  orderMargin: plainDecimal,
});
export type AccountEvent = z.output<typeof accountEventSchema>;
