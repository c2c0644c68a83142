import { alertNoticeListSchema, toResponse } from '@enigma/core/api/responses';
import type { EnigmaDb } from '@enigma/db/db-type';
import {
  countUnreadAlertNotices,
  listAlertNotices,
  markAlertNoticesRead,
} from '@enigma/db/repositories/notices';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit.ts';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const viewer = { security: bearerSecurity, middleware: [requireRole('viewer')] };

const list = createRoute({
  method: 'get',
  path: '/alerts',
  tags: ['alerts'],
  summary:
    'Notices posted to /webhooks/alerts, newest first, with the unread count (the dashboard alert list; never traded)',
  ...viewer,
  request: {
    query: z.object({
      unread: z.enum(['true', 'false']).default('false'),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'Notices', content: { 'application/json': { schema: alertNoticeListSchema } } },
    ...errorResponses,
  },
});

const markRead = createRoute({
  method: 'post',
  path: '/alerts/read',
  tags: ['alerts'],
  summary: 'Mark notices read: the given ids, or all unread ones with `{"all": true}`',
  ...viewer,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.union([
            z.strictObject({ ids: z.array(z.uuid()).min(1).max(500) }),
            z.strictObject({ all: z.literal(true) }),
          ]),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'How many changed, and how many are still unread',
      content: {
        'application/json': {
          schema: z.object({ marked: z.number().int(), unread: z.number().int() }),
        },
      },
    },
    ...errorResponses,
  },
});

/** The dashboard's alert list: read it, mark it read. */
export function registerAlerts(api: OpenAPIHono<AppEnv>): void {
  api.openapi(list, async (c) => {
    const { db } = c.get('deps');
    const q = c.req.valid('query');
    const [items, unread] = await Promise.all([
      listAlertNotices(db, { unreadOnly: q.unread === 'true', limit: q.limit }),
      countUnreadAlertNotices(db),
    ]);
    return c.json(toResponse(alertNoticeListSchema, { items: items.map(plain), unread }), 200);
  });

  api.openapi(markRead, async (c) => {
    const { db, config } = c.get('deps');
    const body = c.req.valid('json');
    const at = new Date(config.now());
    const marked = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const ids = await markAlertNoticesRead(tx, 'all' in body ? { all: true } : { ids: body.ids }, at);
      if (ids.length > 0)
        await recordAudit(tx, config, {
          actor: c.get('auth')!.subject,
          action: 'alerts.read',
          entity: 'alert_notice',
          entityId: ids.length === 1 ? ids[0]! : null,
          data: { count: ids.length },
          at,
        });
      return ids.length;
    });
    return c.json({ marked, unread: await countUnreadAlertNotices(db) }, 200);
  });
}

/** Dates as ISO strings (toResponse converts only the top level). */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
}
