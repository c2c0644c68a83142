import type { MasterKey } from '@enigma/db/crypto/envelope';
import type { EnigmaDb } from '@enigma/db/db-type';
import { getWebhookSourceByName } from '@enigma/db/repositories/webhook-sources';
import { LRUCache } from 'lru-cache';

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
 * costs one lookup and one decryption instead of two queries each. Misses (unknown names) are
 * remembered too, so a flood of requests naming sources that do not exist never reaches the
 * database. Concurrent lookups of one name share one query. Bounded: at most `maxEntries` names, least recently used dropped first. A change made
 * through the settings API clears the cache at once in this process; elsewhere it applies within
 * `ttlMs`.
 */
export class SourceCache {
  readonly #entries: LRUCache<string, { source: Promise<IntakeSource | null>; expiresAt: number }>;
  constructor(
    readonly ttlMs = 5_000,
    maxEntries = 1_000,
  ) {
    this.#entries = new LRUCache({ max: maxEntries });
  }

  async get(db: EnigmaDb, mk: MasterKey, name: string, now: number): Promise<IntakeSource | null> {
    const hit = this.#entries.get(name);
    if (hit && hit.expiresAt > now) return hit.source;
    // One lookup in flight per name: a burst arriving as an entry expires waits for the same query
    // instead of sending one each (a thundering herd on a small connection pool).
    const source = loadIntakeSource(db, mk, name, now);
    if (this.ttlMs > 0) {
      this.#entries.set(name, { source, expiresAt: now + this.ttlMs });
      source.catch(() => this.#entries.delete(name));
    }
    return source;
  }

  /** Names currently remembered (tests). */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
