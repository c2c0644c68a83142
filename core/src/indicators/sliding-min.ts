/**
 * Minimum of the last `size` pushed values in O(1) amortised time (monotonic deque in typed
 * arrays, no allocation after construction). Values are compared with `<` / `>=` only, so the
 * minimum's value is exact; NaN must not be pushed.
 */
export class SlidingMin {
  readonly size: number;
  readonly #cap: number;
  readonly #vals: Float64Array;
  readonly #seqs: Float64Array;
  #head = 0;
  #len = 0;
  #count = 0;

  constructor(size: number) {
    this.size = size;
    // one spare slot: the newest value lands before the expired front is dropped
    this.#cap = size + 1;
    this.#vals = new Float64Array(this.#cap);
    this.#seqs = new Float64Array(this.#cap);
  }

  get full(): boolean {
    return this.#count >= this.size;
  }

  push(x: number): void {
    const cap = this.#cap;
    while (this.#len > 0 && this.#vals[(this.#head + this.#len - 1) % cap]! >= x) this.#len--;
    const at = (this.#head + this.#len) % cap;
    this.#vals[at] = x;
    this.#seqs[at] = this.#count;
    this.#len++;
    this.#count++;
    const oldest = this.#count - this.size;
    while (this.#seqs[this.#head]! < oldest) {
      this.#head = (this.#head + 1) % cap;
      this.#len--;
    }
  }

  /** smallest of the last `size` values (+Infinity when empty) */
  min(): number {
    return this.#len === 0 ? Number.POSITIVE_INFINITY : this.#vals[this.#head]!;
  }
}
