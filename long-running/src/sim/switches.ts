/**
 * A set of named switches with typed defaults: `patch` merges validated values (unknown names and
 * wrong types are a RangeError naming the switch). Shared by the fault switches and the behaviour
 * switches so both answer `/sim/*` the same way.
 */
export function checkSwitches<T extends object>(defaults: T, patch: Partial<T>, what: string): void {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new RangeError(`${what} switches must be an object`);
  for (const [k, v] of Object.entries(patch)) {
    if (!(k in defaults)) throw new RangeError(`unknown ${what} switch: ${k}`);
    const expected = typeof defaults[k as keyof T];
    if (typeof v !== expected || (typeof v === 'number' && (!Number.isFinite(v) || v < 0)))
      throw new RangeError(
        `${what} switch ${k} must be a ${expected === 'number' ? 'non-negative number' : expected}`,
      );
  }
}
