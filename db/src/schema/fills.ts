import { sql } from 'drizzle-orm';
import { check, index, integer, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import type { OrderSide } from './order-intents.ts';
import { orders } from './orders.ts';

/** Executions reported by the exchange; (account, trade_id) is unique so a replayed WS event is a no-op. */
export const fills = pgTable(
  'fills',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id').references(() => orders.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    tradeId: text('trade_id').notNull(),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    price: numeric('price').notNull(),
    size: integer('size').notNull(),
    fee: numeric('fee').notNull().default('0'),
    feeCurrency: text('fee_currency'),
    /** maker | taker */
    liquidity: text('liquidity'),
    filledAt: tstz('filled_at').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    unique('fills_account_trade_unique').on(t.accountId, t.tradeId).nullsNotDistinct(),
    check('fills_side_check', sql.raw(`${t.side.name} in ('buy', 'sell')`)),
    check('fills_size_check', sql.raw(`${t.size.name} > 0`)),
    index('fills_order_idx').on(t.orderId),
    index('fills_symbol_time_idx').on(t.symbol, t.filledAt),
  ],
);
