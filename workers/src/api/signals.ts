import {
  fillSchema,
  orderIntentSchema,
  orderSchema,
  SIGNAL_STATUSES,
  signalDetailSchema,
  signalPageSchema,
  signalSchema,
  toResponse,
} from '@enigma/core/api/responses';
import { getSignalDetail, listSignals, type Signal as SignalRow } from '@enigma/db/repositories/signals';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const Signal = signalSchema;

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
          schema: signalPageSchema,
        },
      },
    },
    ...errorResponses,
  },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A stored signal as the API shows it (the one mapping, list and detail). */
function signalJson(s: SignalRow): z.infer<typeof Signal> {
  return {
    id: s.id,
    source: s.source,
    status: s.status,
    reason: s.reason,
    symbol: s.symbol,
    rawSymbol: s.rawSymbol,
    action: s.action,
    interval: s.interval,
    alertTime: iso(s.alertTime),
    receivedAt: s.receivedAt.toISOString(),
    clientIp: s.clientIp,
    price: s.price,
    contracts: s.contracts,
    duplicateOf: s.duplicateOf,
    score: s.score,
    payload: s.payload,
  };
}

/** The drill-down of one signal: what the engine computed, decided and sent for it. */
const SignalDetail = signalDetailSchema;

const detail = createRoute({
  method: 'get',
  path: '/signals/{id}',
  tags: ['signals'],
  summary:
    'One signal with its indicator snapshot, model output, risk decisions, intent, the orders and fills it produced and the operator commands that acted on them',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: { description: 'The signal', content: { 'application/json': { schema: SignalDetail } } },
    ...errorResponses,
  },
});

/** GET /api/signals, GET /api/signals/{id} */
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
    const items = page.items.map(signalJson);
    return c.json({ items, nextCursor: page.nextCursor }, 200);
  });

  api.openapi(detail, async (c) => {
    const d = await getSignalDetail(c.get('deps').db, c.req.valid('param').id);
    if (!d) throw new ApiError('not_found', 'no such signal');
    return c.json(
      {
        signal: signalJson(d.signal),
        metadata: d.signal.metadata,
        indicators: d.indicators.map((i) => ({
          symbol: i.symbol,
          timeframe: i.timeframe,
          at: i.at.toISOString(),
          values: i.values,
        })),
        scores: d.scores.map((m) => ({
          modelName: m.modelName,
          modelVersion: m.modelVersion,
          score: m.score,
          decision: m.decision,
          features: m.features,
          latencyMicros: m.latencyMicros,
          at: m.createdAt.toISOString(),
        })),
        riskEvents: d.riskEvents.map((r) => ({
          code: r.code,
          severity: r.severity,
          message: r.message,
          data: r.data,
          at: r.at.toISOString(),
        })),
        intent: d.intent ? toResponse(orderIntentSchema, d.intent) : null,
        orders: d.orders.map((o) => toResponse(orderSchema, o)),
        fills: d.fills.map((f) => toResponse(fillSchema, f)),
        commands: d.commands.map((k) => ({
          commandId: k.id,
          type: k.type,
          issuedBy: k.issuedBy,
          status: k.status,
          reason: k.reason,
          result: k.result,
          createdAt: k.createdAt.toISOString(),
          updatedAt: k.updatedAt.toISOString(),
        })),
      },
      200,
    );
  });
}
