import type { KvPort } from '../deps.ts';

/**
 * In-process KvPort for the embedded default (one Node process, no Redis). Expiry is checked on
 * read against the injected clock, so nothing needs a timer.
 *
 * @example const kv = new MemoryKv(() => Date.now());
 */
export class MemoryKv implements KvPort {
  readonly #values = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async setNx(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#values.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    this.#sweep();
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

  #live(key: string) {
    const entry = this.#values.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#values.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Bound memory: drop expired entries once the map grows. */
  #sweep(): void {
    if (this.#values.size < 100_000) return;
    for (const key of [...this.#values.keys()]) this.#live(key);
  }
}
