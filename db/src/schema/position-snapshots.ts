import { bigserial, index, integer, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';
import { positions } from './positions.ts';

/** Periodic copies of a position, for equity curves and post-mortems. */
export const positionSnapshots = pgTable(
  'position_snapshots',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    positionId: uuid('position_id').references(() => positions.id, { onDelete: 'set null' }),
    accountId: uuid('account_id').references(() => exchangeAccounts.id, { onDelete: 'restrict' }),
    symbol: text('symbol').notNull(),
    qty: integer('qty').notNull(),
    avgEntryPrice: numeric('avg_entry_price'),
    markPrice: numeric('mark_price'),
    unrealisedPnl: numeric('unrealised_pnl'),
    realisedPnl: numeric('realised_pnl'),
    at: tstz('at').notNull(),
  },
  (t) => [index('position_snapshots_symbol_at_idx').on(t.accountId, t.symbol, t.at)],
);
