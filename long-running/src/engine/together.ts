/**
 * Wait for every one of independent steps, then fail with the first error if any failed. Unlike
 * `Promise.all`, nothing is still running on the caller's behalf (say, under a contract's lock) when it
 * moves on.
 *
 * @example await together([savePosition(), cancelOldStop()])
 */
export async function together(steps: readonly (Promise<unknown> | null)[]): Promise<void> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
