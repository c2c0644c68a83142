import { CONTRACTS } from '@enigma/core/contract/index';
import { type OrderPreview, previewOrder } from '@enigma/core/contract/preview';
import { toMoney } from '@enigma/core/money';
import { type RiskLimits, RiskLimitsError, resolveRiskLimits } from '@enigma/core/risk/limits';
import { KILL_SWITCH_KEY, RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import { candles, positions, settings } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const decimal = z.string().regex(/^(\d+\.?\d*|\.\d+)$/, 'must be a positive decimal string');
const money = (description: string) => z.string().openapi({ description, example: '60.5' });

const PreviewRequest = z
  .object({
    symbol: z.string().min(1).max(32).openapi({ example: 'XBTUSDTM' }),
    side: z.enum(['buy', 'sell']),
    orderType: z.enum(['market', 'limit']),
    size: z.number().int().positive().max(1_000_000).openapi({ description: 'integer lots' }),
    price: decimal.optional().openapi({ description: 'limit price; a market order uses the last price' }),
    leverage: z.number().int().min(1).max(125).default(1),
    marginMode: z.enum(['isolated', 'cross']).default('isolated'),
    reduceOnly: z.boolean().default(false),
    postOnly: z.boolean().default(false),
    stopLoss: decimal.optional(),
    takeProfit: decimal.optional(),
  })
  .openapi('OrderPreviewRequest');

const PreviewResponse = z
  .object({
    symbol: z.string(),
    price: money('the limit price, or the last price a market order is previewed at'),
    priceSource: z.enum(['limit', 'last_candle']),
    notional: money('|lots| × multiplier × price'),
    margin: money('initial margin: notional / leverage'),
    fees: money('opening fee plus the closing fee at the stop (or entry)'),
    liquidationPrice: money('isolated liquidation price').nullable(),
    liquidationDistancePct: money('distance from entry to liquidation, %').nullable(),
    stopDistance: money('|entry − stop|').nullable(),
    stopDistancePct: money('stop distance, % of entry').nullable(),
    worstCaseLoss: money('loss at the stop plus fees; without a stop the margin (isolated)'),
    allowed: z.boolean().openapi({ description: 'false when a blocking check fails' }),
    checks: z.array(
      z.object({ code: z.string(), ok: z.boolean(), blocking: z.boolean(), message: z.string() }),
    ),
  })
  .openapi('OrderPreview');

const previewRoute = createRoute({
  method: 'post',
  path: '/orders/preview',
  tags: ['orders'],
  summary: 'What an order would cost and risk, and which risk checks would block it (nothing is sent)',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: { body: { content: { 'application/json': { schema: PreviewRequest } } } },
  responses: {
    200: { description: 'Preview', content: { 'application/json': { schema: PreviewResponse } } },
    ...errorResponses,
  },
});

const str = (d: { toString(): string } | null) => (d === null ? null : d.toString());

function serialise(symbol: string, source: 'limit' | 'last_candle', p: OrderPreview, dp: number) {
  const fixed = (d: OrderPreview['margin'] | null, places = 4) =>
    d === null ? null : d.toDecimalPlaces(places).toString();
  return {
    symbol,
    price: p.price.toString(),
    priceSource: source,
    notional: fixed(p.notional)!,
    margin: fixed(p.margin)!,
    fees: fixed(p.fees)!,
    liquidationPrice: fixed(p.liquidationPrice, dp),
    liquidationDistancePct: fixed(p.liquidationDistancePct, 2),
    stopDistance: str(p.stopDistance),
    stopDistancePct: fixed(p.stopDistancePct, 2),
    worstCaseLoss: fixed(p.worstCaseLoss)!,
    allowed: p.allowed,
    checks: p.checks,
  };
}

/** POST /api/orders/preview: the ticket's risk preview, computed by core's previewOrder. */
export function registerPreview(api: OpenAPIHono<AppEnv>): void {
  api.openapi(previewRoute, async (c) => {
    const db = c.get('deps').db;
    const q = c.req.valid('json');
    const spec = CONTRACTS[q.symbol];
    if (!spec)
      throw new ApiError('validation_failed', `unknown contract ${q.symbol}`, {
        known: Object.keys(CONTRACTS),
      });
    if (q.orderType === 'limit' && !q.price)
      throw new ApiError('validation_failed', 'a limit order needs a price', { field: 'price' });
    let price = q.orderType === 'limit' ? q.price : undefined;
    if (!price) {
      const [last] = await db
        .select({ close: candles.close })
        .from(candles)
        .where(and(eq(candles.symbol, q.symbol), eq(candles.timeframe, '1m')))
        .orderBy(desc(candles.openTime))
        .limit(1);
      if (!last) throw new ApiError('validation_failed', `no price yet for ${q.symbol}: give a limit price`);
      price = last.close;
    }
    const rows = await db
      .select()
      .from(settings)
      .where(inArray(settings.key, [RISK_LIMITS_KEY, KILL_SWITCH_KEY]));
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    // the limits the engine applies: the stored row over its defaults
    let limits: RiskLimits | null = null;
    try {
      limits = resolveRiskLimits(byKey.get(RISK_LIMITS_KEY));
    } catch (error) {
      if (!(error instanceof RiskLimitsError)) throw error;
    }
    const kill = (byKey.get(KILL_SWITCH_KEY) ?? {}) as { on?: unknown };
    const open = await db
      .select({ symbol: positions.symbol, qty: positions.qty })
      .from(positions)
      .where(ne(positions.qty, 0));
    const preview = previewOrder(
      {
        spec,
        side: q.side,
        lots: q.size,
        price: toMoney(price),
        leverage: q.leverage,
        marginMode: q.marginMode,
        liquidity: q.orderType === 'limit' && q.postOnly ? 'maker' : 'taker',
        reduceOnly: q.reduceOnly,
        stopLoss: q.stopLoss ? toMoney(q.stopLoss) : undefined,
        takeProfit: q.takeProfit ? toMoney(q.takeProfit) : undefined,
      },
      {
        killSwitchOn: kill.on === true,
        limits: limits ?? {},
        currentLots: open.filter((p) => p.symbol === q.symbol).reduce((s, p) => s + p.qty, 0),
        openPositions: new Set(open.map((p) => p.symbol)).size,
      },
    );
    if (!limits)
      preview.checks.unshift({
        code: 'risk_limits_invalid',
        ok: false,
        blocking: true,
        message: 'the stored risk limits do not parse: the engine blocks every entry',
      });
    const source = q.orderType === 'limit' ? 'limit' : 'last_candle';
    const result = { ...preview, allowed: preview.allowed && limits !== null };
    return c.json(serialise(q.symbol, source, result, spec.tickSize.decimalPlaces()), 200);
  });
}
