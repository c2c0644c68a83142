/**
 * Deterministic client order ids. An order's clientOid is derived from what caused it (a signal, a
 * position's protection, an operator command) and the leg or attempt, so a restart or a retry computes
 * the same id and the database's unique key refuses a second order. KuCoin accepts ≤ 40 characters of
 * [A-Za-z0-9_-]: one kind letter + the 32 hex digits of the cause's UUID + the sequence in base 36.
 */
export const CLIENT_OID_KINDS = {
  /** the reduce-only leg that closes a position before a reverse, or a close/reduce signal */
  close: 'c',
  /** the opening leg of a signal */
  open: 'o',
  /** a protective stop of a position (sequence = stop version) */
  stop: 's',
  /** a take-profit of a position (sequence = version × 10 + level) */
  takeProfit: 't',
  /** a reduce-only close sent by the kill switch or a failed protection */
  flatten: 'x',
  /** an operator command's order */
  command: 'm',
  /** a router child after the first (TWAP slice or chase attempt = sequence; the chase's taker fallback = the last sequence) */
  algo: 'a',
} as const;
export type ClientOidKind = keyof typeof CLIENT_OID_KINDS;

const MAX_SEQ_EXCLUSIVE = 36 ** 7;
/** the highest sequence a clientOid can carry */
export const MAX_CLIENT_OID_SEQ = MAX_SEQ_EXCLUSIVE - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function clientOidFor(kind: ClientOidKind, causeId: string, seq = 0): string {
  if (!UUID.test(causeId)) throw new RangeError(`clientOid cause must be a UUID: ${causeId}`);
  // 1 + 32 characters leave 7 base-36 digits of the 40 KuCoin accepts.
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= MAX_SEQ_EXCLUSIVE)
    throw new RangeError(`clientOid sequence must be in 0..${MAX_SEQ_EXCLUSIVE - 1}: ${seq}`);
  return `${CLIENT_OID_KINDS[kind]}${causeId.replaceAll('-', '').toLowerCase()}${seq.toString(36)}`;
}
