import { dailyReportSchema } from '@enigma/core/api/responses';
import { listDailyReports } from '@enigma/db/repositories/reports';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const dailyReports = createRoute({
  method: 'get',
  path: '/reports/daily',
  tags: ['trading'],
  summary:
    'The stored daily reports of the last `days` UTC days: P&L, fees, funding (trades and exchange ledger), fills',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: {
    query: z.object({
      days: z.coerce.number().int().min(1).max(3660).default(30),
    }),
  },
  responses: {
    200: {
      description: 'Reports, oldest first; a day the report job has not run for is left out',
      content: { 'application/json': { schema: z.object({ items: z.array(dailyReportSchema) }) } },
    },
    ...errorResponses,
  },
});

/** GET /api/reports/daily: what the `daily-report` job stored (long-running/src/jobs/scheduled.ts). */
export function registerReports(api: OpenAPIHono<AppEnv>): void {
  api.openapi(dailyReports, async (c) => {
    const { days } = c.req.valid('query');
    const { db, config } = c.get('deps');
    const fromDay = new Date(config.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const rows = await listDailyReports(db, { fromDay });
    const items = rows.map((r) =>
      dailyReportSchema.parse({ ...r, generatedAt: r.generatedAt.toISOString() }),
    );
    return c.json({ items }, 200);
  });
}
