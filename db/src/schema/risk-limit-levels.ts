import { integer, numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { exchangeAccounts } from './exchange-accounts.ts';

/**
 * The risk-limit level the account has selected on each contract, as the engine last knew it (its
 * position report's `riskLimitLevel`, `maintMarginReq`, `riskLimit`, or a pushed `position.adjustRiskLimit`
 * at that level's rate and cap in the contract's table), kept for readers outside the engine: the order
 * ticket's risk preview estimates an isolated liquidation at it, as the engine's pre-trade check judges.
 * A row whose three values are null: the contract was last read in cross margin (no isolated level is
 * known). `at` is when the engine took the reading; an older reading never replaces a newer one.
 */
export const riskLimitLevels = pgTable(
  'risk_limit_levels',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => exchangeAccounts.id, { onDelete: 'cascade' }),
    symbol: text('symbol').notNull(),
    level: integer('level'),
    /** maintenance margin rate, a fraction (0.004 = 0.4 %) */
    maintainMargin: numeric('maintain_margin'),
    /** the largest position value (settle currency) the level allows */
    maxNotional: numeric('max_notional'),
    at: tstz('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.symbol] })],
);
