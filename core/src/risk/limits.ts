import { z } from 'zod';

/**
 * The one risk-limits schema: stored in settings under `risk.limits`, written by the API
 * (`PUT /api/settings/risk-limits`), read by the engine. Units are in the field names and
 * descriptions: `…Pct` fields are percentages where 1 means 1 % (not 100 %); money is USDT as a
 * decimal string; sizes are whole lots. An ABSENT field means the default in `DEFAULT_RISK_LIMITS`,
 * never "unlimited". A stored value that does not parse is an error (`RiskLimitsError`), never `{}`.
 */

const usdt = (what: string) =>
  z
    .string()
    .regex(/^\d{1,15}(\.\d{1,8})?$/, 'a non-negative USDT amount as a decimal string, e.g. "2500.50"')
    .describe(what);
const pct = (what: string) =>
  z
    .string()
    .regex(/^\d{1,3}(\.\d{1,6})?$/, 'a percentage as a decimal string where "1" means 1 %')
    .refine((s) => Number(s) <= 100, 'at most 100 (percent)')
    .describe(what);

export const riskLimitsSchema = z
  .object({
    maxLeverage: z
      .number()
      .int()
      .min(1)
      .max(125)
      .describe('highest leverage an order may use (times); the contract maximum also applies'),
    maxPositionLots: z
      .record(z.string().regex(/^[A-Z0-9]{2,20}M$/), z.number().int().positive())
      .describe('per-contract cap on |position| in lots after the order; contracts not listed: no lot cap'),
    maxPositionNotional: usdt('cap on one contract’s |position| notional at mark, USDT, after the order'),
    maxTotalExposure: usdt('cap on the sum of |notional| of all positions at mark, USDT, after the order'),
    maxOpenPositions: z
      .number()
      .int()
      .min(0)
      .max(100)
      .describe('most contracts with an open position; an order opening another one beyond it is blocked'),
    maxOrderLots: z.number().int().positive().describe('largest single order, lots'),
    maxOrderNotional: usdt('largest single order notional at the reference price, USDT'),
    priceCollarPct: pct('reference price must lie within ± this percentage of the mark price'),
    minLiquidationDistanceMultiple: z
      .string()
      .regex(/^\d{1,4}(\.\d{1,4})?$/)
      .describe(
        'distance entry → liquidation price must be at least this multiple of entry → stop (e.g. "2")',
      ),
    maxDataAgeMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .describe('mark price and book older than this (ms) block new entries'),
    maxDailyLoss: usdt(
      'breaker: realised loss since 00:00 UTC (net of fees, funding) that halts new entries',
    ),
    maxDrawdownPct: pct('breaker: equity drop from its peak, percent, that halts trading'),
    maxConsecutiveLosses: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .describe('breaker: losing trades in a row that pause new entries for `lossCooldownMinutes`'),
    lossCooldownMinutes: z
      .number()
      .int()
      .min(0)
      .max(10_080)
      .describe('pause after consecutive losses, minutes'),
    maxExchangeErrorPct: pct(
      'breaker: share of failed exchange calls (last 5 min, ≥ 10 calls) that sets reduce-only',
    ),
    riskPerTradePct: pct('sizing "risk": equity percentage lost if the stop is hit'),
  })
  .partial()
  .strict();

export type RiskLimitsInput = z.input<typeof riskLimitsSchema>;
export type StoredRiskLimits = z.output<typeof riskLimitsSchema>;
export type RiskLimits = Required<StoredRiskLimits>;

/** What an absent limit means. Conservative: a newcomer's paper account cannot take a large position. */
export const DEFAULT_RISK_LIMITS: RiskLimits = Object.freeze({
  maxLeverage: 10,
  maxPositionLots: Object.freeze({}),
  maxPositionNotional: '5000',
  maxTotalExposure: '20000',
  maxOpenPositions: 5,
  maxOrderLots: 10_000,
  maxOrderNotional: '5000',
  priceCollarPct: '2',
  minLiquidationDistanceMultiple: '2',
  maxDataAgeMs: 15_000,
  maxDailyLoss: '500',
  maxDrawdownPct: '20',
  maxConsecutiveLosses: 5,
  lossCooldownMinutes: 60,
  maxExchangeErrorPct: '50',
  riskPerTradePct: '1',
}) as RiskLimits;

/** The circuit breakers the engine keeps (persisted in `circuit_breakers`, reset by an admin through the API). */
export const BREAKER_NAMES = [
  'daily_loss',
  'drawdown',
  'consecutive_losses',
  'exchange_errors',
  'stale_data',
] as const;
export type BreakerName = (typeof BREAKER_NAMES)[number];

/** A breaker's state: active (trading), reduce_only (only orders that shrink a position), halted. */
export type BreakerState = 'active' | 'reduce_only' | 'halted';
const BREAKER_RANK: Record<BreakerState, number> = { active: 0, reduce_only: 1, halted: 2 };

/**
 * The state in force over every breaker: the worst of them, where one whose `resumeAt` has passed (a
 * loss pause past its cooldown) counts as active. The engine's and the order preview's one rule.
 */
export function worstBreaker(
  rows: Iterable<{ state: string; resumeAt: Date | null }>,
  now: number,
): BreakerState {
  let worst: BreakerState = 'active';
  for (const b of rows) {
    if (b.resumeAt && b.resumeAt.getTime() <= now) continue;
    const state = (b.state in BREAKER_RANK ? b.state : 'halted') as BreakerState;
    if (BREAKER_RANK[state] > BREAKER_RANK[worst]) worst = state;
  }
  return worst;
}

export class RiskLimitsError extends Error {
  override readonly name = 'RiskLimitsError';
}

/**
 * The limits in force: the stored value over the defaults. A missing row means the defaults; a row
 * that does not parse throws (the engine then blocks every entry with `risk_limits_invalid`).
 */
export function resolveRiskLimits(stored: unknown): RiskLimits {
  if (stored === undefined || stored === null) return { ...DEFAULT_RISK_LIMITS };
  const parsed = riskLimitsSchema.safeParse(stored);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RiskLimitsError(`stored risk limits do not parse: ${issues.join('; ')}`);
  }
  // An explicit `undefined` is absent too: it must not override the default.
  const present = Object.entries(parsed.data).filter(([, v]) => v !== undefined);
  return { ...DEFAULT_RISK_LIMITS, ...Object.fromEntries(present) } as RiskLimits;
}
