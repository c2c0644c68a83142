import { listOf, riskEventSchema, toResponse } from '@enigma/core/api/responses';
import { listRiskEventsByPrefix } from '@enigma/db/repositories/trading';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const riskEventsRoute = createRoute({
  method: 'get',
  path: '/risk/events',
  tags: ['risk'],
  summary:
    "Risk events the engine recorded, newest first; `kind=breaker` keeps the circuit breakers' trips (codes `breaker_*`)",
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: {
    query: z.object({
      kind: z.enum(['all', 'breaker']).default('all'),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: {
      description: 'Risk events, newest first',
      content: { 'application/json': { schema: listOf(riskEventSchema) } },
    },
    ...errorResponses,
  },
});

/** GET /api/risk/events: the risk panel's breaker history. */
export function registerRiskEvents(api: OpenAPIHono<AppEnv>): void {
  api.openapi(riskEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const rows = await listRiskEventsByPrefix(c.get('deps').db, {
      codePrefix: q.kind === 'breaker' ? 'breaker_' : undefined,
      limit: q.limit,
    });
    return c.json({ items: rows.map((r) => toResponse(riskEventSchema, r)) }, 200);
  });
}
