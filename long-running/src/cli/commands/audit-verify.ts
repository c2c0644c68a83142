import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditKeyFromMasterKey, verifyAuditLog } from '@enigma/db/repositories/audit';
import { loadEnv } from '../../env.ts';
import { AUDIT_ANCHOR_FILE, fileAuditAnchor } from '../../runtime/audit-anchor.ts';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

/** The master key to verify with: ENIGMA_MASTER_KEY, else the data dir's file. Never generates one. */
function masterKeyForVerify(): string {
  const env = loadEnv();
  if (env.ENIGMA_MASTER_KEY) return env.ENIGMA_MASTER_KEY;
  const file = join(env.ENIGMA_DATA_DIR, 'master.key');
  if (!existsSync(file)) throw new Error(`no master key: set ENIGMA_MASTER_KEY or run where ${file} exists`);
  return readFileSync(file, 'utf8').trim();
}

export const auditVerifyCommand: CliCommand = {
  name: 'audit:verify',
  summary: 'verify the audit log MAC chain with the master key (exit 1 naming the first bad row)',
  usage: [
    'usage: enigma audit:verify [--json]',
    '',
    'Walks the audit chain of DATABASE_URL (or the embedded PGlite under ENIGMA_DATA_DIR: stop `enigma start`',
    'first, PGlite has one user at a time) with the key derived from ENIGMA_MASTER_KEY (or the data dir’s',
    'master.key). The chain must also reach the head `enigma start` kept outside the database, in',
    `the data dir's ${AUDIT_ANCHOR_FILE} (a deleted tail shows there). While the system runs,`,
    'GET /api/audit/verify (admin) gives the same answer.',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  async run({ values }) {
    const key = await auditKeyFromMasterKey(masterKeyForVerify());
    const { handle, where } = await openConfiguredDatabase();
    try {
      const anchor = await fileAuditAnchor(loadEnv().ENIGMA_DATA_DIR).read();
      const result = await verifyAuditLog(handle.db, key, { anchor });
      if (values.json) console.log(JSON.stringify({ where, ...result }));
      else if (result.ok)
        console.log(
          `audit log of ${where}: ${result.rows} rows, chain intact${result.legacyRows ? ` (${result.legacyRows} unkeyed rows from before the chain was keyed)` : ''}${result.anchoredSeq ? `, up to the head anchored outside the database (row ${result.anchoredSeq})` : ', no head anchored outside the database yet'}`,
        );
      else
        console.log(
          `audit log of ${where}: NOT INTACT — row ${result.firstBadSeq} ${result.problem} (${result.rows} rows verified before it)`,
        );
      return result.ok ? 0 : 1;
    } finally {
      await handle.close();
    }
  },
};
