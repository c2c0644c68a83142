import { dailyPnlSchema, listOf, toResponse } from '@enigma/core/api/responses';
import { dailyPnl } from '@enigma/db/repositories/pnl';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

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
      content: { 'application/json': { schema: listOf(dailyPnlSchema) } },
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
    return c.json({ items: items.map((d) => toResponse(dailyPnlSchema, { ...d })) }, 200);
  });
}
