import { z } from 'zod';
import { riskLimitsSchema } from '../risk/limits.ts';

/**
 * The REST API's response bodies: one home, read by the API (its OpenAPI document and the handlers,
 * which parse every row through these so they answer exactly these fields) and by the dashboard
 * (`web/`, its types are `z.output` of these). Decimals are strings (decimal.js on both sides),
 * sizes integer lots, times ISO 8601 strings in UTC.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const isoTime = z.iso.datetime({ offset: true });

/** Lifecycle of a signal, from intake to a protected position (the database checks it too). */
export const SIGNAL_STATUSES = [
  'received',
  'rejected',
  'duplicate',
  'stale',
  'invalid',
  'scored',
  'risk_blocked',
  'ordered',
  'filled',
  'protected',
  'closed',
  /** read by the engine and nothing to do (already at the target, nothing to close) */
  'ignored',
  'failed',
] as const;
export type SignalStatus = (typeof SIGNAL_STATUSES)[number];

/** A signal as `GET /api/signals` and the drill-down show it. */
export const signalSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    status: z.enum(SIGNAL_STATUSES),
    reason: z.string().nullable(),
    symbol: z.string().nullable(),
    rawSymbol: z.string().nullable(),
    action: z.string().nullable(),
    interval: z.string().nullable(),
    alertTime: isoTime.nullable(),
    receivedAt: isoTime,
    clientIp: z.string().nullable(),
    price: decimal.nullable(),
    contracts: z.string().nullable(),
    duplicateOf: z.uuid().nullable(),
    score: decimal.nullable(),
    payload: z.unknown(),
  })
  .meta({ id: 'Signal' });
export type Signal = z.output<typeof signalSchema>;

/** A stored candle of one contract and timeframe. */
export const candleSchema = z
  .object({
    symbol: z.string(),
    timeframe: z.string(),
    openTime: isoTime,
    open: decimal,
    high: decimal,
    low: decimal,
    close: decimal,
    volume: decimal,
    turnover: decimal.nullable(),
    trades: z.number().int().nullable(),
    source: z.string(),
  })
  .meta({ id: 'Candle' });
export type Candle = z.output<typeof candleSchema>;

/** An open position (signed integer lots) with its protective stop. */
export const positionSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid().nullable(),
    symbol: z.string(),
    qty: z.number().int(),
    avgEntryPrice: decimal.nullable(),
    markPrice: decimal.nullable(),
    liquidationPrice: decimal.nullable(),
    leverage: decimal.nullable(),
    marginMode: z.string().nullable(),
    unrealisedPnl: decimal,
    realisedPnl: decimal,
    fees: decimal,
    funding: decimal,
    signalId: z.uuid().nullable(),
    stopPrice: decimal.nullable(),
    stopOrderId: z.string().nullable(),
    stopConfirmedAt: isoTime.nullable(),
    unprotectedSince: isoTime.nullable(),
    takeProfits: z.array(
      z.object({ level: z.number(), price: decimal, lots: z.number().int(), clientOid: z.string() }),
    ),
    openedAt: isoTime.nullable(),
    updatedAt: isoTime,
  })
  .meta({ id: 'Position' });
export type Position = z.output<typeof positionSchema>;

/** An order as the engine recorded it (before and after it went to the exchange). */
export const orderSchema = z
  .object({
    id: z.uuid(),
    clientOid: z.string(),
    exchangeOrderId: z.string().nullable(),
    signalId: z.uuid().nullable(),
    commandId: z.uuid().nullable(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    purpose: z.string(),
    type: z.string(),
    price: decimal.nullable(),
    stopPrice: decimal.nullable(),
    size: z.number().int(),
    filledSize: z.number().int(),
    avgFillPrice: decimal.nullable(),
    leverage: decimal.nullable(),
    marginMode: z.string().nullable(),
    reduceOnly: z.boolean(),
    timeInForce: z.string().nullable(),
    status: z.string(),
    reason: z.string().nullable(),
    /** the smart order router's style (market, limit_chase, twap, iceberg); null for stops and commands */
    execStyle: z.string().nullable(),
    /** the mid price when the order was decided: the execution figures are measured against it */
    decisionMid: decimal.nullable(),
    /** the estimated cost from walking the book at the decision (bps; auto style only) */
    estCostBps: decimal.nullable(),
    /** realised: average fill against decisionMid, bps, positive = cost */
    slippageBps: decimal.nullable(),
    /** realised implementation shortfall in USDT: the filled part's cost plus the unfilled part's missed move */
    shortfall: decimal.nullable(),
    submittedAt: isoTime.nullable(),
    doneAt: isoTime.nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Order' });
export type Order = z.output<typeof orderSchema>;

/** What the engine decided to do for a signal (one per signal), before any order. */
export const orderIntentSchema = z
  .object({
    id: z.uuid(),
    signalId: z.uuid().nullable(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    size: z.number().int(),
    style: z.string(),
    limitPrice: decimal.nullable(),
    stopPrice: decimal.nullable(),
    takeProfitPrice: decimal.nullable(),
    leverage: decimal.nullable(),
    reduceOnly: z.boolean(),
    status: z.string(),
    reason: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'OrderIntent' });
export type OrderIntent = z.output<typeof orderIntentSchema>;

/** An execution the exchange reported. */
export const fillSchema = z
  .object({
    id: z.uuid(),
    orderId: z.uuid().nullable(),
    tradeId: z.string(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    price: decimal,
    size: z.number().int(),
    fee: decimal,
    feeCurrency: z.string().nullable(),
    liquidity: z.string().nullable(),
    filledAt: isoTime,
  })
  .meta({ id: 'Fill' });
export type Fill = z.output<typeof fillSchema>;

/** A round trip from open to close, net of fees and funding. */
export const closedTradeSchema = z
  .object({
    id: z.uuid(),
    symbol: z.string(),
    side: z.enum(['long', 'short']),
    size: z.number().int(),
    entryPrice: decimal,
    exitPrice: decimal,
    grossPnl: decimal,
    fees: decimal,
    funding: decimal,
    netPnl: decimal,
    openedAt: isoTime,
    closedAt: isoTime,
    /**
     * why it closed (the order whose fill closed it): stop | take_profit | signal | operator | flatten |
     * external (an order the engine did not place: a manual trade, a liquidation, ADL); null for trades
     * recorded before the engine kept it
     */
    exitReason: z.string().nullable(),
    signalId: z.uuid().nullable(),
    /**
     * KuCoin's own record of the same round trip (its position history): realised P&L net of its fees and
     * funding, its fees, its funding; null when the exchange had not reported it when the trade closed
     */
    exchangePnl: decimal.nullable(),
    exchangeFees: decimal.nullable(),
    exchangeFunding: decimal.nullable(),
    /**
     * the leverage of the position the trade closed (its initial margin = entry notional / leverage); null
     * when not known (an adopted position, a trade recorded before the leverage was kept)
     */
    leverage: decimal.nullable(),
    /**
     * return on the entry notional: net P&L / (size × multiplier × entry price), a fraction (0.01 = 1 %) to
     * 10 places; null for a contract the contract table does not list
     */
    roiOnNotional: decimal.nullable(),
    /**
     * return on margin, as KuCoin's `roe`: net P&L / initial margin (entry notional / leverage), a fraction
     * to 10 places; null when the leverage is unknown (never guessed)
     */
    roiOnMargin: decimal.nullable(),
  })
  .meta({ id: 'ClosedTrade' });
export type ClosedTrade = z.output<typeof closedTradeSchema>;

/** A UTC day's closed trades in USDT: the two daily views below start from these fields. */
const closedTradesOfDay = z.object({
  /** the UTC day the trades closed */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  trades: z.number().int(),
  wins: z.number().int(),
  grossPnl: decimal,
  fees: decimal,
  funding: decimal,
  /** net of fees and funding */
  netPnl: decimal,
});

/**
 * One UTC day of the daily report (`GET /api/reports/daily`), stored by the `daily-report` job:
 * closed trades (P&L, fees, funding as the trades carry it), the funding the exchange booked that day
 * (`fundingLedger`, positive = received) and the day's executions.
 */
export const dailyReportSchema = closedTradesOfDay
  .extend({
    fundingLedger: decimal,
    fills: z.number().int(),
    fillFees: decimal,
    generatedAt: isoTime,
  })
  .meta({ id: 'DailyReport' });
export type DailyReport = z.output<typeof dailyReportSchema>;

/** `GET /api/pnl/daily`: closed trades of one UTC day (USDT), with the running net total. */
export const dailyPnlSchema = closedTradesOfDay
  .extend({
    /** net P&L of all closed trades up to this day */
    cumulativeNetPnl: decimal,
  })
  .meta({ id: 'DailyPnl' });
export type DailyPnl = z.output<typeof dailyPnlSchema>;

/** A webhook source's policy; its secrets are never part of it. */
export const webhookSourceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['tradingview', 'custom', 'api']),
    ipAllowlist: z.array(z.string()),
    hmacRequired: z.boolean(),
    enabled: z.boolean(),
    rateLimitPerMin: z.number().int(),
    staleAfterSeconds: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'WebhookSource' });
export type WebhookSource = z.output<typeof webhookSourceSchema>;

/** What `GET /api/audit/verify` answers (see db/src/repositories/audit.ts). */
export const auditVerificationSchema = z
  .object({
    ok: z.boolean(),
    rows: z.number().int(),
    legacyRows: z.number().int(),
    firstBadSeq: z.number().int().optional(),
    problem: z.enum(['edited', 'deleted', 'inserted']).optional(),
    /** the chain head kept outside the database that was checked too (absent: none kept yet) */
    anchoredSeq: z.number().int().optional(),
  })
  .meta({ id: 'AuditVerification' });
export type AuditVerification = z.output<typeof auditVerificationSchema>;

/** One audit log row as `GET /api/audit` lists it (newest first); `hash` links it into the chain. */
export const auditEntrySchema = z
  .object({
    seq: z.number().int(),
    at: isoTime,
    actor: z.string(),
    action: z.string(),
    entity: z.string(),
    entityId: z.string().nullable(),
    data: z.unknown(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.output<typeof auditEntrySchema>;

/** Stored exchange credentials as the settings page lists them: write-only, so no key, secret or passphrase. */
export const exchangeCredentialSummarySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    keyVersion: z.number().int(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'ExchangeCredentialSummary' });
export type ExchangeCredentialSummary = z.output<typeof exchangeCredentialSummarySchema>;

/** A notice posted to `/webhooks/alerts`: the dashboard's alert list. */
export const alertNoticeSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    kind: z.string(),
    symbol: z.string().nullable(),
    message: z.string(),
    severity: z.enum(['info', 'warning', 'critical']),
    receivedAt: isoTime,
    readAt: isoTime.nullable(),
  })
  .meta({ id: 'AlertNotice' });
export type AlertNotice = z.output<typeof alertNoticeSchema>;

/** `GET /api/alerts`: the newest notices and how many are unread in all. */
export const alertNoticeListSchema = z.object({
  items: z.array(alertNoticeSchema),
  unread: z.number().int(),
});
export type AlertNoticeList = z.output<typeof alertNoticeListSchema>;

/** The kill switch as `GET /api/risk` and `PUT /api/risk/kill-switch` answer it. */
export const killSwitchSchema = z
  .object({
    on: z.boolean(),
    reason: z.string().nullable(),
    flatten: z.boolean(),
    updatedBy: z.string().nullable(),
    updatedAt: isoTime.nullable(),
    /** the `kill_switch` command that told the engine */
    commandId: z.uuid().nullable(),
  })
  .meta({ id: 'KillSwitch' });
export type KillSwitch = z.output<typeof killSwitchSchema>;

/** A circuit breaker (`GET /api/risk`, `POST /api/risk/breakers/{name}/reset`). */
export const breakerSchema = z
  .object({
    /** one of BREAKER_NAMES (core/src/risk/limits.ts); the column is free text, so any stored name is shown */
    name: z.string(),
    state: z.enum(['active', 'reduce_only', 'halted']),
    reason: z.string().nullable(),
    trippedAt: isoTime.nullable(),
    resumeAt: isoTime.nullable(),
    updatedBy: z.string().nullable(),
    /** the drawdown breaker: the equity peak (USDT) its drawdown is measured from; null for the others */
    equityPeak: decimal.nullable(),
  })
  .meta({ id: 'Breaker' });
export type Breaker = z.output<typeof breakerSchema>;

/** `GET /api/risk`: the stored limits, the limits in force (or why they cannot be resolved), kill switch, breakers. */
export const riskStateSchema = z
  .object({
    limits: riskLimitsSchema,
    /** every limit resolved with its default (free-form: core/src/risk/limits.ts names them) */
    effective: z.record(z.string(), z.unknown()).meta({ id: 'EffectiveRiskLimits' }).nullable(),
    limitsError: z.string().nullable(),
    killSwitch: killSwitchSchema,
    breakers: z.array(breakerSchema),
  })
  .meta({ id: 'RiskState' });
export type RiskState = z.output<typeof riskStateSchema>;

/** What an operator command route answers (202): the command is stored and bound for the engine. */
export const commandAcceptedSchema = z
  .object({
    commandId: z.uuid(),
    status: z.literal('accepted'),
    /** true when this Idempotency-Key was used before for the same command: nothing new was done */
    replayed: z.boolean(),
  })
  .meta({ id: 'CommandAccepted' });
export type CommandAccepted = z.output<typeof commandAcceptedSchema>;

/** An operator command and its outcome (`GET /api/commands`, `GET /api/commands/{id}`). */
export const commandOutcomeSchema = z
  .object({
    commandId: z.uuid(),
    type: z.string(),
    status: z.enum(['pending', 'running', 'done', 'failed', 'rejected']),
    reason: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    issuedBy: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'CommandOutcome' });
export type CommandOutcome = z.output<typeof commandOutcomeSchema>;

/** `GET /api/signals`: a keyset page, newest first; `nextCursor` is the id to pass as `cursor`. */
export const signalPageSchema = z.object({
  items: z.array(signalSchema),
  nextCursor: z.uuid().nullable(),
});
export type SignalPage = z.output<typeof signalPageSchema>;

const jsonObject = z.record(z.string(), z.unknown());

/** `GET /api/signals/{id}`: what the engine computed, decided and sent for one signal. */
export const signalDetailSchema = z
  .object({
    signal: signalSchema,
    /** the signal row's metadata (e.g. its age when the engine read it) */
    metadata: jsonObject,
    indicators: z.array(
      z.object({
        symbol: z.string(),
        timeframe: z.string(),
        at: isoTime,
        values: z.record(z.string(), z.number().nullable()),
      }),
    ),
    scores: z.array(
      z.object({
        modelName: z.string(),
        modelVersion: z.string(),
        score: decimal,
        decision: z.string().nullable(),
        features: jsonObject.nullable(),
        latencyMicros: z.number().nullable(),
        at: isoTime,
      }),
    ),
    riskEvents: z.array(
      z.object({
        code: z.string(),
        severity: z.string(),
        message: z.string().nullable(),
        data: jsonObject,
        at: isoTime,
      }),
    ),
    intent: orderIntentSchema.nullable(),
    orders: z.array(orderSchema),
    fills: z.array(fillSchema),
    commands: z.array(commandOutcomeSchema),
  })
  .meta({ id: 'SignalDetail' });
export type SignalDetail = z.output<typeof signalDetailSchema>;

/** `{ items: [...] }`, the shape of every list the API answers. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

/**
 * A stored row as its response schema: dates become ISO strings, then the schema keeps exactly its
 * own fields (anything else on the row is dropped) and checks their types, so a handler cannot leak a
 * column the document does not name.
 *
 * @example return c.json({ items: rows.map((r) => toResponse(positionSchema, r)) }, 200);
 */
export function toResponse<T extends z.ZodType>(schema: T, row: Record<string, unknown>): z.output<T> {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) plain[k] = v instanceof Date ? v.toISOString() : v;
  return schema.parse(plain);
}

/**
 * A risk event the engine recorded (`GET /api/risk/events`): a pre-trade refusal, a protection failure, a
 * breaker tripping (`breaker_<name>`, severity critical, "name → state: reason").
 */
export const riskEventSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    severity: z.enum(['info', 'warn', 'block', 'critical']),
    message: z.string().nullable(),
    signalId: z.uuid().nullable(),
    data: jsonObject,
    at: isoTime,
  })
  .meta({ id: 'RiskEvent' });
export type RiskEvent = z.output<typeof riskEventSchema>;

const previewDecimal = (description: string, example = '60.5') => decimal.meta({ description, example });

/**
 * `POST /api/orders/preview`: what an order would cost and risk, and which checks would refuse it
 * (core's `previewOrder`, serialised: decimals as strings, the liquidation price at the contract's tick).
 */
export const orderPreviewSchema = z
  .object({
    symbol: z.string(),
    price: previewDecimal('the limit price, or the last price a market order is previewed at'),
    priceSource: z.enum(['limit', 'stop', 'last_candle']).meta({
      description: 'the limit price, the stop price (a stop market fills about there), or the last 1m close',
    }),
    notional: previewDecimal('|lots| × multiplier × price'),
    margin: previewDecimal('initial margin: notional / leverage'),
    fees: previewDecimal('opening fee plus the closing fee at the stop (or entry)'),
    liquidationPrice: previewDecimal('isolated liquidation price').nullable(),
    liquidationDistancePct: previewDecimal('distance from entry to liquidation, %').nullable(),
    stopDistance: previewDecimal('|entry − stop|').nullable(),
    stopDistancePct: previewDecimal('stop distance, % of entry').nullable(),
    worstCaseLoss: previewDecimal('loss at the stop plus fees; without a stop the margin (isolated)'),
    riskLevel: z
      .object({
        level: z.number().int(),
        maintainMargin: previewDecimal('maintenance margin rate, a fraction (0.004 = 0.4 %)', '0.004'),
        maxNotional: previewDecimal('the largest position value the level allows', '100000'),
        maxLeverage: z.number(),
        basis: z.enum(['selected', 'order_value']).meta({
          description:
            "`selected`: the level the account selected on the contract, as the engine last read it (what the engine's check judges an isolated entry at); `order_value`: the level the position after the order falls in by value, as the engine's check values it (the order's own value when there is no position; cross margin, or no selected level known)",
        }),
        readAt: isoTime.nullable().meta({ description: 'when the engine read the selected level' }),
        message: z.string(),
      })
      .meta({
        description:
          'the risk-limit level the liquidation price, leverage cap and position cap are estimated at',
      }),
    allowed: z.boolean().meta({ description: 'false when a blocking check fails' }),
    checks: z.array(
      z.object({ code: z.string(), ok: z.boolean(), blocking: z.boolean(), message: z.string() }),
    ),
  })
  .meta({ id: 'OrderPreview' });
export type OrderPreviewResponse = z.output<typeof orderPreviewSchema>;
