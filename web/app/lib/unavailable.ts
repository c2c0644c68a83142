/**
 * What the dashboard could not read. A failed read must not pass for an empty list: "No open orders"
 * after a failed read would tell a trader something false about money at risk.
 */

/** Names of the reads that answered nothing (null), in the order given. */
export function unreadable(reads: Record<string, unknown>): string[] {
  return Object.entries(reads)
    .filter(([, value]) => value === null || value === undefined)
    .map(([name]) => name);
}

/** The page's banner while some reads fail: which ones, and that the page keeps trying. */
export function unavailableNote(names: readonly string[]): string {
  return `Could not load ${names.join(', ')}: what is shown for ${names.length === 1 ? 'it' : 'them'} is not current. Retrying every ${RETRY_UNAVAILABLE_MS / 1000} s.`;
}

/** How long the page waits before reading again while a read fails. */
export const RETRY_UNAVAILABLE_MS = 3_000;
