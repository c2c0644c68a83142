import { Link } from '@remix-run/react';
import { useTime } from '../lib/time.tsx';
import type { SignalRow } from '../lib/types.ts';
import { Scrollable } from './Scrollable.tsx';
import { SignalFacts, SignalHeadline } from './SignalFacts.tsx';

/** Every alert with its score, direction, status and reason; drill down to its payload. */
export function SignalsFeed({ signals, unreadSince }: { signals: SignalRow[]; unreadSince: string | null }) {
  const { format } = useTime();
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
                </summary>
                <SignalFacts s={s} />
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
