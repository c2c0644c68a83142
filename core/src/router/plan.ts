import Decimal from 'decimal.js';
import { z } from 'zod';
import { type BookSide, depthWithin, midOf, protectedLimit, type Side, type Walk, walkBook } from './book.ts';

/**
 * The smart order router's decisions, pure: which execution style an order gets, its price protection,
 * a TWAP's slices and a limit chase's next step. The engine runs them (long-running/src/router).
 */

export const EXECUTION_STYLES = ['market', 'limit_chase', 'twap', 'iceberg'] as const;
export type ExecutionStyle = (typeof EXECUTION_STYLES)[number];

/** How a strategy's entries are executed (`execution` in a source's strategy configuration). */
export const executionSchema = z
  .object({
    /** `auto`: chosen from the book (depth within the budget vs the size); otherwise always this style */
    style: z.enum(['auto', ...EXECUTION_STYLES]).default('market'),
    /**
     * the slippage budget in bps from the touch: taker orders are IOC limits at touch ± budget. At most
     * 2 %: KuCoin refuses limit prices beyond about 5 % of the mark (300011/300012) and the risk limits'
     * price collar (2 % by default) refuses them earlier.
     */
    slippageBps: z.number().min(0).max(200).default(50),
    twap: z
      .object({
        slices: z.number().int().min(2).max(100).default(5),
        durationSeconds: z.number().int().min(1).max(86_400).default(60),
      })
      .strict()
      .prefault({}),
    chase: z
      .object({
        /** stop chasing when the touch has moved this many ticks against the order since it started */
        maxTicks: z.number().int().min(0).max(10_000).default(10),
        maxSeconds: z.number().min(1).max(3_600).default(30),
        /** how often the touch is compared with the resting order's price */
        repriceMs: z.number().int().min(100).max(60_000).default(1_000),
        /** what happens to the rest at the limit: `taker` (IOC within the budget) or `stop` (reported unfilled) */
        fallback: z.enum(['taker', 'stop']).default('taker'),
      })
      .strict()
      .prefault({}),
    iceberg: z
      .object({
        /** the shown size; null: a tenth of the order (never below KuCoin's 1/20 of the size) */
        visibleLots: z.number().int().positive().nullable().default(null),
        /** what has not filled after this long is cancelled and reported */
        maxSeconds: z.number().min(1).max(86_400).default(60),
      })
      .strict()
      .prefault({}),
    /** `auto` never splits into more TWAP slices than this */
    maxAutoSlices: z.number().int().min(2).max(100).default(10),
  })
  .strict();
export type ExecutionConfig = z.output<typeof executionSchema>;
export const DEFAULT_EXECUTION: ExecutionConfig = executionSchema.parse({});

export interface RouteInput {
  side: Side;
  lots: number;
  book: BookSide;
  tickSize: Decimal;
  config: ExecutionConfig;
  /** a style named by the signal or the order ticket: wins over the configuration */
  requested?: ExecutionStyle | null;
}

export type Route =
  | { ok: false; code: 'no_book'; message: string }
  | {
      ok: true;
      style: ExecutionStyle;
      /** why this style (auto: the depth figures) */
      reason: string;
      /** the decision-time mid: slippage and shortfall are measured against it */
      mid: Decimal;
      /** the best price on the side the order takes from */
      touch: Decimal;
      /** the protected taker limit (touch ± budget on the tick grid) */
      limit: Decimal;
      /** lots the book shows within the budget */
      depthWithinBudget: number;
      /** the estimated fill of the whole size as one taker order within the budget */
      estimate: Walk;
      /** TWAP slices (auto or configured) */
      slices: number;
      /**
       * auto TWAP: the first slice's lots, everything the book holds within the budget now (the rest is
       * spread over the others); null: equal slices
       */
      firstLots: number | null;
    };

/**
 * Pick the style. Auto: one protected taker order when the book holds the size within the budget; a
 * front-loaded TWAP when it holds only part: the first slice takes at once everything the book holds
 * within the budget (exactly what a plain market order would get for those lots), and only the rest
 * waits, in as many slices as it needs at that depth (capped), so the timing risk a TWAP takes is
 * limited to the part one order could not have had within the budget; a passive limit chase when
 * nothing at all is inside the budget (the spread alone is wider). No book: no route (fail closed).
 */
export function route(input: RouteInput): Route {
  const { side, lots, book, tickSize, config } = input;
  if (!Number.isSafeInteger(lots) || lots <= 0) throw new RangeError(`lots must be whole and > 0: ${lots}`);
  const mid = midOf(book);
  const touch = (side === 'buy' ? book.asks : book.bids)[0]?.price;
  if (!mid || !touch) return { ok: false, code: 'no_book', message: 'no two-sided order book: cannot route' };
  const limit = protectedLimit(side, touch, config.slippageBps, tickSize);
  const depth = depthWithin(book, side, limit);
  const estimate = walkBook(book, side, lots, limit);
  const common = { ok: true as const, mid, touch, limit, depthWithinBudget: depth, estimate };
  const wanted = input.requested ?? (config.style === 'auto' ? null : config.style);
  if (wanted) {
    const slices = wanted === 'twap' ? Math.min(config.twap.slices, lots) : 1;
    return { ...common, style: wanted, reason: `${wanted} (named)`, slices, firstLots: null };
  }
  const figures = `${depth} lots within ${config.slippageBps} bps for ${lots}`;
  if (depth >= lots)
    return { ...common, style: 'market', reason: `auto: ${figures}`, slices: 1, firstLots: null };
  if (depth === 0)
    return {
      ...common,
      style: 'limit_chase',
      reason: `auto: ${figures} (spread beyond budget)`,
      slices: 1,
      firstLots: null,
    };
  const rest = lots - depth;
  const slices = Math.min(config.maxAutoSlices, 1 + Math.ceil(rest / depth));
  return {
    ...common,
    style: 'twap',
    reason: `auto: ${figures}: ${depth} at once, ${rest} in ${slices - 1} more slice${slices > 2 ? 's' : ''}`,
    slices,
    firstLots: depth,
  };
}

export interface Slice {
  index: number;
  lots: number;
  /** from the parent's start */
  offsetMs: number;
}

/**
 * A TWAP's slices: `lots` in `slices` whole-lot parts (the first ones one lot larger when it does not
 * divide), evenly spaced over `durationMs` starting at once. Sums to `lots` exactly. With `firstLots`
 * (auto's front-loaded TWAP) the first slice is that size and the rest is divided over the others.
 */
export function twapSlices(
  lots: number,
  slices: number,
  durationMs: number,
  firstLots: number | null = null,
): Slice[] {
  if (!Number.isSafeInteger(lots) || lots <= 0) throw new RangeError(`lots must be whole and > 0: ${lots}`);
  if (!Number.isSafeInteger(slices) || slices <= 0) throw new RangeError(`slices must be > 0: ${slices}`);
  if (!(durationMs >= 0)) throw new RangeError(`duration must be ≥ 0: ${durationMs}`);
  if (firstLots !== null && (!Number.isSafeInteger(firstLots) || firstLots <= 0))
    throw new RangeError(`the first slice must be whole and > 0: ${firstLots}`);
  const front = firstLots !== null && firstLots < lots && slices > 1 ? firstLots : null;
  const n = front === null ? Math.min(slices, lots) : 1 + Math.min(slices - 1, lots - front);
  const step = n > 1 ? durationMs / n : 0;
  const parts = front === null ? equalParts(lots, n) : [front, ...equalParts(lots - front, n - 1)];
  return parts.map((part, i) => ({ index: i, lots: part, offsetMs: Math.round(i * step) }));
}

/** `lots` in `n` whole parts, the first ones one lot larger when it does not divide. */
function equalParts(lots: number, n: number): number[] {
  const base = Math.floor(lots / n);
  const extra = lots - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The shown size of a native iceberg: configured, else a tenth; at least 1/20 of the size (KuCoin). */
export function icebergVisible(lots: number, visibleLots: number | null): number {
  const floor = Math.ceil(lots / 20);
  const wanted = visibleLots ?? Math.ceil(lots / 10);
  return Math.min(lots, Math.max(floor, wanted, 1));
}

export interface ChaseState {
  startedAt: number;
  /** the passive touch when the chase started */
  firstTouch: Decimal;
  /** the resting order's price, null when none rests */
  price: Decimal | null;
}

export type ChaseStep =
  | { action: 'keep' }
  | { action: 'reprice'; price: Decimal }
  | { action: 'fallback'; reason: string };

/**
 * One step of a limit chase: the order rests post-only at the passive touch (a buy at the best bid);
 * when the touch moves it is re-priced to it, until the touch has moved `maxTicks` against the order
 * or `maxSeconds` have passed, then the fallback takes over.
 */
export function chaseStep(
  side: Side,
  state: ChaseState,
  passiveTouch: Decimal | null,
  now: number,
  cfg: ExecutionConfig['chase'],
  tick: Decimal,
): ChaseStep {
  if (now - state.startedAt >= cfg.maxSeconds * 1000)
    return { action: 'fallback', reason: `chase time limit (${cfg.maxSeconds} s)` };
  if (!passiveTouch) return { action: 'fallback', reason: 'no touch to chase (book empty)' };
  const against =
    side === 'buy' ? passiveTouch.minus(state.firstTouch) : state.firstTouch.minus(passiveTouch);
  const ticks = against.div(tick);
  if (ticks.gt(cfg.maxTicks))
    return {
      action: 'fallback',
      reason: `touch moved ${ticks.toFixed(0)} ticks against the chase (limit ${cfg.maxTicks})`,
    };
  if (state.price?.eq(passiveTouch)) return { action: 'keep' };
  return { action: 'reprice', price: passiveTouch };
}

export interface ExecutionQuality {
  /** lots filled / lots asked */
  fillRatio: Decimal;
  /** average fill vs the decision-time mid, bps (positive = cost); null without a fill */
  slippageBps: Decimal | null;
  /**
   * Implementation shortfall in quote currency against a paper trade of the whole size at the
   * decision-time mid: the filled part's cost plus, when `finalMid` is known, the unfilled part's
   * opportunity cost (how far the market moved away from it). Positive = cost.
   */
  shortfall: Decimal;
}

export function executionQuality(q: {
  side: Side;
  lots: number;
  filledLots: number;
  avgFillPrice: Decimal | null;
  decisionMid: Decimal;
  multiplier: Decimal;
  finalMid?: Decimal | null;
}): ExecutionQuality {
  const sign = q.side === 'buy' ? 1 : -1;
  const filled = q.filledLots > 0 && q.avgFillPrice ? q.filledLots : 0;
  const paid =
    filled > 0
      ? q.avgFillPrice!.minus(q.decisionMid).mul(sign).mul(q.multiplier).mul(filled)
      : new Decimal(0);
  const unfilled = Math.max(0, q.lots - filled);
  const missed =
    unfilled > 0 && q.finalMid
      ? q.finalMid.minus(q.decisionMid).mul(sign).mul(q.multiplier).mul(unfilled)
      : new Decimal(0);
  return {
    fillRatio: q.lots > 0 ? new Decimal(filled).div(q.lots) : new Decimal(0),
    slippageBps:
      filled > 0 ? q.avgFillPrice!.minus(q.decisionMid).mul(sign).div(q.decisionMid).mul(10_000) : null,
    shortfall: paid.plus(missed),
  };
}
