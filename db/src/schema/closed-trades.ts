import { sql } from 'drizzle-orm';
import { check, index, integer, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { positions } from './positions.ts';
import { signals } from './signals.ts';

/** A round trip from open to close, with its realised PnL net of fees and funding. */
export const closedTrades = pgTable(
  'closed_trades',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    positionId: uuid('position_id').references(() => positions.id, { onDelete: 'set null' }),
    signalId: uuid('signal_id').references(() => signals.id, { onDelete: 'set null' }),
    symbol: text('symbol').notNull(),
    /** long | short */
    side: text('side').notNull(),
    size: integer('size').notNull(),
    entryPrice: numeric('entry_price').notNull(),
    exitPrice: numeric('exit_price').notNull(),
    grossPnl: numeric('gross_pnl').notNull(),
    fees: numeric('fees').notNull().default('0'),
    funding: numeric('funding').notNull().default('0'),
    netPnl: numeric('net_pnl').notNull(),
    openedAt: tstz('opened_at').notNull(),
    closedAt: tstz('closed_at').notNull(),
    exitReason: text('exit_reason'),
    /**
     * KuCoin's own record of the same round trip (`/api/v1/history-positions`, matched by side and close
     * time): its realised P&L (net of its fees and funding), fees and funding, and its close id; null when
     * the exchange had not reported it when the trade was recorded.
     */
    exchangePnl: numeric('exchange_pnl'),
    exchangeFees: numeric('exchange_fees'),
    exchangeFunding: numeric('exchange_funding'),
    exchangeCloseId: text('exchange_close_id'),
    /**
     * the leverage of the position the trade closed (its initial margin = entry notional / leverage), for
     * ROI on margin; null when it was not known (an adopted position, trades recorded before it was kept)
     */
    leverage: numeric('leverage'),
  },
  (t) => [
    check('closed_trades_side_check', sql.raw(`${t.side.name} in ('long', 'short')`)),
    index('closed_trades_closed_at_idx').on(t.closedAt),
    index('closed_trades_symbol_idx').on(t.symbol, t.closedAt),
  ],
);
