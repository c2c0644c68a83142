import { integer, jsonb, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { timestamps, tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';

/**
 * Current position per account and symbol, built from fills. `qty` is signed integer lots (negative =
 * short), as KuCoin reports `currentQty`. The round trip in progress keeps its fees, funding and
 * realised PnL so a close becomes a closed trade; `stop_*` is its exchange-side protective stop.
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
    /** gross realised PnL of the round trip in progress */
    realisedPnl: numeric('realised_pnl').notNull().default('0'),
    /** trading fees of the round trip in progress (positive = paid) */
    fees: numeric('fees').notNull().default('0'),
    /** funding of the round trip in progress (positive = received) */
    funding: numeric('funding').notNull().default('0'),
    /** the largest |qty| of the round trip (the closed trade's size) */
    maxQty: integer('max_qty').notNull().default(0),
    /** the signal that opened the round trip */
    signalId: uuid('signal_id'),
    /** the protective stop: its price, the clientOid of the live stop order, its version (for the next clientOid) */
    stopPrice: numeric('stop_price'),
    stopOrderId: text('stop_order_id'),
    stopClientOid: text('stop_client_oid'),
    stopVersion: integer('stop_version').notNull().default(0),
    stopConfirmedAt: tstz('stop_confirmed_at'),
    /** since when the position has had no confirmed stop (null when protected or flat) */
    unprotectedSince: tstz('unprotected_since'),
    /** the stop distance at entry (price units), for take-profits and trailing */
    stopDistance: numeric('stop_distance'),
    /** best price since entry (for the ratchet-only trailing stop) */
    bestPrice: numeric('best_price'),
    /** take-profit orders: [{ level, price, lots, clientOid }] */
    takeProfits: jsonb('take_profits')
      .$type<{ level: number; price: string; lots: number; clientOid: string }[]>()
      .notNull()
      .default([]),
    /** last funding settlement already counted (epoch ms) */
    fundingCheckedAt: tstz('funding_checked_at'),
    openedAt: tstz('opened_at'),
    closedAt: tstz('closed_at'),
    ...timestamps,
  },
  (t) => [unique('positions_account_symbol_unique').on(t.accountId, t.symbol).nullsNotDistinct()],
);
