import { index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * Transactional outbox: stream entries that must reach the bus, written in the same statement as the
 * row they announce (an accepted signal, an indicator snapshot, an alert notice). The intake publishes
 * an entry at once and deletes it; whatever is left (the append failed, the process died in between)
 * is re-published by the relay once its lease has run out. At-least-once: consumers dedupe by the
 * payload's id.
 */
export const outbox = pgTable(
  'outbox',
  {
    /** the id of the row the entry announces (e.g. the signal id) */
    id: uuid('id').primaryKey(),
    stream: text('stream').notNull(),
    /** the exact stream payload, already checked against the stream catalog */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** nobody else may publish the entry before this instant (the writer holds it while it appends) */
    leaseUntil: tstz('lease_until').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('outbox_lease_until_idx').on(t.leaseUntil)],
);
