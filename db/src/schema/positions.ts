import { integer, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamps, tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';

/**
 * Current position per account and symbol. `qty` is signed integer lots (negative = short), as KuCoin
 * reports `currentQty`. `stop_confirmed_at` records when the exchange-side stop was confirmed.
 */
export const positions = pgTable(
  'positions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    symbol: text('symbol').notNull(),
    qty: integer('qty').notNull().default(0),
    avgEntryPrice: numeric('avg_entry_price'),
    markPrice: numeric('mark_price'),
    liquidationPrice: numeric('liquidation_price'),
    leverage: numeric('leverage'),
    marginMode: text('margin_mode'),
    unrealisedPnl: numeric('unrealised_pnl').notNull().default('0'),
    realisedPnl: numeric('realised_pnl').notNull().default('0'),
    stopOrderId: text('stop_order_id'),
    stopConfirmedAt: tstz('stop_confirmed_at'),
    openedAt: tstz('opened_at'),
    closedAt: tstz('closed_at'),
    ...timestamps,
  },
  (t) => [unique('positions_account_symbol_unique').on(t.accountId, t.symbol).nullsNotDistinct()],
);
