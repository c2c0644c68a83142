import { integer, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';

/** Funding fees paid (negative) or received (positive), one per account, symbol and funding time. */
export const fundingPayments = pgTable(
  'funding_payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    symbol: text('symbol').notNull(),
    fundingRate: numeric('funding_rate').notNull(),
    amount: numeric('amount').notNull(),
    currency: text('currency').notNull(),
    positionQty: integer('position_qty'),
    markPrice: numeric('mark_price'),
    fundingTime: tstz('funding_time').notNull(),
    exchangeId: text('exchange_id'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('funding_payments_account_symbol_time_unique')
      .on(t.accountId, t.symbol, t.fundingTime)
      .nullsNotDistinct(),
  ],
);
