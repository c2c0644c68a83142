import { numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';

/**
 * The newest balance the engine read from the exchange, per account and settle currency (KuCoin's
 * account overview), kept for readers outside the engine: the order ticket's risk preview checks risk
 * per trade against `equity`. `at` is when the exchange answered; a reader judges its age, and an old
 * row is "equity unknown", never the equity.
 */
export const accountBalances = pgTable(
  'account_balances',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id, { onDelete: 'cascade' }),
    currency: text('currency').notNull(),
    /** margin balance + unrealised P&L (KuCoin's accountEquity), in `currency` */
    equity: numeric('equity').notNull(),
    /** what new orders may use (KuCoin's availableBalance), in `currency` */
    available: numeric('available').notNull(),
    at: tstz('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.currency] })],
);
