import { dailyPnl } from '@enigma/db/repositories/pnl';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const DailyPnl = z
  .object({
    day: z.string().openapi({ example: '2026-12-06', description: 'UTC day the trades closed' }),
    trades: z.number().int(),
    wins: z.number().int(),
    grossPnl: z.string(),
    fees: z.string(),
    funding: z.string(),
    netPnl: z.string().openapi({ description: 'USDT, net of fees and funding' }),
    cumulativeNetPnl: z.string().openapi({ description: 'net P&L of all closed trades up to this day' }),
  })
  .openapi('DailyPnl');

const daily = createRoute({
  method: 'get',
  path: '/pnl/daily',
  tags: ['trading'],
  summary:
    'Closed trades per UTC day over the last `days` days (gross, fees, funding, net, wins) with the running net total',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: {
    query: z.object({
      days: z.coerce.number().int().min(1).max(3660).default(90),
      symbol: z
        .string()
        .regex(/^[A-Z0-9]{2,20}M$/)
        .optional(),
    }),
  },
  responses: {
    200: {
      description: 'Days, oldest first; days without a closed trade are left out',
      content: { 'application/json': { schema: z.object({ items: z.array(DailyPnl) }) } },
    },
    ...errorResponses,
  },
});

/** GET /api/pnl/daily: the equity-curve and daily P&L charts' data. */
export function registerPerformance(api: OpenAPIHono<AppEnv>): void {
  api.openapi(daily, async (c) => {
    const { days, symbol } = c.req.valid('query');
    const { db, config } = c.get('deps');
    const fromDay = new Date(config.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const items = await dailyPnl(db, { fromDay, ...(symbol ? { symbol } : {}) });
    return c.json({ items }, 200);
  });
}
