import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, tstz } from './columns.ts';
import { webhookSources } from './webhook-sources.ts';

export const ALERT_NOTICE_SEVERITIES = ['info', 'warning', 'critical'] as const;

/**
 * Notices posted to `/webhooks/alerts` (a TradingView alert that informs, not trades): shown in the
 * dashboard's alert list; `read_at` null counts as unread. Never traded.
 */
export const alertNotices = pgTable(
  'alert_notices',
  {
    id: uuid('id').primaryKey(),
    sourceId: uuid('source_id').references(() => webhookSources.id, { onDelete: 'set null' }),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    symbol: text('symbol'),
    message: text('message').notNull(),
    severity: text('severity').$type<(typeof ALERT_NOTICE_SEVERITIES)[number]>().notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    readAt: tstz('read_at'),
  },
  (t) => [
    check(
      'alert_notices_severity_check',
      sql.raw(`${t.severity.name} in (${sqlList(ALERT_NOTICE_SEVERITIES)})`),
    ),
    index('alert_notices_received_idx').on(t.receivedAt.desc()),
  ],
);
