import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, timestamps, tstz } from './columns.ts';

/** Roles in increasing power: a viewer reads, a trader also acts on positions, an admin manages everything. */
export const USER_ROLES = ['viewer', 'trader', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Dashboard/API users. `password_hash` is a self-describing hash string (algorithm + params + salt). */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    displayName: text('display_name'),
    role: text('role').$type<UserRole>().notNull().default('viewer'),
    passwordHash: text('password_hash').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    lastLoginAt: tstz('last_login_at'),
    ...timestamps,
  },
  (t) => [check('users_role_check', sql.raw(`${t.role.name} in (${sqlList(USER_ROLES)})`))],
);
