import {
  candleSchema,
  closedTradeSchema,
  listOf,
  orderSchema,
  positionSchema,
  toResponse,
} from '@enigma/core/api/responses';
import { closedTradeReturns } from '@enigma/core/contract/math';
import { CONTRACTS } from '@enigma/core/contract/specs';
import { ORDER_STATES } from '@enigma/core/engine/order-state';
import { getCandles } from '@enigma/db/repositories/candles';
import {
  type ClosedTradeFilters,
  closedTradesAfter,
  listClosedTrades,
  openPositionsOfEveryAccount,
  recentOrders,
  tradingTotals,
} from '@enigma/db/repositories/trading';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const rows = (description: string, item: z.ZodType) => ({
  200: { description, content: { 'application/json': { schema: listOf(item) } } },
  ...errorResponses,
});
const viewer = { security: bearerSecurity, middleware: [requireRole('viewer')] };

const candlesRoute = createRoute({
  method: 'get',
  path: '/candles',
  tags: ['market'],
  summary: 'Candles of one contract and timeframe, oldest first (from inclusive, to exclusive)',
  ...viewer,
  request: {
    query: z.object({
      symbol: z.string().min(1).max(32),
      timeframe: z
        .string()
        .regex(/^\d+[mhdw]$/)
        .default('1m'),
      from: z.iso.datetime(),
      to: z.iso.datetime(),
    }),
  },
  responses: rows('Candles', candleSchema),
});

const positionsRoute = createRoute({
  method: 'get',
  path: '/positions',
  tags: ['trading'],
  summary: 'Open positions (qty ≠ 0)',
  ...viewer,
  responses: rows('Positions', positionSchema),
});

const ordersRoute = createRoute({
  method: 'get',
  path: '/orders',
  tags: ['trading'],
  summary:
    'Orders, newest first, optionally by status and symbol; `live=true`: only the orders still working or whose outcome is unknown (intent, submitting, open, partially_filled, unknown)',
  ...viewer,
  request: {
    query: z.object({
      status: z.enum(ORDER_STATES).optional(),
      live: z.enum(['true', 'false']).optional(),
      symbol: z.string().max(32).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: rows('Orders, newest first', orderSchema),
});

const tradesQuery = z.object({
  symbol: z.string().max(32).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const tradesRoute = createRoute({
  method: 'get',
  path: '/trades',
  tags: ['trading'],
  summary: 'Closed trades, newest first, paginated',
  ...viewer,
  request: { query: tradesQuery },
  responses: rows('Closed trades', closedTradeSchema),
});

const tradesCsvRoute = createRoute({
  method: 'get',
  path: '/trades.csv',
  tags: ['trading'],
  summary: 'Every closed trade matching the filters as CSV (same filters as /trades), streamed page by page',
  ...viewer,
  request: { query: tradesQuery.omit({ limit: true, offset: true }) },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses,
  },
});

const accountRoute = createRoute({
  method: 'get',
  path: '/account',
  tags: ['trading'],
  summary: 'Account overview: open positions, unrealised and realised PnL, open orders',
  ...viewer,
  responses: {
    200: {
      description: 'Overview',
      content: {
        'application/json': {
          schema: z.object({
            openPositions: z.number(),
            openOrders: z.number(),
            unrealisedPnl: z.string(),
            realisedPnl: z.string(),
            closedTrades: z.number(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const CSV_COLUMNS = [
  'id',
  'symbol',
  'side',
  'size',
  'entryPrice',
  'exitPrice',
  'grossPnl',
  'fees',
  'funding',
  'netPnl',
  'openedAt',
  'closedAt',
  'exitReason',
  'signalId',
  'exchangePnl',
  'exchangeFees',
  'exchangeFunding',
  'leverage',
  'roiOnNotional',
  'roiOnMargin',
] as const;

/**
 * A closed trade with its returns, on the entry notional and on margin (`closedTradeReturns`, in decimal,
 * with the contract table's multiplier): what `/trades` and the CSV serve.
 */
export function withReturns<
  T extends { symbol: string; size: number; entryPrice: string; netPnl: string; leverage: string | null },
>(trade: T): T & { roiOnNotional: string | null; roiOnMargin: string | null } {
  const spec = CONTRACTS[trade.symbol];
  return {
    ...trade,
    ...(spec ? closedTradeReturns(spec, trade) : { roiOnNotional: null, roiOnMargin: null }),
  };
}

/**
 * Quote a CSV cell; cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
 * are prefixed with ', unless the whole cell is a plain number (`-12.5`): `-2+3+cmd|' /C calc'!A0`
 * starts like a negative number and is still defused.
 */
export function csvCell(v: unknown): string {
  let s = v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows per query of the CSV export: memory holds one page, never the whole export. */
export const CSV_PAGE_ROWS = 1000;

/**
 * The trades CSV as a stream: the header, then one page of rows per pull, read with a keyset on
 * (closed_at, id) so trades closing while the export runs neither repeat nor shift a page. Nothing is
 * read ahead of the reader (high-water mark 0). `done` settles when the stream ends or is cancelled,
 * so the caller can keep its database pool open until then.
 */
export async function tradesCsvStream(
  db: AppDeps['db'],
  q: ClosedTradeFilters,
): Promise<{ body: ReadableStream<Uint8Array>; done: Promise<void> }> {
  const encoder = new TextEncoder();
  let cursor: { closedAt: string; id: string } | null = null;
  let finished = false;
  let settle!: () => void;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const page = async (): Promise<string> => {
    const rows = await closedTradesAfter(db, q, cursor, CSV_PAGE_ROWS);
    const last = rows.at(-1);
    if (last) cursor = { closedAt: last.exactClosedAt, id: last.trade.id };
    if (rows.length < CSV_PAGE_ROWS) finished = true;
    return rows
      .map((r) => {
        const trade = withReturns(r.trade);
        return `${CSV_COLUMNS.map((k) => csvCell(trade[k])).join(',')}\r\n`;
      })
      .join('');
  };
  // The first page is read before answering, so a database failure is still an error response.
  const first = `${CSV_COLUMNS.join(',')}\r\n${await page()}`;
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(first));
        if (finished) {
          controller.close();
          settle();
        }
      },
      async pull(controller) {
        try {
          const text = await page();
          if (text) controller.enqueue(encoder.encode(text));
          if (finished) {
            controller.close();
            settle();
          }
        } catch (error) {
          controller.error(error);
          settle();
        }
      },
      cancel() {
        settle();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}

/** Read-only views of market data and trading state. */
export function registerTrading(api: OpenAPIHono<AppEnv>): void {
  api.openapi(candlesRoute, async (c) => {
    const q = c.req.valid('query');
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (to <= from) throw new ApiError('validation_failed', '`to` must be after `from`');
    if (to.getTime() - from.getTime() > 31 * 24 * 3600_000) {
      throw new ApiError('validation_failed', 'at most 31 days of candles per request');
    }
    const items = await getCandles(c.get('deps').db, q.symbol, q.timeframe, from, to);
    return c.json({ items: items.map((r) => toResponse(candleSchema, r)) }, 200);
  });

  api.openapi(positionsRoute, async (c) => {
    const items = await openPositionsOfEveryAccount(c.get('deps').db);
    return c.json({ items: items.map((r) => toResponse(positionSchema, r)) }, 200);
  });

  api.openapi(ordersRoute, async (c) => {
    const q = c.req.valid('query');
    const items = await recentOrders(c.get('deps').db, { ...q, live: q.live === 'true' });
    return c.json({ items: items.map((r) => toResponse(orderSchema, r)) }, 200);
  });

  api.openapi(tradesRoute, async (c) => {
    const q = c.req.valid('query');
    const items = await listClosedTrades(c.get('deps').db, q, q);
    return c.json({ items: items.map((r) => toResponse(closedTradeSchema, withReturns(r))) }, 200);
  });

  api.openapi(tradesCsvRoute, async (c) => {
    const q = c.req.valid('query');
    const deps = c.get('deps');
    const { body, done } = await tradesCsvStream(deps.db, q);
    deps.keepAlive?.(done);
    c.header('content-disposition', 'attachment; filename="trades.csv"');
    return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8' });
  });

  api.openapi(accountRoute, async (c) => c.json(await tradingTotals(c.get('deps').db), 200));
}
