import { timestamp } from 'drizzle-orm/pg-core';

/** timestamptz as a JS Date; every time in the database is an instant, never a local time. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** created_at/updated_at pair shared by mutable tables; updated_at is refreshed by drizzle on update. */
export const timestamps = {
  createdAt: tstz('created_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

/** SQL list literal for CHECK constraints built from a readonly tuple of enum values. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
}
