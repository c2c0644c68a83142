import Decimal from 'decimal.js';
import { z } from 'zod';
import { CONTRACTS } from '../contract/specs.ts';
import { checkDecimal } from '../decimal-text.ts';
import {
  DEFAULT_EXECUTION,
  EXECUTION_STYLES,
  type ExecutionConfig,
  type ExecutionStyle,
  executionSchema,
} from '../router/plan.ts';

/**
 * A positive price as a decimal string (money never travels as a float), through the one decimal
 * validator: capped in length before its linear pattern (a 60,000-digit price is refused at once, not
 * after seconds of backtracking), exponent bounded, canonical plain form out.
 */
const price = z.string().transform((v, ctx) => {
  const r = checkDecimal(v, { sign: 'positive' });
  if (r.ok) return r.value;
  ctx.addIssue({ code: 'custom', message: `must be a positive decimal string: ${r.reason}` });
  return z.NEVER;
});
const symbol = z.string().regex(/^[A-Z0-9]{2,20}M$/, 'must be a KuCoin Futures contract, e.g. XBTUSDTM');

/** Order types an operator order may have: stop orders trigger on the mark price. */
export const ORDER_TYPES = ['market', 'limit', 'stop_market', 'stop_limit'] as const;
export type OperatorOrderType = (typeof ORDER_TYPES)[number];
/** What the ticket's "execution" select names: the router's styles, or `auto` (chosen from the book). */
export const TICKET_EXECUTION_STYLES = ['auto', ...EXECUTION_STYLES] as const;

/**
 * The router style of a market-type operator order: a style name (the alert's `execution` field, plus
 * `auto`), or a whole execution block (core/src/router/plan.ts, as in a strategy's configuration).
 */
export const operatorExecution = z.union([z.enum(TICKET_EXECUTION_STYLES), executionSchema]);

/**
 * The order ticket's fields: one home for the `place_order` command and the risk preview
 * (POST /api/orders/preview), so the two accept exactly the same order.
 */
const orderTicketShape = {
  symbol,
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(ORDER_TYPES),
  /** integer lots */
  size: z.number().int().positive().max(1_000_000),
  /** the limit price (limit, stop_limit) */
  price: price.optional(),
  /** a stop order's trigger, on the mark price: up when above the mark, down when below */
  stopPrice: price.optional(),
  reduceOnly: z.boolean().default(false),
  /** maker only: refused by the exchange rather than taking liquidity (limit orders) */
  postOnly: z.boolean().default(false),
  /** KuCoin's per-symbol margin mode (ISOLATED by default); an order in the other mode switches it first */
  marginMode: z.enum(['isolated', 'cross']).default('isolated'),
  leverage: z.number().int().min(1).max(125).optional(),
  stopLoss: price.optional(),
  takeProfit: price.optional(),
  /** the smart order router's style (market orders only): docs/router.md */
  execution: operatorExecution.optional(),
};

type TicketFields = {
  symbol: string;
  orderType: OperatorOrderType;
  price?: string | undefined;
  stopPrice?: string | undefined;
  stopLoss?: string | undefined;
  takeProfit?: string | undefined;
  postOnly: boolean;
  execution?: unknown;
};

/** The rules between fields, each issue naming its field. */
function ticketRules(c: TicketFields, ctx: z.RefinementCtx): void {
  const needsPrice = c.orderType === 'limit' || c.orderType === 'stop_limit';
  const isStop = c.orderType === 'stop_market' || c.orderType === 'stop_limit';
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
  if (needsPrice && c.price === undefined)
    issue('price', `a ${c.orderType.replace('_', ' ')} order needs a price`);
  if (!needsPrice && c.price !== undefined)
    issue('price', `a ${c.orderType.replace('_', ' ')} order takes no price`);
  if (isStop && c.stopPrice === undefined) issue('stopPrice', 'a stop order needs a stop price');
  if (!isStop && c.stopPrice !== undefined) issue('stopPrice', 'only a stop order takes a stop price');
  if (c.postOnly && c.orderType !== 'limit') issue('postOnly', 'post-only is for limit orders');
  if (c.execution !== undefined && c.orderType !== 'market')
    issue('execution', 'a router style is for market orders (the router prices its own children)');
  // KuCoin refuses a price off the contract's tick: refused here, naming the field, not after a 202.
  // The stop-loss and take-profit become exchange orders at those prices: refused alike (an off-tick
  // stop was refused by KuCoin after a 202, and the position flattened as unprotected).
  offTick(c, ['price', 'stopPrice', 'stopLoss', 'takeProfit'], issue);
}

/** Each given price field of `c` that is not a multiple of its contract's tick, as an issue naming it. */
function offTick<F extends string>(
  c: { symbol: string } & Partial<Record<F, string | null | undefined>>,
  fields: readonly F[],
  issue: (path: string, message: string) => void,
): void {
  const tick = CONTRACTS[c.symbol]?.tickSize;
  if (!tick) return;
  for (const field of fields) {
    const v = c[field];
    if (typeof v === 'string' && !new Decimal(v).mod(tick).isZero())
      issue(field, `must be a multiple of ${c.symbol}'s tick size ${tick.toFixed()}`);
  }
}

/** The ticket's order, as the risk preview reads it. */
export const orderTicketSchema = z.object(orderTicketShape).superRefine(ticketRules);
export type OrderTicket = z.output<typeof orderTicketSchema>;

/** Operator commands the REST API publishes to the `commands` stream for the engine. */
export const placeOrderCommand = z
  .object({ type: z.literal('place_order'), ...orderTicketShape })
  .superRefine(ticketRules);
export type PlaceOrderCommand = z.output<typeof placeOrderCommand>;

/**
 * The router's inputs for an operator order's `execution`: the configuration (defaults, or the block
 * given) and the style named (null: the configuration's, `auto` chooses from the book).
 */
export function operatorRouting(execution: z.output<typeof operatorExecution>): {
  config: ExecutionConfig;
  requested: ExecutionStyle | null;
} {
  if (typeof execution !== 'string') return { config: execution, requested: null };
  if (execution === 'auto') return { config: { ...DEFAULT_EXECUTION, style: 'auto' }, requested: null };
  return { config: DEFAULT_EXECUTION, requested: execution };
}

export const cancelOrderCommand = z.object({
  type: z.literal('cancel_order'),
  orderId: z.string().min(1).max(64),
});
export const cancelAllCommand = z.object({ type: z.literal('cancel_all'), symbol: symbol.optional() });

/**
 * The orders `cancel_all` cancels: entries (an alert's) and manual ones (the ticket's), of one contract
 * when it names one. Protective stops, take-profits and exits in flight stay: the engine keeps a
 * position's protection (a cancelled stop is placed again) and lets a close finish. The engine's
 * cancel-all and the dashboard's "Cancel all" button (shown only when there is one) both read it.
 */
export function cancelledByCancelAll(order: { symbol: string; purpose: string }, symbol?: string): boolean {
  return (symbol === undefined || order.symbol === symbol) && CANCEL_ALL_PURPOSES.has(order.purpose);
}
const CANCEL_ALL_PURPOSES: ReadonlySet<string> = new Set(['entry', 'manual']);
export const closePositionCommand = z.object({ type: z.literal('close_position'), symbol });
export const setTpSlCommand = z
  .object({
    type: z.literal('set_tpsl'),
    symbol,
    takeProfit: price.nullable().optional(),
    stopLoss: price.nullable().optional(),
  })
  .refine((c) => c.takeProfit !== undefined || c.stopLoss !== undefined, {
    message: 'give takeProfit, stopLoss or both (null clears one)',
  })
  .superRefine((c, ctx) =>
    offTick(c, ['stopLoss', 'takeProfit'], (path, message) =>
      ctx.addIssue({ code: 'custom', message, path: [path] }),
    ),
  );
export const killSwitchCommand = z.object({
  type: z.literal('kill_switch'),
  on: z.boolean(),
  reason: z.string().min(1).max(500),
  /** with `on`: also close every position reduce-only (default: keep positions, with their stops) */
  flatten: z.boolean().optional(),
});

export const operatorCommand = z.union([
  placeOrderCommand,
  cancelOrderCommand,
  cancelAllCommand,
  closePositionCommand,
  setTpSlCommand,
  killSwitchCommand,
]);
export type OperatorCommand = z.output<typeof operatorCommand>;

/** What a `commands` stream entry carries: the command plus who issued it and its idempotency key. */
export interface CommandEnvelope {
  commandId: string;
  issuedBy: string;
  issuedAt: number;
  idempotencyKey: string;
  command: OperatorCommand;
}
