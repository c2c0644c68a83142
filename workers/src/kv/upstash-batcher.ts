import type { Redis } from '@upstash/redis';

/** An Upstash pipeline under construction. */
export type UpstashPipeline = ReturnType<Redis['pipeline']>;

interface Waiter {
  build: (p: UpstashPipeline) => unknown;
  count: number;
  resolve(results: unknown[]): void;
  reject(error: unknown): void;
}

const nextTurn: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/**
 * Coalesces the Upstash commands of concurrent requests into shared `/pipeline` requests, for a
 * long-lived process (Node) where one Redis client serves every request. Upstash's own
 * auto-pipelining only joins commands issued in the same microtask; under load, requests interleave
 * across event-loop turns and each command would otherwise cost its own HTTPS round trip.
 *
 * Each caller's commands stay contiguous and in order inside one pipeline, so per-key order
 * (INCR then EXPIRE) holds; a caller gets exactly its own replies, and is rejected if one of its
 * commands failed or the request did. Upstash pipelines are not atomic across callers, and none rely
 * on that. A caller waits for the rest of the current event-loop turn, or while `maxInFlight`
 * pipelines are out, for one of them to return.
 */
export class UpstashBatcher {
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** pipelines sent so far */
  requests = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: { maxCommands?: number; maxInFlight?: number } = {},
  ) {}

  /** Queue the `count` commands `build` adds to a pipeline; resolves with their replies, in order. */
  run(count: number, build: (p: UpstashPipeline) => unknown): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ build, count, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    const maxInFlight = this.options.maxInFlight ?? 4;
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= maxInFlight) return;
    this.#scheduled = true;
    nextTurn(() => {
      this.#scheduled = false;
      while (this.#inFlight < maxInFlight && this.#queue.length > 0) {
        const batch = this.#take(this.options.maxCommands ?? 200);
        this.#inFlight++;
        void this.#send(batch).finally(() => {
          this.#inFlight--;
          this.#schedule();
        });
      }
    });
  }

  #take(maxCommands: number): Waiter[] {
    const batch: Waiter[] = [];
    let commands = 0;
    while (
      this.#queue.length > 0 &&
      (batch.length === 0 || commands + this.#queue[0]!.count <= maxCommands)
    ) {
      const w = this.#queue.shift()!;
      commands += w.count;
      batch.push(w);
    }
    return batch;
  }

  async #send(batch: Waiter[]): Promise<void> {
    let replies: { error?: string; result: unknown }[];
    try {
      const p = this.redis.pipeline();
      for (const w of batch) w.build(p);
      this.requests++;
      replies = (await p.exec({ keepErrors: true })) as { error?: string; result: unknown }[];
    } catch (e) {
      for (const w of batch) w.reject(e);
      return;
    }
    let at = 0;
    for (const w of batch) {
      const mine = replies.slice(at, at + w.count);
      at += w.count;
      const failed = mine.find((r) => r.error);
      if (failed || mine.length !== w.count) {
        w.reject(new Error(`Upstash command failed: ${failed?.error ?? 'missing reply'}`));
      } else {
        w.resolve(mine.map((r) => r.result));
      }
    }
  }
}
