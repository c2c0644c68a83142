import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { users } from './users.ts';

/**
 * Refresh tokens, stored as the SHA-256 of the token only. Each login starts a family; every refresh
 * uses its token up (`used_at`) and issues the next one in the same family. A token presented twice
 * means it was stolen (or replayed): the whole family is revoked, so both the thief and the owner must
 * log in again. Logout revokes the family.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: tstz('expires_at').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    usedAt: tstz('used_at'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [index('refresh_tokens_family_idx').on(t.familyId), index('refresh_tokens_user_idx').on(t.userId)],
);
