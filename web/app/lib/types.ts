import type {
  Candle,
  ClosedTrade,
  DailyPnl,
  Fill,
  Order,
  OrderPreviewResponse,
  Position,
  RiskEvent,
  Signal,
} from '@enigma/core/api/responses';

/**
 * Rows as the REST API returns them (numeric columns are decimal strings, times ISO strings). The
 * response schemas live in core/src/api/responses.ts, shared with the API; the aliases below keep
 * the dashboard's names.
 */
export type Role = 'viewer' | 'trader' | 'admin';

/** `GET /api/candles` items (core/src/api/responses.ts). */
export type CandleRow = Candle;

/** `GET /api/positions` items (core/src/api/responses.ts). */
export type PositionRow = Position;

/** `GET /api/orders` items (core/src/api/responses.ts). */
export type OrderRow = Order;

/** `GET /api/fills` items (core/src/api/responses.ts). */
export type FillRow = Fill;

/** `GET /api/risk/events` items (core/src/api/responses.ts). */
export type RiskEventRow = RiskEvent;

/** `GET /api/signals` items (core/src/api/responses.ts). */
export type SignalRow = Signal;

/** Statuses of an alert that was taken (the rest were refused, duplicate, stale or failed). */
export const ACCEPTED_SIGNAL_STATUSES: ReadonlySet<string> = new Set([
  'received',
  'scored',
  'ordered',
  'filled',
  'protected',
  'closed',
]);
/** TradingView gives up on a webhook that has not answered within 3 s. */
export const TRADINGVIEW_BUDGET_MS = 3000;

/** `GET /api/signals/{id}`: a signal and everything downstream of it (core/src/api/responses.ts). */
export type { SignalDetail } from '@enigma/core/api/responses';

/**
 * `GET /api/trades` items (core/src/api/responses.ts). `side` is long or short; it is widened to a
 * string here because the trade-history panel also compares it with 'buy' (never sent).
 */
export type TradeRow = Omit<ClosedTrade, 'side'> & { side: string };

/** `GET /api/pnl/daily` items (core/src/api/responses.ts). */
export type DailyPnlRow = DailyPnl;

export interface AccountSummary {
  openPositions: number;
  openOrders: number;
  unrealisedPnl: string;
  realisedPnl: string;
  closedTrades: number;
}

export interface RiskLimits {
  maxPositionLots?: Record<string, number>;
  maxLeverage?: number;
  maxDailyLoss?: string;
  riskPerTradePct?: string;
  maxOpenPositions?: number;
  /** breaker: equity drop from its peak, percent */
  maxDrawdownPct?: string;
}

export interface RiskState {
  /** the stored limits */
  limits: RiskLimits;
  /** the limits in force (stored over the engine's defaults), when the API reports them */
  effective?: RiskLimits | null;
  limitsError?: string | null;
  killSwitch: {
    on: boolean;
    reason: string | null;
    /** whether turning it on also closed every position */
    flatten?: boolean;
    updatedBy: string | null;
    updatedAt: string | null;
  };
  /** `name` (`scope` in older answers); state `active` means trading is allowed */
  breakers: {
    name?: string;
    scope?: string;
    state: string;
    reason: string | null;
    trippedAt: string | null;
    /** the drawdown breaker: the equity peak (USDT) it measures from */
    equityPeak?: string | null;
  }[];
}

/** A breaker that stops or limits trading (anything but `active`, the normal state). */
export function breakerTripped(b: { state: string }): boolean {
  return b.state !== 'active' && b.state !== 'closed';
}

/** `POST /api/orders/preview` (core/src/api/responses.ts, the schema the API answers through). */
export type OrderPreview = OrderPreviewResponse;
