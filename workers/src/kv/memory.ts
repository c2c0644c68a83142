import { LRUCache } from 'lru-cache';
import type { KvPort } from '../deps.ts';

/**
 * In-process KvPort for the embedded default (one Node process, no Redis). Expiry is checked on
 * read against the injected clock, so nothing needs a timer; memory is bounded by `maxEntries`
 * (least recently used dropped first: an idempotency key dropped early is still caught by the
 * database's unique key, a rate-limit window dropped early starts again).
 *
 * @example const kv = new MemoryKv(() => Date.now());
 */
export class MemoryKv implements KvPort {
  readonly #values: LRUCache<string, { value: string; expiresAt: number }>;
  constructor(
    private readonly now: () => number = Date.now,
    maxEntries = 200_000,
  ) {
    this.#values = new LRUCache({ max: maxEntries });
  }

  async setNx(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#values.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async del(key: string): Promise<void> {
    this.#values.delete(key);
  }

  async hit(key: string, windowSeconds: number): Promise<{ count: number; resetSeconds: number }> {
    const now = this.now();
    const window = Math.floor(now / (windowSeconds * 1000));
    const full = `${key}:${window}`;
    const current = this.#live(full);
    const count = current ? Number(current.value) + 1 : 1;
    const expiresAt = (window + 1) * windowSeconds * 1000;
    this.#values.set(full, { value: String(count), expiresAt });
    return { count, resetSeconds: Math.max(1, Math.ceil((expiresAt - now) / 1000)) };
  }

  /** Entries held (tests). */
  get size(): number {
    return this.#values.size;
  }

  #live(key: string) {
    const entry = this.#values.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#values.delete(key);
      return undefined;
    }
    return entry;
  }
}
