import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AuditAnchor, type AuditAnchorValue, parseAuditAnchor } from '@enigma/db/repositories/audit';

/** The file under the data dir that keeps the audit chain's head outside the database. */
export const AUDIT_ANCHOR_FILE = 'audit-anchor.json';

/**
 * The audit anchor of `enigma start`: `{ seq, hash }` of the chain head in `<dataDir>/audit-anchor.json`,
 * written whole to a temporary file and renamed over the old one (a crash leaves the old or the new
 * anchor, never half of one), never lowered. `enigma audit:verify` reads the same file. Raises are
 * serialised in this process; the file has one writer (the running `enigma start`).
 *
 * @example const anchor = fileAuditAnchor(dataDir); await anchorAuditHead(db, anchor);
 */
export function fileAuditAnchor(dataDir: string): AuditAnchor & { readonly path: string } {
  const path = join(dataDir, AUDIT_ANCHOR_FILE);
  const read = (): AuditAnchorValue | null => {
    try {
      return parseAuditAnchor(readFileSync(path, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  };
  let queue: Promise<void> = Promise.resolve();
  return {
    path,
    async read() {
      return read();
    },
    raise(value) {
      queue = queue.then(() => {
        const current = read();
        if (current && current.seq >= value.seq) return;
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, `${JSON.stringify({ seq: value.seq, hash: value.hash })}\n`, { mode: 0o600 });
        renameSync(tmp, path);
      });
      return queue;
    },
  };
}
