import { Link } from '@remix-run/react';
import { useTime } from '../lib/time.tsx';
import type { PositionRow, SignalRow } from '../lib/types.ts';
import { Scrollable } from './Scrollable.tsx';
import { type Held, heldSide, positionMismatch, SignalFacts, SignalHeadline } from './SignalFacts.tsx';

/**
 * Every alert with its score, direction, status and reason; drill down to its payload. The newest
 * alert of each contract is checked against our position there: a strategy alert whose
 * `market_position` disagrees with it is flagged.
 */
export function SignalsFeed({
  signals,
  unreadSince,
  positions,
}: {
  signals: SignalRow[];
  unreadSince: string | null;
  positions: PositionRow[];
}) {
  const { format } = useTime();
  const newest = new Set<string>();
  const seen = new Set<string | null>();
  for (const s of signals)
    if (!seen.has(s.symbol)) {
      seen.add(s.symbol);
      newest.add(s.id);
    }
  const heldFor = (s: SignalRow): Held | undefined =>
    newest.has(s.id) && s.symbol ? heldSide(positions, s.symbol) : undefined;
  return (
    <section className="card" aria-labelledby="signals-title" data-testid="signals-panel">
      <h2 id="signals-title">
        Signals <span className="muted">({signals.length})</span>
      </h2>
      {signals.length === 0 ? (
        <p className="empty">
          No alerts yet. Point a TradingView alert at /webhooks/tradingview (see the curl printed by enigma
          start).
        </p>
      ) : (
        <ul className="feed">
          {signals.map((s) => (
            <li
              key={s.id}
              className={unreadSince && s.receivedAt > unreadSince ? 'unread' : ''}
              data-testid="signal-row"
            >
              <details>
                <summary>
                  <span className="time">{format(s.receivedAt)}</span> <SignalHeadline s={s} />
                  {s.score ? <span className="small">score {Number(s.score).toFixed(0)}</span> : null}
                  {s.reason ? <span className="muted small reason">{s.reason}</span> : null}
                  {positionMismatch(s, heldFor(s)) ? (
                    <span className="warn small reason" data-testid="position-mismatch">
                      ⚠ {positionMismatch(s, heldFor(s))}
                    </span>
                  ) : null}
                </summary>
                <SignalFacts s={s} held={heldFor(s)} />
                <Scrollable as="pre" className="payload" label="payload">
                  {JSON.stringify(s.payload, null, 2)}
                </Scrollable>
                <Link to={`/signals/${s.id}`} data-testid="signal-detail-link">
                  Indicators, model output, risk decisions, orders and commands →
                </Link>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
