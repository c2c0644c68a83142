import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { signals } from './signals.ts';

export const ORDER_SIDES = ['buy', 'sell'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

/**
 * What the engine decided to do about a signal, after scoring and risk. The unique `signal_id` enforces
 * "a signal becomes at most one order intent" in the database.
 */
export const orderIntents = pgTable(
  'order_intents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    signalId: uuid('signal_id')
      .unique('order_intents_signal_unique')
      .references(() => signals.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    /** integer lots */
    size: integer('size').notNull(),
    /** market | limit_chase | twap | iceberg */
    style: text('style').notNull().default('market'),
    limitPrice: numeric('limit_price'),
    stopPrice: numeric('stop_price'),
    takeProfitPrice: numeric('take_profit_price'),
    leverage: numeric('leverage'),
    reduceOnly: boolean('reduce_only').notNull().default(false),
    status: text('status').notNull().default('pending'),
    reason: text('reason'),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    check('order_intents_side_check', sql.raw(`${t.side.name} in ('buy', 'sell')`)),
    check('order_intents_size_check', sql.raw(`${t.size.name} > 0`)),
    index('order_intents_status_idx').on(t.status),
  ],
);
