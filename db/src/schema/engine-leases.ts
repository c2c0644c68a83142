import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * Exactly one engine trades an account at a time: the holder renews its lease; another process takes
 * over only once it has expired, and every take-over increments `fence`. Orders carry the fence of the
 * process that created them, and writes by a process whose fence is no longer current are refused.
 */
export const engineLeases = pgTable('engine_leases', {
  /** what is leased, e.g. `engine:<account>` */
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  fence: bigint('fence', { mode: 'number' }).notNull(),
  expiresAt: tstz('expires_at').notNull(),
  renewedAt: tstz('renewed_at').notNull(),
});
