import { z } from 'zod';
import { checkDecimal } from '../decimal-text.ts';

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

/** Operator commands the REST API publishes to the `commands` stream for the engine. */
export const placeOrderCommand = z
  .object({
    type: z.literal('place_order'),
    symbol,
    side: z.enum(['buy', 'sell']),
    orderType: z.enum(['market', 'limit']),
    /** integer lots */
    size: z.number().int().positive().max(1_000_000),
    price: price.optional(),
    reduceOnly: z.boolean().default(false),
    leverage: z.number().int().min(1).max(125).optional(),
    stopLoss: price.optional(),
    takeProfit: price.optional(),
  })
  .refine((c) => c.orderType === 'market' || c.price !== undefined, {
    message: 'a limit order needs a price',
    path: ['price'],
  });

export const cancelOrderCommand = z.object({
  type: z.literal('cancel_order'),
  orderId: z.string().min(1).max(64),
});
export const cancelAllCommand = z.object({ type: z.literal('cancel_all'), symbol: symbol.optional() });
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
  });
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
