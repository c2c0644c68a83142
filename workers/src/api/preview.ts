import { type OrderPreviewResponse, orderPreviewSchema } from '@enigma/core/api/responses';
import { CONTRACTS } from '@enigma/core/contract/index';
import { type OrderPreview, previewOrder } from '@enigma/core/contract/preview';
import { toMoney } from '@enigma/core/money';
import { type RiskLimits, RiskLimitsError, resolveRiskLimits, worstBreaker } from '@enigma/core/risk/limits';
import { KILL_SWITCH_KEY, RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import { orderTicketSchema } from '@enigma/core/signals/commands';
import { latestAccountBalance } from '@enigma/db/repositories/balances';
import { latestClose } from '@enigma/db/repositories/candles';
import { listBreakers } from '@enigma/db/repositories/circuit-breakers';
import { getMarkSamples } from '@enigma/db/repositories/market-samples';
import { selectedRiskLevel } from '@enigma/db/repositories/risk-limit-levels';
import { getSettingRows } from '@enigma/db/repositories/settings';
import { listPositions, tradedAccountId } from '@enigma/db/repositories/trading';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { OrderTicketBody, validated } from './commands.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const previewRoute = createRoute({
  method: 'post',
  path: '/orders/preview',
  tags: ['orders'],
  summary: 'What an order would cost and risk, and which risk checks would block it (nothing is sent)',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: { body: { content: { 'application/json': { schema: OrderTicketBody } } } },
  responses: {
    200: { description: 'Preview', content: { 'application/json': { schema: orderPreviewSchema } } },
    ...errorResponses,
  },
});

/**
 * The engine stores the exchange's balance every 5 s while it runs; an older one is not the account's
 * equity any more, and risk per trade is then reported unchecked (never checked against a stale figure).
 */
export const PREVIEW_BALANCE_MAX_AGE_MS = 30_000;

/**
 * The collector stores a mark sample per contract every 60 s: the newest within two of them is the mark
 * the `risk_limit` check values the position at (the higher of it and the price, as the engine's check);
 * none that recent, the position is valued at the order price, and the check says so.
 */
export const PREVIEW_MARK_MAX_AGE_MS = 120_000;

function serialise(
  symbol: string,
  source: 'limit' | 'stop' | 'last_candle',
  p: OrderPreview,
  dp: number,
): OrderPreviewResponse {
  // toFixed(): plain digits, never an exponent (the schema's decimal)
  const fixed = (d: OrderPreview['margin'] | null, places = 4) =>
    d === null ? null : d.toDecimalPlaces(places).toFixed();
  const str = (d: OrderPreview['margin'] | null) => (d === null ? null : d.toFixed());
  return {
    symbol,
    price: str(p.price)!,
    priceSource: source,
    notional: fixed(p.notional)!,
    margin: fixed(p.margin)!,
    fees: fixed(p.fees)!,
    liquidationPrice: fixed(p.liquidationPrice, dp),
    liquidationDistancePct: fixed(p.liquidationDistancePct, 2),
    stopDistance: str(p.stopDistance),
    stopDistancePct: fixed(p.stopDistancePct, 2),
    worstCaseLoss: fixed(p.worstCaseLoss)!,
    riskLevel: {
      level: p.riskLevel.level,
      maintainMargin: str(p.riskLevel.maintainMargin)!,
      maxNotional: str(p.riskLevel.maxNotional)!,
      maxLeverage: p.riskLevel.maxLeverage,
      basis: p.riskLevel.basis,
      readAt: p.riskLevel.readAt?.toISOString() ?? null,
      message: p.riskLevel.message,
    },
    allowed: p.allowed,
    checks: p.checks,
  };
}

/** POST /api/orders/preview: the ticket's risk preview, computed by core's previewOrder. */
export function registerPreview(api: OpenAPIHono<AppEnv>): void {
  api.openapi(previewRoute, async (c) => {
    const db = c.get('deps').db;
    // the same ticket the order command takes, validated by the same core schema
    const q = validated(orderTicketSchema, c.req.valid('json'), 'invalid order');
    const spec = CONTRACTS[q.symbol];
    if (!spec)
      throw new ApiError('validation_failed', `unknown contract ${q.symbol}`, {
        known: Object.keys(CONTRACTS),
        issues: [{ path: 'symbol', message: `unknown contract ${q.symbol}` }],
      });
    // a limit (or stop limit) at its price, a stop market about its stop price, a market at the last close
    const source = q.price ? 'limit' : q.stopPrice ? 'stop' : 'last_candle';
    // The reads are independent: they go out together.
    const now = c.get('deps').config.now();
    // The account the ticket trades: the engine's (its lease's; db tradedAccountId). Its positions, balance
    // and selected level are the ones the engine's check reads; no engine ever ran, none is known.
    const accountId = await tradedAccountId(db);
    const [last, stored, open, balance, breakers, level, marks] = await Promise.all([
      (q.price ?? q.stopPrice) ? null : latestClose(db, q.symbol, '1m'),
      getSettingRows(db, [RISK_LIMITS_KEY, KILL_SWITCH_KEY]),
      accountId ? listPositions(db, accountId, true) : [],
      accountId ? latestAccountBalance(db, spec.settleCurrency, accountId) : null,
      listBreakers(db),
      // the level selected on the contract as the engine last read it (an isolated order is judged at it)
      accountId ? selectedRiskLevel(db, q.symbol, accountId) : null,
      getMarkSamples(db, q.symbol, new Date(now - PREVIEW_MARK_MAX_AGE_MS), new Date(now + 1)),
    ]);
    const mark = marks.at(-1)?.markPrice;
    const price = q.price ?? q.stopPrice ?? last;
    if (!price) throw new ApiError('validation_failed', `no price yet for ${q.symbol}: give a limit price`);
    const byKey = new Map([...stored].map(([k, r]) => [k, r.value]));
    // the limits the engine applies: the stored row over its defaults
    let limits: RiskLimits | null = null;
    try {
      limits = resolveRiskLimits(byKey.get(RISK_LIMITS_KEY));
    } catch (error) {
      if (!(error instanceof RiskLimitsError)) throw error;
    }
    const kill = (byKey.get(KILL_SWITCH_KEY) ?? {}) as { on?: unknown };
    const equity =
      balance && now - balance.at.getTime() <= PREVIEW_BALANCE_MAX_AGE_MS
        ? toMoney(balance.equity)
        : undefined;
    const preview = previewOrder(
      {
        spec,
        side: q.side,
        lots: q.size,
        price: toMoney(price),
        // the engine's leverage for an order that names none (a new position)
        leverage: q.leverage ?? 5,
        marginMode: q.marginMode,
        liquidity: q.postOnly ? 'maker' : 'taker',
        reduceOnly: q.reduceOnly,
        orderType: q.orderType,
        stopLoss: q.stopLoss ? toMoney(q.stopLoss) : undefined,
        takeProfit: q.takeProfit ? toMoney(q.takeProfit) : undefined,
      },
      {
        killSwitchOn: kill.on === true,
        breaker: worstBreaker(breakers, now),
        limits: limits ?? {},
        currentLots: open.filter((p) => p.symbol === q.symbol).reduce((s, p) => s + p.qty, 0),
        openPositions: new Set(open.map((p) => p.symbol)).size,
        equity,
        mark: mark ? toMoney(mark) : undefined,
        selectedLevel: level
          ? {
              level: level.level,
              maintainMargin: level.maintainMargin === null ? null : toMoney(level.maintainMargin),
              maxNotional: level.maxNotional === null ? null : toMoney(level.maxNotional),
              at: level.at,
            }
          : undefined,
      },
    );
    if (!limits)
      preview.checks.unshift({
        code: 'risk_limits_invalid',
        ok: false,
        blocking: true,
        message: 'the stored risk limits do not parse: the engine blocks every entry',
      });
    const result = { ...preview, allowed: preview.allowed && limits !== null };
    // through the shared schema (core/src/api/responses.ts), as the dashboard reads it
    return c.json(
      orderPreviewSchema.parse(serialise(q.symbol, source, result, spec.tickSize.decimalPlaces())),
      200,
    );
  });
}
