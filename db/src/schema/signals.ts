import { SIGNAL_STATUSES, type SignalStatus } from '@enigma/core/api/responses';
import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, index, jsonb, numeric, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sqlList, tstz } from './columns.ts';
import { webhookSources } from './webhook-sources.ts';

/** Lifecycle of a signal, from intake to a protected position (one home: core's API responses). */
export { SIGNAL_STATUSES, type SignalStatus } from '@enigma/core/api/responses';

export const SIGNAL_ACTIONS = ['buy', 'sell', 'long', 'short', 'close', 'reverse'] as const;
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];

/**
 * Every alert that reached intake, accepted or not: rejected/invalid/duplicate records are kept (without an
 * idempotency key) so the dashboard can explain them. `payload` is the parsed payload with the secret removed.
 */
export const signals = pgTable(
  'signals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sourceId: uuid('source_id').references(() => webhookSources.id, { onDelete: 'set null' }),
    source: text('source').notNull(),
    idempotencyKey: text('idempotency_key').unique('signals_idempotency_key_unique'),
    status: text('status').$type<SignalStatus>().notNull(),
    reason: text('reason'),
    /** normalised KuCoin contract, e.g. XBTUSDTM */
    symbol: text('symbol'),
    rawSymbol: text('raw_symbol'),
    action: text('action').$type<SignalAction>(),
    interval: text('interval'),
    alertTime: tstz('alert_time'),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    clientIp: text('client_ip'),
    payload: jsonb('payload').$type<unknown>(),
    price: numeric('price'),
    /** integer lots of the contract */
    contracts: numeric('contracts'),
    /** size in base currency or quote value when the sender gave it that way */
    size: numeric('size'),
    duplicateOf: uuid('duplicate_of').references((): AnyPgColumn => signals.id, { onDelete: 'set null' }),
    score: numeric('score'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: tstz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    check('signals_status_check', sql.raw(`${t.status.name} in (${sqlList(SIGNAL_STATUSES)})`)),
    check(
      'signals_action_check',
      sql.raw(`${t.action.name} is null or ${t.action.name} in (${sqlList(SIGNAL_ACTIONS)})`),
    ),
    index('signals_received_at_idx').on(t.receivedAt.desc(), t.id.desc()),
    index('signals_status_received_idx').on(t.status, t.receivedAt.desc()),
    index('signals_symbol_received_idx').on(t.symbol, t.receivedAt.desc()),
  ],
);
