import { listSignals } from '@enigma/db/repositories/signals';
import { SIGNAL_STATUSES } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const Signal = z
  .object({
    id: z.string(),
    source: z.string(),
    status: z.enum(SIGNAL_STATUSES),
    reason: z.string().nullable(),
    symbol: z.string().nullable(),
    rawSymbol: z.string().nullable(),
    action: z.string().nullable(),
    interval: z.string().nullable(),
    alertTime: z.string().nullable(),
    receivedAt: z.string(),
    clientIp: z.string().nullable(),
    price: z.string().nullable(),
    contracts: z.string().nullable(),
    duplicateOf: z.string().nullable(),
    score: z.string().nullable(),
    payload: z.unknown(),
  })
  .openapi('Signal');

const list = createRoute({
  method: 'get',
  path: '/signals',
  tags: ['signals'],
  summary: 'Signals newest first, filtered by status, symbol and time; keyset pages',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: {
    query: z.object({
      status: z
        .string()
        .optional()
        .openapi({ description: 'comma-separated statuses, e.g. rejected,invalid' })
        .transform((s, ctx) => {
          if (!s) return undefined;
          const list = s.split(',').map((x) => x.trim());
          for (const x of list) {
            if (!(SIGNAL_STATUSES as readonly string[]).includes(x)) {
              ctx.addIssue({
                code: 'custom',
                message: `unknown status ${x}; known: ${SIGNAL_STATUSES.join(', ')}`,
              });
              return z.NEVER;
            }
          }
          return list as (typeof SIGNAL_STATUSES)[number][];
        }),
      symbol: z.string().max(32).optional(),
      from: z.iso.datetime().optional(),
      to: z.iso.datetime().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: z.uuid().optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of signals',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(Signal), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...errorResponses,
  },
});

/** GET /api/signals */
export function registerSignals(api: OpenAPIHono<AppEnv>): void {
  api.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await listSignals(c.get('deps').db, {
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.symbol ? { symbol: q.symbol } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    const items = page.items.map((s) => ({
      id: s.id,
      source: s.source,
      status: s.status,
      reason: s.reason,
      symbol: s.symbol,
      rawSymbol: s.rawSymbol,
      action: s.action,
      interval: s.interval,
      alertTime: s.alertTime?.toISOString() ?? null,
      receivedAt: s.receivedAt.toISOString(),
      clientIp: s.clientIp,
      price: s.price,
      contracts: s.contracts,
      duplicateOf: s.duplicateOf,
      score: s.score,
      payload: s.payload,
    }));
    return c.json({ items, nextCursor: page.nextCursor }, 200);
  });
}
