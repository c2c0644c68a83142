import type { EnigmaDb } from '@enigma/db/db-type';
import {
  type AuditEntry,
  type AuditKey,
  type AuditRow,
  appendAudit,
  auditKeyFromMasterKey,
} from '@enigma/db/repositories/audit';
import type { AppConfig } from './deps.ts';

const keys = new Map<string, Promise<AuditKey>>();

/** The audit chain's key, derived from the master key once per isolate. */
export function auditKeyOf(config: Pick<AppConfig, 'masterKey'>): Promise<AuditKey> {
  let key = keys.get(config.masterKey);
  if (!key) {
    key = auditKeyFromMasterKey(config.masterKey);
    key.catch(() => keys.delete(config.masterKey));
    keys.set(config.masterKey, key);
  }
  return key;
}

/**
 * Record an audit entry in `tx`, the transaction that makes the change it records: the change and
 * its row commit together or not at all. Every mutating `/api` route writes through this.
 *
 * @example await db.transaction(async (tx) => { await change(tx); await recordAudit(tx, config, entry); });
 */
export async function recordAudit(
  tx: EnigmaDb,
  config: Pick<AppConfig, 'masterKey'>,
  entry: AuditEntry,
): Promise<AuditRow> {
  return appendAudit(tx, await auditKeyOf(config), entry);
}
