import type { MasterKey } from '@enigma/db/crypto/envelope';
import type { EnigmaDb } from '@enigma/db/db-type';
import { getWebhookSourceByName } from '@enigma/db/repositories/webhook-sources';

import { sha256Hex } from '../security/compare.ts';

/** A source with the SHA-256 (hex) of each valid secret, so a check costs one digest of the presented secret. */
export type IntakeSource = NonNullable<Awaited<ReturnType<typeof getWebhookSourceByName>>> & {
  secretDigests: string[];
};

/** Read a source and digest its secrets (api-kind secrets are stored as that digest already). */
export async function loadIntakeSource(
  db: EnigmaDb,
  mk: MasterKey,
  name: string,
  now: number,
): Promise<IntakeSource | null> {
  const source = await getWebhookSourceByName(db, mk, name, new Date(now));
  if (!source) return null;
  const secretDigests = await Promise.all(
    source.secrets.map((s) =>
      s.plaintext !== null ? sha256Hex(s.plaintext) : Promise.resolve(s.hash ?? ''),
    ),
  );
  return { ...source, secretDigests: secretDigests.filter((d) => d.length === 64) };
}

/**
 * Webhook sources (policy and decrypted secrets) remembered for a few seconds, so a burst of alerts
 * costs one lookup and one decryption instead of two queries each. A change made through the
 * settings API clears the cache at once in this process; elsewhere it applies within `ttlMs`.
 * Misses (unknown names) are not cached, so creating a source takes effect immediately.
 */
export class SourceCache {
  readonly #entries = new Map<string, { source: IntakeSource; expiresAt: number }>();
  constructor(readonly ttlMs = 5_000) {}

  async get(db: EnigmaDb, mk: MasterKey, name: string, now: number): Promise<IntakeSource | null> {
    const hit = this.#entries.get(name);
    if (hit && hit.expiresAt > now) return hit.source;
    const source = await loadIntakeSource(db, mk, name, now);
    if (source && this.ttlMs > 0) {
      if (this.#entries.size > 1000) this.#entries.clear();
      this.#entries.set(name, { source, expiresAt: now + this.ttlMs });
    } else {
      this.#entries.delete(name);
    }
    return source;
  }

  clear(): void {
    this.#entries.clear();
  }
}
