import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { sqlList, timestamps } from './columns.ts';

export const COMMAND_STATUSES = ['pending', 'running', 'done', 'failed', 'rejected'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/**
 * Operator commands (place, cancel, cancel-all, close, TP/SL, kill switch), idempotent per issuer and
 * key IN THE DATABASE: the API inserts the row (and its outbox entry) in one transaction; the engine
 * runs it once and stores the outcome, which the API reads back.
 */
export const commands = pgTable(
  'commands',
  {
    id: uuid('id').primaryKey(),
    issuedBy: text('issued_by').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    type: text('type').notNull(),
    /** the validated command */
    command: jsonb('command').$type<Record<string, unknown>>().notNull(),
    /** SHA-256 of the command, so a reused key with another command is a conflict */
    fingerprint: text('fingerprint').notNull(),
    status: text('status').$type<CommandStatus>().notNull().default('pending'),
    reason: text('reason'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    ...timestamps,
  },
  (t) => [
    unique('commands_issuer_key_unique').on(t.issuedBy, t.idempotencyKey),
    check('commands_status_check', sql.raw(`${t.status.name} in (${sqlList(COMMAND_STATUSES)})`)),
    index('commands_created_idx').on(t.createdAt),
  ],
);
