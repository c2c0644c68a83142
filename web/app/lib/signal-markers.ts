import { ACCEPTED_SIGNAL_STATUSES, type SignalRow } from './types.ts';

/** Which way an alert pointed: buy/long up, sell/short down, anything else (close, reverse, a target) neither. */
export type SignalDirection = 'up' | 'down' | 'other';

/**
 * One chart marker per bar, direction and fate (taken or not) of a contract's alerts: a strategy that
 * fires five alerts in one bar draws one arrow marked `buy ×5`, not five arrows piled over the candle.
 */
export interface SignalMark {
  /** the bar's open time (ms, UTC) */
  barMs: number;
  direction: SignalDirection;
  /** taken (received … closed) or not (refused, duplicate, stale, failed, blocked) */
  accepted: boolean;
  count: number;
  /** the marker's label: the action (taken) or the status (not taken), `×n` when several */
  text: string;
  /** a stable id: the bar, direction and fate */
  id: string;
}

const directionOf = (action: string | null | undefined): SignalDirection =>
  action === 'buy' || action === 'long' ? 'up' : action === 'sell' || action === 'short' ? 'down' : 'other';

/**
 * The alerts for `symbol` at or after `firstBarMs`, grouped by bar (`tfMs`), direction and fate. The label
 * is the group's one action (or status, for alerts not taken) when they share it, else how many there
 * are (`3 alerts`, `2 not traded`), with `×n` after a shared label. Oldest first.
 */
export function signalMarks(
  signals: readonly SignalRow[],
  symbol: string,
  tfMs: number,
  firstBarMs: number,
): SignalMark[] {
  const groups = new Map<
    string,
    { barMs: number; direction: SignalDirection; accepted: boolean; labels: Set<string>; n: number }
  >();
  for (const s of signals) {
    if (s.symbol !== symbol) continue;
    const at = Date.parse(s.receivedAt);
    if (!(at >= firstBarMs)) continue;
    const barMs = Math.floor(at / tfMs) * tfMs;
    const direction = directionOf(s.action);
    const accepted = ACCEPTED_SIGNAL_STATUSES.has(s.status);
    const key = `${barMs}:${direction}:${accepted ? 'taken' : 'not'}`;
    const g = groups.get(key) ?? { barMs, direction, accepted, labels: new Set<string>(), n: 0 };
    g.labels.add(accepted ? (s.action ?? 'alert') : s.status);
    g.n += 1;
    groups.set(key, g);
  }
  const order: Record<SignalDirection, number> = { up: 0, down: 1, other: 2 };
  return [...groups.values()]
    .sort(
      (a, b) =>
        a.barMs - b.barMs ||
        order[a.direction] - order[b.direction] ||
        Number(b.accepted) - Number(a.accepted),
    )
    .map((g) => {
      const [only] = g.labels;
      const label =
        g.labels.size === 1
          ? `${only}${g.n > 1 ? ` ×${g.n}` : ''}`
          : g.accepted
            ? `${g.n} alerts`
            : `${g.n} not traded`;
      return {
        barMs: g.barMs,
        direction: g.direction,
        accepted: g.accepted,
        count: g.n,
        text: label,
        id: `signals:${g.barMs}:${g.direction}:${g.accepted ? 'taken' : 'not'}`,
      };
    });
}
