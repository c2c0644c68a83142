import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, timestamps } from './columns.ts';

export const WEBHOOK_SOURCE_KINDS = ['tradingview', 'custom', 'api'] as const;
export type WebhookSourceKind = (typeof WEBHOOK_SOURCE_KINDS)[number];

/** A sender of signals (a TradingView alert set, a custom script, an API client) and its intake policy. */
export const webhookSources = pgTable(
  'webhook_sources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    kind: text('kind').$type<WebhookSourceKind>().notNull(),
    /** CIDRs or single addresses; empty means any address. */
    ipAllowlist: text('ip_allowlist').array().notNull().default(sql`'{}'::text[]`),
    hmacRequired: boolean('hmac_required').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),
    rateLimitPerMin: integer('rate_limit_per_min').notNull().default(60),
    staleAfterSeconds: integer('stale_after_seconds').notNull().default(60),
    ...timestamps,
  },
  (t) => [
    check('webhook_sources_kind_check', sql.raw(`${t.kind.name} in (${sqlList(WEBHOOK_SOURCE_KINDS)})`)),
    check('webhook_sources_rate_limit_check', sql.raw(`${t.rateLimitPerMin.name} > 0`)),
    check('webhook_sources_stale_check', sql.raw(`${t.staleAfterSeconds.name} > 0`)),
  ],
);
