import { fillSchema, listOf, toResponse } from '@enigma/core/api/responses';
import { listFills } from '@enigma/db/repositories/trading';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const fillsRoute = createRoute({
  method: 'get',
  path: '/fills',
  tags: ['trading'],
  summary: 'Executions the exchange reported, newest first (from inclusive, to exclusive on the fill time)',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: {
    query: z.object({
      symbol: z
        .string()
        .regex(/^[A-Z0-9]{2,20}M$/)
        .optional(),
      from: z.iso.datetime().optional(),
      to: z.iso.datetime().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
  },
  responses: {
    200: {
      description: 'Fills, newest first',
      content: { 'application/json': { schema: listOf(fillSchema) } },
    },
    ...errorResponses,
  },
});

/** GET /api/fills: the chart's fill markers (and any script's view of the executions). */
export function registerFills(api: OpenAPIHono<AppEnv>): void {
  api.openapi(fillsRoute, async (c) => {
    const q = c.req.valid('query');
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    if (from && to && to <= from) throw new ApiError('validation_failed', '`to` must be after `from`');
    const items = await listFills(c.get('deps').db, { symbol: q.symbol, from, to, limit: q.limit });
    return c.json({ items: items.map((r) => toResponse(fillSchema, r)) }, 200);
  });
}
