import { vi } from 'vitest';

/**
 * The one `waitFor` of the tests: vitest's own `vi.waitFor`, polling `check` until it returns a
 * truthy value (returned), or failing after `timeoutMs` with what was awaited. Tests wait for
 * outcomes this way, never by sleeping a fixed time.
 *
 * @example const order = await waitFor(() => orders.find((o) => o.done), 5_000, 'the order to fill');
 */
export function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      return value as NonNullable<T>;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}
