import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, timestamps } from './columns.ts';

export const ACCOUNT_MODES = ['live', 'paper', 'sim'] as const;
export type AccountMode = (typeof ACCOUNT_MODES)[number];

/** A trading account on an exchange. Its API credentials live in `exchange_credentials`, encrypted. */
export const exchangeAccounts = pgTable(
  'exchange_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    exchange: text('exchange').notNull().default('kucoin-futures'),
    mode: text('mode').$type<AccountMode>().notNull().default('paper'),
    enabled: boolean('enabled').notNull().default(true),
    ...timestamps,
  },
  (t) => [check('exchange_accounts_mode_check', sql.raw(`${t.mode.name} in (${sqlList(ACCOUNT_MODES)})`))],
);
