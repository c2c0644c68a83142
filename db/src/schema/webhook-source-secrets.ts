import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.ts';
import { webhookSources } from './webhook-sources.ts';

/**
 * Secrets of a webhook source. Several may be valid at once during a rotation grace period. Secrets that
 * intake must compare in plaintext (tradingview/custom) are envelope-encrypted (`data_key` + `secret_ct`);
 * API-kind secrets are only hashed (`secret_hash`, SHA-256 hex). The id is application-generated because it
 * is bound into the ciphertext's additional authenticated data.
 */
export const webhookSourceSecrets = pgTable(
  'webhook_source_secrets',
  {
    id: uuid('id').primaryKey(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => webhookSources.id, { onDelete: 'cascade' }),
    masterKeyId: text('master_key_id'),
    dataKey: text('data_key'),
    secretCt: text('secret_ct'),
    secretHash: text('secret_hash'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    /** null while current; set on rotation to the end of the grace period. */
    expiresAt: tstz('expires_at'),
  },
  (t) => [
    index('webhook_source_secrets_source_idx').on(t.sourceId),
    check(
      'webhook_source_secrets_material_check',
      sql.raw(
        `(${t.secretCt.name} is not null and ${t.dataKey.name} is not null and ${t.masterKeyId.name} is not null) or ${t.secretHash.name} is not null`,
      ),
    ),
  ],
);
