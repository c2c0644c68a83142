import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { orderIntents } from './order-intents.ts';
import { signals } from './signals.ts';

export const RISK_SEVERITIES = ['info', 'warn', 'block', 'critical'] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];

/** Every risk decision worth explaining: blocks carry the rule's reason code. */
export const riskEvents = pgTable(
  'risk_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    signalId: uuid('signal_id').references(() => signals.id, { onDelete: 'set null' }),
    intentId: uuid('intent_id').references(() => orderIntents.id, { onDelete: 'set null' }),
    code: text('code').notNull(),
    severity: text('severity').$type<RiskSeverity>().notNull(),
    message: text('message'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [
    check(
      'risk_events_severity_check',
      sql.raw(`${t.severity.name} in ('info', 'warn', 'block', 'critical')`),
    ),
    index('risk_events_at_idx').on(t.at),
    index('risk_events_code_idx').on(t.code, t.at),
  ],
);
