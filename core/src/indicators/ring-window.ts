/**
 * Fixed-size window over the last `size` values of a series, oldest first, in a Float64Array.
 *
 * Every statistic is recomputed over the window in the same oldest→newest order instead of kept
 * as a running sum: that costs O(size) per update but never drifts, and the `…With(x)` variants
 * ("what would the statistic be if x were pushed") perform exactly the same floating-point
 * operations as `push(x)` followed by the plain statistic, which is what makes `peek` equal to
 * `update` bit for bit.
 */
export class RingWindow {
  readonly size: number;
  readonly #buf: Float64Array;
  /** how many values were ever pushed */
  #count = 0;

  constructor(size: number) {
    this.size = size;
    this.#buf = new Float64Array(size);
  }

  /** values currently held (≤ size) */
  get length(): number {
    return Math.min(this.#count, this.size);
  }

  get full(): boolean {
    return this.#count >= this.size;
  }

  /** pushes so far */
  get count(): number {
    return this.#count;
  }

  push(x: number): void {
    this.#buf[this.#count % this.size] = x;
    this.#count++;
  }

  /** the newest value, or NaN when empty */
  last(): number {
    return this.#count === 0 ? Number.NaN : this.#buf[(this.#count - 1) % this.size]!;
  }

  /** first sequence number of the window that `push(x)` would leave */
  #startWith(): number {
    const s = this.#count + 1 - this.size;
    return Math.max(s, 0);
  }

  #startNow(): number {
    const s = this.#count - this.size;
    return Math.max(s, 0);
  }

  #sumFrom(s0: number): number {
    const buf = this.#buf;
    const size = this.size;
    let acc = 0;
    let p = s0 % size;
    for (let s = s0; s < this.#count; s++) {
      acc += buf[p]!;
      if (++p === size) p = 0;
    }
    return acc;
  }

  #sqDevFrom(s0: number, mean: number): number {
    const buf = this.#buf;
    const size = this.size;
    let acc = 0;
    let p = s0 % size;
    for (let s = s0; s < this.#count; s++) {
      const d = buf[p]! - mean;
      acc += d * d;
      if (++p === size) p = 0;
    }
    return acc;
  }

  #minFrom(s0: number, seed: number): number {
    const buf = this.#buf;
    const size = this.size;
    let m = seed;
    let p = s0 % size;
    for (let s = s0; s < this.#count; s++) {
      const v = buf[p]!;
      if (v < m) m = v;
      if (++p === size) p = 0;
    }
    return m;
  }

  #maxFrom(s0: number, seed: number): number {
    const buf = this.#buf;
    const size = this.size;
    let m = seed;
    let p = s0 % size;
    for (let s = s0; s < this.#count; s++) {
      const v = buf[p]!;
      if (v > m) m = v;
      if (++p === size) p = 0;
    }
    return m;
  }

  sum(): number {
    return this.#sumFrom(this.#startNow());
  }

  sumWith(x: number): number {
    return this.#sumFrom(this.#startWith()) + x;
  }

  /** Σ (v − mean)² over the window */
  sqDev(mean: number): number {
    return this.#sqDevFrom(this.#startNow(), mean);
  }

  sqDevWith(x: number, mean: number): number {
    const d = x - mean;
    return this.#sqDevFrom(this.#startWith(), mean) + d * d;
  }

  /** smallest value (NaN-free windows only; NaN is never chosen) */
  min(): number {
    return this.#minFrom(this.#startNow(), Number.POSITIVE_INFINITY);
  }

  minWith(x: number): number {
    // x compared last, as it would be after push(x): keeps ±0 ties identical to min()
    const m = this.#minFrom(this.#startWith(), Number.POSITIVE_INFINITY);
    // biome-ignore lint/complexity/useMathMinMax: Math.min treats -0 < 0, min() keeps the first of a tie
    return x < m ? x : m;
  }

  max(): number {
    return this.#maxFrom(this.#startNow(), Number.NEGATIVE_INFINITY);
  }

  maxWith(x: number): number {
    const m = this.#maxFrom(this.#startWith(), Number.NEGATIVE_INFINITY);
    // biome-ignore lint/complexity/useMathMinMax: Math.max treats 0 > -0, max() keeps the first of a tie
    return x > m ? x : m;
  }
}
