import { z } from 'zod';
import { DEFAULT_EXECUTION, executionSchema } from '../router/plan.ts';

/**
 * How a webhook source's alerts become positions. Stored in settings under `strategy:<source>`, edited
 * through `PUT /api/settings/strategies/{source}`, read by the engine for every signal. Per-symbol
 * overrides (`symbols`) replace the fields they name for that contract.
 */

const decimal = (re: RegExp, what: string) => z.string().regex(re, what);
const positive = decimal(/^(?!0+(\.0+)?$)\d{1,12}(\.\d{1,8})?$/, 'a positive decimal string');

export const sizingSchema = z.discriminatedUnion('method', [
  z.object({
    method: z.literal('fixed_notional'),
    /** USDT notional per entry at the reference price */
    notional: positive,
  }),
  z.object({ method: z.literal('fixed_lots'), lots: z.number().int().positive().max(1_000_000) }),
  z.object({
    method: z.literal('equity_fraction'),
    /** percentage of account equity as notional (1 = 1 %) */
    pct: positive,
  }),
  z.object({
    method: z.literal('risk'),
    /** percentage of equity lost if the stop is hit (1 = 1 %); absent: the risk limit `riskPerTradePct` */
    riskPct: positive.optional(),
  }),
]);
export type Sizing = z.output<typeof sizingSchema>;

export const stopSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('atr'),
    /** stop distance = multiple × ATR(period) on `timeframe` candles from our indicators */
    multiple: positive.default('2'),
    period: z.number().int().min(2).max(200).default(14),
    timeframe: z.enum(['1m', '5m', '15m', '1h', '4h']).default('1m'),
    /**
     * floor: the stop is never closer than this percentage of the entry price (1 = 1 %), however quiet
     * the market's ATR; absent, no floor. Never a fallback: without an ATR there is no stop distance.
     */
    minPct: positive.optional(),
  }),
  z.object({
    kind: z.literal('pct'),
    /** stop distance as a percentage of the entry price (1 = 1 %) */
    pct: positive,
  }),
]);
export type StopRule = z.output<typeof stopSchema>;

const strategyFields = {
  /** `signal`: buy/sell/close/reverse with the sizing rules; `target`: trade to market_position × position_size × multiplier */
  mode: z.enum(['signal', 'target']),
  enabled: z.boolean(),
  /** target mode: lots per unit of TradingView's position_size */
  multiplier: positive,
  allowOpen: z.boolean(),
  allowClose: z.boolean(),
  allowReverse: z.boolean(),
  allowScaleIn: z.boolean(),
  leverage: z.number().int().min(1).max(125),
  marginMode: z.enum(['ISOLATED', 'CROSS']),
  /** our score (0..1) below which an entry is refused; null: no minimum */
  minScore: z.number().min(0).max(1).nullable(),
  /** the ONNX model's gate: recorded only, or blocking entries it does not pass */
  modelGate: z.enum(['record', 'block']),
  sizing: sizingSchema,
  /** scale the entry size by the score (0..1), never above the unscaled size */
  scaleByScore: z.boolean(),
  stop: stopSchema,
  /** take-profit levels at R multiples of the stop distance, each closing a fraction of the position */
  takeProfits: z
    .array(z.object({ r: positive, fraction: decimal(/^(0?\.\d{1,4}|1(\.0+)?)$/, 'a fraction in (0, 1]') }))
    .max(5),
  /** engine-managed trailing stop: once price moved `activateR` × stop distance, trail at `distanceR` (ratchet only) */
  trailing: z.object({ activateR: positive, distanceR: positive }).nullable(),
  /** how entries are executed: the smart order router's style and slippage budget (docs/router.md) */
  execution: executionSchema.prefault({}),
};

// An override names the fields it replaces: no default may fill in one it does not name.
const overrideSchema = z
  .object({ ...strategyFields, execution: executionSchema })
  .partial()
  .strict();

export const strategyConfigSchema = z
  .object({
    ...strategyFields,
    symbols: z.record(z.string().regex(/^[A-Z0-9]{2,20}M$/), overrideSchema),
  })
  .strict();
export type StrategyConfig = z.output<typeof strategyConfigSchema>;
export type StrategyConfigInput = z.input<typeof strategyConfigSchema>;
export type EffectiveStrategy = Omit<StrategyConfig, 'symbols'>;

/** The paper default `enigma start` gives its TradingView source: small, protected, signal mode. */
export const DEFAULT_STRATEGY: StrategyConfig = Object.freeze({
  mode: 'signal',
  enabled: true,
  multiplier: '1',
  allowOpen: true,
  allowClose: true,
  allowReverse: true,
  allowScaleIn: false,
  leverage: 5,
  marginMode: 'ISOLATED',
  minScore: null,
  modelGate: 'record',
  sizing: { method: 'fixed_notional', notional: '100' },
  scaleByScore: false,
  // 2 × ATR(14) on 1m, never closer than 0.5 %: a quiet minute's ATR alone put the stop 0.04 % from the
  // entry, so the newcomer's first position was stopped out within seconds.
  stop: { kind: 'atr', multiple: '2', period: 14, timeframe: '1m', minPct: '0.5' },
  takeProfits: [],
  trailing: null,
  execution: DEFAULT_EXECUTION,
  symbols: {},
}) as StrategyConfig;

/** Settings key of a source's strategy. */
export const strategyKey = (source: string) => `strategy:${source}`;

/** The configuration for one contract: the source's fields with that contract's overrides. */
export function effectiveStrategy(config: StrategyConfig, symbol: string): EffectiveStrategy {
  const { symbols, ...base } = config;
  return { ...base, ...(symbols[symbol] ?? {}) };
}
