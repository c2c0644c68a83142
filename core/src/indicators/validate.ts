/** Throw a RangeError unless `period` is an integer ≥ `min`. */
export function assertPeriod(name: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${period}`);
  }
}

/** Throw a RangeError unless `value` is a finite number. */
export function assertFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

/** Throw a RangeError naming the first element of `values` that is not finite. */
export function assertFiniteSeries(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new RangeError(`${name}[${i}] must be a finite number, got ${values[i]}`);
  }
}

/** Throw a RangeError unless the series all have the same length. */
export function assertSameLength(names: string, ...series: ArrayLike<number>[]): void {
  const n = series[0]?.length ?? 0;
  for (const s of series) {
    if (s.length !== n) throw new RangeError(`${names} must have the same length`);
  }
}
