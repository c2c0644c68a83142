import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, tstz } from './columns.ts';
import { USER_ROLES, type UserRole, users } from './users.ts';

/**
 * API keys: only a SHA-256 hash of the full key is stored; `prefix` (the first characters) is shown in
 * the dashboard so a user can tell keys apart, and is unique so lookup by prefix is one index probe.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull().unique(),
    keyHash: text('key_hash').notNull().unique(),
    role: text('role').$type<UserRole>().notNull().default('viewer'),
    lastUsedAt: tstz('last_used_at'),
    expiresAt: tstz('expires_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('api_keys_role_check', sql.raw(`${t.role.name} in (${sqlList(USER_ROLES)})`)),
    index('api_keys_user_idx').on(t.userId),
  ],
);
