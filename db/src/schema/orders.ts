import { LIVE_ORDER_STATES, ORDER_STATES, type OrderState } from '@enigma/core/engine/order-state';
import { sql } from 'drizzle-orm';
import {
  bigint,
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
import { sqlList, timestamps, tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { type OrderSide, orderIntents } from './order-intents.ts';

/** Statuses in which an order may still trade; used by the one-live-entry-order-per-intent index. */
export const LIVE_ORDER_STATUSES = LIVE_ORDER_STATES;
export const ORDER_PURPOSES = ['entry', 'exit', 'stop', 'take_profit', 'flatten', 'manual'] as const;
export type OrderPurpose = (typeof ORDER_PURPOSES)[number];

/**
 * Orders sent (or about to be sent) to the exchange. The row is committed in state `intent` BEFORE the
 * request goes on the wire; `client_oid` is deterministic and unique, so a retry or a restart never
 * doubles an order, and a lost answer is resolved by looking the clientOid up. Status follows the
 * order state table in core/src/engine/order-state.ts (checked here).
 */
export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    intentId: uuid('intent_id').references(() => orderIntents.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    clientOid: text('client_oid').notNull().unique(),
    exchangeOrderId: text('exchange_order_id').unique(),
    /** the signal, position or command that caused it */
    signalId: uuid('signal_id'),
    commandId: uuid('command_id'),
    symbol: text('symbol').notNull(),
    side: text('side').$type<OrderSide>().notNull(),
    purpose: text('purpose').$type<OrderPurpose>().notNull().default('entry'),
    /** limit | market | stop_market | stop_limit */
    type: text('type').notNull(),
    price: numeric('price'),
    stopPrice: numeric('stop_price'),
    /** TP | MP | IP for stop orders */
    stopPriceType: text('stop_price_type'),
    size: integer('size').notNull(),
    filledSize: integer('filled_size').notNull().default(0),
    avgFillPrice: numeric('avg_fill_price'),
    leverage: numeric('leverage'),
    marginMode: text('margin_mode'),
    reduceOnly: boolean('reduce_only').notNull().default(false),
    timeInForce: text('time_in_force'),
    status: text('status').$type<OrderState>().notNull().default('intent'),
    reason: text('reason'),
    /** the engine lease's fencing token of the process that created the intent */
    fence: bigint('fence', { mode: 'number' }),
    submittedAt: tstz('submitted_at'),
    doneAt: tstz('done_at'),
    raw: jsonb('raw').$type<unknown>(),
    /** the router's execution style (market, limit_chase, twap, iceberg); null for stops and commands */
    execStyle: text('exec_style'),
    /** the mid price when the order was decided: slippage and shortfall are measured against it */
    decisionMid: numeric('decision_mid'),
    /** the estimated cost from walking the book at the decision, bps against decisionMid */
    estCostBps: numeric('est_cost_bps'),
    /** realised: the average fill against decisionMid, bps (positive = cost) */
    slippageBps: numeric('slippage_bps'),
    /** realised: implementation shortfall in the quote currency (filled part's cost + unfilled part's missed move) */
    shortfall: numeric('shortfall'),
    ...timestamps,
  },
  (t) => [
    check('orders_side_check', sql.raw(`${t.side.name} in ('buy', 'sell')`)),
    check(
      'orders_size_check',
      sql.raw(`${t.size.name} > 0 and ${t.filledSize.name} >= 0 and ${t.filledSize.name} <= ${t.size.name}`),
    ),
    check('orders_status_check', sql.raw(`${t.status.name} in (${sqlList(ORDER_STATES)})`)),
    check('orders_purpose_check', sql.raw(`${t.purpose.name} in (${sqlList(ORDER_PURPOSES)})`)),
    index('orders_intent_idx').on(t.intentId),
    index('orders_symbol_status_idx').on(t.symbol, t.status),
    index('orders_signal_idx').on(t.signalId),
    uniqueIndex('orders_one_live_entry_per_intent')
      .on(t.intentId)
      .where(sql.raw(`purpose = 'entry' and status in (${sqlList(LIVE_ORDER_STATUSES)})`)),
  ],
);
