import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { timestamps } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { type OrderSide, orderIntents } from './order-intents.ts';

/** Statuses in which an order may still trade; used by the one-live-entry-order-per-intent index. */
export const LIVE_ORDER_STATUSES = ['new', 'submitted', 'open', 'partially_filled', 'cancelling'] as const;

/**
 * Orders sent (or about to be sent) to the exchange. `client_oid` is deterministic and unique so a retry
 * never doubles an order. A partial unique index allows at most one live entry order per intent.
 */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    intentId: uuid('intent_id').references(() => orderIntents.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    clientOid: text('client_oid').notNull().unique(),
    exchangeOrderId: text('exchange_order_id').unique(),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    /** entry | stop | take_profit | exit | slice */
    purpose: text('purpose').notNull().default('entry'),
    type: text('type').notNull(),
    price: numeric('price'),
    stopPrice: numeric('stop_price'),
    size: integer('size').notNull(),
    filledSize: integer('filled_size').notNull().default(0),
    avgFillPrice: numeric('avg_fill_price'),
    reduceOnly: boolean('reduce_only').notNull().default(false),
    timeInForce: text('time_in_force'),
    status: text('status').notNull().default('new'),
    reason: text('reason'),
    raw: jsonb('raw').$type<unknown>(),
    ...timestamps,
  },
  (t) => [
    check('orders_side_check', sql.raw(`${t.side.name} in ('buy', 'sell')`)),
    check('orders_size_check', sql.raw(`${t.size.name} > 0 and ${t.filledSize.name} >= 0`)),
    index('orders_intent_idx').on(t.intentId),
    index('orders_symbol_status_idx').on(t.symbol, t.status),
    uniqueIndex('orders_one_live_entry_per_intent')
      .on(t.intentId)
      .where(
        sql.raw(`purpose = 'entry' and status in (${LIVE_ORDER_STATUSES.map((s) => `'${s}'`).join(', ')})`),
      ),
  ],
);
