/**
 * Calls of an isolate's concurrent requests gathered into one round trip, on the answer's path, with no
 * request ever depending on another one's life:
 *
 * - `run(item)` sends at once when fewer than `maxInFlight` batches are out (no timer, no added wait
 *   when the isolate is quiet); otherwise the item queues for the next batch.
 * - A batch is always sent by a request that is in it (its *leader*), from its own context, and awaited
 *   there: when a batch ends, its leader hands the queue to the first queued request (a plain value
 *   resolved across requests), which sends the next batch itself. No fetch is made on another request's
 *   behalf from a context that does not wait for it, and only data crosses requests.
 * - One result (or error) per item; a batch that fails as a whole fails only the items the `send` says.
 * - A request whose leader never sends or never answers (its request was cancelled while it waited, or
 *   the isolate lost it) does not wait for ever: after `orphanMs` it sends its own item alone
 *   (`alone`), and the leader's slot is taken back after `staleMs`. The item may then have been sent twice
 *   (a counter counted twice, an insert met by its own row): the callers accept that.
 *
 * workerd delivers a promise resolved from another request's context to the context that awaits it
 * (cross-request promise resolution); an awaiting request that was cancelled is simply never resumed.
 */

/** One item's outcome in a batch. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GatheredCallsOptions<I, O> {
  /** runs one batch, in order; one outcome per item (a throw fails every item of the batch) */
  send(items: readonly I[]): Promise<Settled<O>[]>;
  /** one item alone, when its batch never answered */
  alone(item: I): Promise<O>;
  /** items per batch at most */
  maxBatch?: number;
  /** batches out at once at most */
  maxInFlight?: number;
  /** how long a queued or sent item waits before sending itself alone (default 2,000 ms) */
  orphanMs?: number;
}

/** The handed-over queue: the batch to send, and the slot held for it meanwhile. */
interface Lead<I, O> {
  lead: Waiter<I, O>[];
  slot: { at: number };
}

interface Waiter<I, O> {
  item: I;
  settled: boolean;
  settle(s: Settled<O> | Lead<I, O>): void;
}

export class GatheredCalls<I, O> {
  readonly #queue: Waiter<I, O>[] = [];
  /** start times of the batches out (a slot older than `staleMs` is taken back) */
  readonly #out = new Set<{ at: number }>();
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #orphanMs: number;
  /** batches sent, and items sent alone after waiting too long (tests, benches) */
  batches = 0;
  orphans = 0;

  constructor(private readonly options: GatheredCallsOptions<I, O>) {
    this.#maxBatch = Math.max(1, options.maxBatch ?? 100);
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.#orphanMs = options.orphanMs ?? 2_000;
  }

  async run(item: I): Promise<O> {
    if (this.#hasSlot()) {
      const batch = this.#queue.splice(0, this.#maxBatch - 1);
      return this.#lead([this.#own(item), ...batch]);
    }
    const waiter = this.#own(item);
    this.#queue.push(waiter);
    // The orphan timer is also what keeps this request alive in workerd: a request awaiting only a
    // promise another request resolves, with no I/O or timer of its own pending, is cancelled as hung
    // ("the Workers runtime canceled this request … would never generate a response"). Tried without
    // it (docs/intake.md, sixth round): every queued request failed with that 500.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await new Promise<Settled<O> | Lead<I, O> | 'orphan'>((resolve) => {
      waiter.settle = resolve;
      timer = setTimeout(() => resolve('orphan'), this.#orphanMs);
    });
    clearTimeout(timer);
    if (outcome === 'orphan') {
      waiter.settled = true;
      const queued = this.#queue.indexOf(waiter);
      if (queued >= 0) this.#queue.splice(queued, 1);
      this.orphans++;
      return this.options.alone(item);
    }
    if ('lead' in outcome) return this.#lead(outcome.lead, outcome.slot);
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  #own(item: I): Waiter<I, O> {
    return { item, settled: false, settle: () => {} };
  }

  #hasSlot(): boolean {
    if (this.#out.size < this.#maxInFlight) return true;
    // a leader that never came back (cancelled with its request): its slot is free again
    const now = Date.now();
    for (const s of this.#out) if (now - s.at > this.#orphanMs * 2) this.#out.delete(s);
    return this.#out.size < this.#maxInFlight;
  }

  /** Send `batch` (whose first waiter is this request) and settle the others; returns this request's own result. */
  async #lead(batch: Waiter<I, O>[], slot = { at: 0 }): Promise<O> {
    slot.at = Date.now();
    this.#out.add(slot);
    this.batches++;
    const live = batch.filter((w, i) => i === 0 || !w.settled);
    let results: Settled<O>[];
    try {
      results = await this.options.send(live.map((w) => w.item));
    } catch (error) {
      results = live.map(() => ({ ok: false, error }));
    } finally {
      this.#out.delete(slot);
    }
    for (let i = 1; i < live.length; i++) {
      const w = live[i]!;
      if (w.settled) continue;
      w.settled = true;
      w.settle(results[i] ?? { ok: false, error: new Error('no result for this item') });
    }
    this.#handOff();
    const own = results[0] ?? { ok: false, error: new Error('no result for this item') };
    if (own.ok) return own.value;
    throw own.error;
  }

  /** The queue's next batch, to the first queued request: it sends it from its own context. */
  #handOff(): void {
    while (this.#queue.length > 0 && this.#hasSlot()) {
      const next = this.#queue.splice(0, this.#maxBatch).filter((w) => !w.settled);
      const leader = next[0];
      if (!leader) continue;
      leader.settled = true;
      // the slot is held for the leader from now on; a leader that never resumes lets it age out
      const slot = { at: Date.now() };
      this.#out.add(slot);
      leader.settle({ lead: next, slot });
    }
  }
}
