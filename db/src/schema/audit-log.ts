import { sql } from 'drizzle-orm';
import { bigint, check, jsonb, pgTable, smallint, text } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';

/**
 * Append-only, hash-chained audit trail (see src/repositories/audit.ts). `seq` is assigned by appendAudit
 * as head + 1 under a row lock, so gaps only appear when a row is deleted. UPDATE/DELETE/TRUNCATE are
 * refused by triggers (custom migration).
 */
export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: tstz('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  entity: text('entity').notNull(),
  entityId: text('entity_id'),
  data: jsonb('data').$type<unknown>().notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/**
 * The chain's head (single row, id = 1): the last seq and hash. Appends lock it FOR UPDATE, which
 * serialises writers, and verification compares it with the last row so a deleted or forged tail shows.
 */
export const auditHead = pgTable(
  'audit_head',
  {
    id: smallint('id').primaryKey().default(1),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_head_single_row', sql.raw(`${t.id.name} = 1`))],
);
