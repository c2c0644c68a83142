import { z } from 'zod';
import { canonicalJson } from '../canonical-json.ts';
import { checkDecimal, checkFiniteNumber, type DecimalRule } from '../decimal-text.ts';
import { EXECUTION_STYLES } from '../router/plan.ts';
import { SignalParseError } from './errors.ts';

/** A number that may arrive as a JSON string; NaN, Infinity, overlong and non-numeric text are refused. */
const finite = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const r = checkFiniteNumber(v);
  if (!r.ok) {
    ctx.addIssue({
      code: 'custom',
      message: `${r.reason}: ${JSON.stringify(v).slice(0, 40)}`,
      params: NUMBER_ISSUE,
    });
    return z.NEVER;
  }
  return r.value;
});

/** Marks an issue as a bad number, so the parser answers `invalid_number`. */
export const NUMBER_ISSUE = { number: true } as const;

/** A decimal kept as its canonical string so money never passes through a float (see core/decimal-text). */
const decimalString = (rule: DecimalRule) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const r = checkDecimal(v, rule);
    if (!r.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `${r.reason}: ${JSON.stringify(v).slice(0, 40)}`,
        params: NUMBER_ISSUE,
      });
      return z.NEVER;
    }
    return r.value;
  });

/** TradingView's three market positions, in any case; anything else names the field and the value. */
const marketPosition = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = String(v).trim().toLowerCase();
  if (s === 'long' || s === 'short' || s === 'flat') return s;
  ctx.addIssue({
    code: 'custom',
    message: `must be long, short or flat: ${JSON.stringify(v).slice(0, 40)}`,
  });
  return z.NEVER;
});

const shortText = (max: number) =>
  z.union([z.string(), z.number()]).transform((v) => String(v).slice(0, max));

/** The indicator block of the original design; every value a finite number (string or JSON number). */
export const indicatorsSchema = z
  .object({
    rsi: finite,
    macd: finite,
    macd_signal: finite,
    macd_hist: finite,
    bb_upper: finite,
    bb_middle: finite,
    bb_lower: finite,
    atr: finite,
    volume: finite,
    close: finite,
    open: finite,
    high: finite,
    low: finite,
  })
  .partial()
  .catchall(finite);

/**
 * The TradingView alert message of the original design plus TradingView's common strategy fields,
 * after key aliases are resolved (see `normaliseKeys`). Unknown top-level keys are ignored.
 */
export const tradingViewPayloadSchema = z.object({
  secret: z.string().max(512).optional(),
  timestamp: z.union([z.string().max(64), z.number()]).optional(),
  exchange: z.string().max(32).optional(),
  symbol: z.string().min(1).max(64),
  interval: shortText(16).optional(),
  action: z.string().min(1).max(32),
  /** a price is always above zero */
  price: decimalString({ sign: 'positive' }).optional(),
  /**
   * TradingView `{{strategy.order.contracts}}`: the order's size in the strategy's own units, above zero.
   * Fractional on most coin strategies (0.015 BTC); the engine reads it only as a share of the position
   * (a partial exit), never as lots.
   */
  contracts: decimalString({ sign: 'positive' }).optional(),
  /** the strategy's position after the order (TradingView: signed, 0 when flat) */
  position_size: decimalString({ sign: 'any' }).optional(),
  /**
   * TradingView `{{strategy.market_position}}` / `{{strategy.prev_market_position}}`: long, short or flat
   * (any case, trimmed; stored lower-case). Anything else is refused here: the engine reads the field as
   * what to hold (a `sell` with `flat` closes a long, with `short` opens a short), so an unreadable value
   * ignored there would trade the bare action — a typo'd `flat` opening a short.
   */
  market_position: marketPosition.optional(),
  prev_market_position: marketPosition.optional(),
  order_id: shortText(128).optional(),
  comment: shortText(512).optional(),
  alert_message: shortText(2048).optional(),
  /** the router's style for this alert's entry (docs/router.md): wins over the strategy's configuration */
  execution: z.enum(EXECUTION_STYLES).optional(),
  indicators: indicatorsSchema.optional(),
  conditions: z
    .record(z.string().max(64), z.union([z.boolean(), z.number(), z.string().max(256)]))
    .optional(),
});
export type TradingViewPayload = z.output<typeof tradingViewPayloadSchema>;

/** Names people (and TradingView's own variable names) use for the fields above. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  ticker: 'symbol',
  side: 'action',
  order_action: 'action',
  'strategy.order.action': 'action',
  time: 'timestamp',
  timenow: 'timestamp',
  alert_time: 'timestamp',
  tf: 'interval',
  timeframe: 'interval',
  qty: 'contracts',
  quantity: 'contracts',
  size: 'contracts',
  'strategy.order.contracts': 'contracts',
  positionsize: 'position_size',
  'strategy.position_size': 'position_size',
  marketposition: 'market_position',
  'strategy.market_position': 'market_position',
  prevmarketposition: 'prev_market_position',
  'strategy.prev_market_position': 'prev_market_position',
  orderid: 'order_id',
  id: 'order_id',
  'strategy.order.id': 'order_id',
  'strategy.order.comment': 'comment',
  alertmessage: 'alert_message',
  'strategy.order.alert_message': 'alert_message',
  'strategy.order.price': 'price',
  passphrase: 'secret',
  token: 'secret',
};

/**
 * The field a top-level key gives, after its alias (in any case): `qty` → `contracts`, `Side` → `action`.
 *
 * @example fieldOfKey('QTY') // 'contracts'
 */
export function fieldOfKey(key: string): string {
  const k = key.toLowerCase();
  return Object.hasOwn(KEY_ALIASES, k) ? (KEY_ALIASES[k] as string) : k;
}

/**
 * Fields a sender may give under several names with different values on purpose, by precedence (first
 * wins): TradingView's `{{time}}` is the bar's open and `{{timenow}}` the alert's firing, and an alert
 * may carry both; a chart's `{{ticker}}` (BTCUSDT.P on a Binance chart) beside the contract the trader
 * writes out as `symbol`. Among these names no value conflicts with another (the first present is read);
 * the same name twice with different values still does.
 */
const PRECEDENCE: Readonly<Record<string, readonly string[]>> = {
  timestamp: ['timestamp', 'timenow', 'alert_time', 'time'],
  symbol: ['symbol', 'ticker'],
};

/**
 * The name under which two keys of one body are compared for a conflict: the field they give (so `qty`
 * and a placeholder's `contracts` with other values are refused: which one was meant cannot be known),
 * except for the fields of `PRECEDENCE`, whose names are each their own.
 *
 * @example conflictNameOf('QTY') // 'contracts'
 * @example conflictNameOf('timenow') // 'timenow' (beside `time`, no conflict)
 */
export function conflictNameOf(key: string): string {
  const field = fieldOfKey(key);
  return Object.hasOwn(PRECEDENCE, field) ? key.toLowerCase() : field;
}

/**
 * Every top-level name a webhook route reads: the alert's fields and their aliases, the fields of a
 * notice and of an indicator post (notices.ts) and `idempotency_key`. In a text body a value with
 * spaces may end only at one of these (text.ts); any other `key=` after it is refused as ambiguous.
 */
export const KNOWN_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(tradingViewPayloadSchema.shape),
  ...Object.keys(KEY_ALIASES),
  'type',
  'message',
  'severity',
  'timeframe',
  'values',
  'idempotency_key',
]);

/**
 * Lower-case top-level keys and resolve aliases. Two keys that give one field two different values
 * (`qty` and `contracts`, `side` and `order_action`, `Action` and `action`) are refused, naming the field:
 * which one the sender meant cannot be known, and the real name does not win over an alias. The same
 * value under both (an object's keys in any order: `canonicalJson`) is one field. The fields of `PRECEDENCE` (the alert's time, the symbol) are read by
 * precedence instead, never refused as a conflict. This holds for every object, however it was decoded:
 * JSON bodies are refused before, keys repeated included (`parseGuardedJson`), and so are text pairs
 * (`parseTextBody`, whose leading `ACTION SYMBOL` words win over an alias: it drops the alias), but an
 * object handed to `parseSignalObject` directly meets the same rule here.
 *
 * @example normaliseKeys({ Side: 'buy', qty: '2' }) // { action: 'buy', contracts: '2' }
 * @example normaliseKeys({ qty: '2', contracts: '5' }) // throws invalid_payload, details { field: 'contracts' }
 */
export function normaliseKeys(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const named = new Set(Object.keys(input).map((k) => k.toLowerCase()));
  const from: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    const key = k.toLowerCase();
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new SignalParseError('forbidden_key', `forbidden key ${JSON.stringify(k)}`, { key: k });
    }
    const canonical = KEY_ALIASES[key] ?? key;
    // a field read by precedence (`time` beside `timenow`): a name ahead of this one is present
    const order = PRECEDENCE[canonical] ?? [];
    const rank = order.indexOf(key);
    if (rank > 0 && order.slice(0, rank).some((k) => named.has(k))) continue;
    if (Object.hasOwn(out, canonical) && canonicalJson(out[canonical]) !== canonicalJson(v))
      throw new SignalParseError(
        'invalid_payload',
        `${JSON.stringify(from[canonical])} and ${JSON.stringify(k)} both give ${canonical}, with different values`,
        { field: canonical },
      );
    out[canonical] = v;
    from[canonical] = k;
  }
  return out;
}
