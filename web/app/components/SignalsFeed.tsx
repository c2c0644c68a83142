import { Link } from '@remix-run/react';
import { useTime } from '../lib/time.tsx';
import { ACCEPTED_SIGNAL_STATUSES, type SignalRow, TRADINGVIEW_BUDGET_MS } from '../lib/types.ts';
import { Scrollable } from './Scrollable.tsx';

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
          {signals.map((s) => {
            const ack = s.alertTime ? Date.parse(s.receivedAt) - Date.parse(s.alertTime) : null;
            const payload = (s.payload ?? {}) as Record<string, unknown>;
            const position = payload['market_position'] ?? payload['marketPosition'];
            return (
              <li
                key={s.id}
                className={unreadSince && s.receivedAt > unreadSince ? 'unread' : ''}
                data-testid="signal-row"
              >
                <details>
                  <summary>
                    <span className="time">{format(s.receivedAt)}</span>
                    <strong>{s.symbol ?? s.rawSymbol ?? '?'}</strong>
                    <span
                      className={s.action === 'buy' || s.action === 'long' ? 'pos' : s.action ? 'neg' : ''}
                    >
                      {s.action ?? '—'}
                    </span>
                    <span className={`badge ${ACCEPTED_SIGNAL_STATUSES.has(s.status) ? 'ok' : 'grey'}`}>
                      {s.status}
                    </span>
                    {s.score ? <span className="small">score {Number(s.score).toFixed(0)}</span> : null}
                    {s.reason ? <span className="muted small reason">{s.reason}</span> : null}
                  </summary>
                  <dl className="kv">
                    <dt>Source</dt>
                    <dd>{s.source}</dd>
                    <dt>Interval</dt>
                    <dd>{s.interval ?? '—'}</dd>
                    <dt>Price / contracts</dt>
                    <dd>
                      {s.price ?? '—'} / {s.contracts ?? '—'}
                    </dd>
                    <dt>Acknowledged</dt>
                    <dd className={ack !== null && ack > TRADINGVIEW_BUDGET_MS ? 'neg' : ''}>
                      {ack === null
                        ? '—'
                        : `${ack} ms after the alert (TradingView allows ${TRADINGVIEW_BUDGET_MS} ms)`}
                    </dd>
                    {position ? (
                      <>
                        <dt>Strategy position</dt>
                        <dd>{String(position)}</dd>
                      </>
                    ) : null}
                    {s.duplicateOf ? (
                      <>
                        <dt>Duplicate of</dt>
                        <dd>{s.duplicateOf}</dd>
                      </>
                    ) : null}
                    <dt>Id</dt>
                    <dd className="mono">{s.id}</dd>
                  </dl>
                  <Scrollable as="pre" className="payload" label="payload">
                    {JSON.stringify(s.payload, null, 2)}
                  </Scrollable>
                  <Link to={`/signals/${s.id}`} data-testid="signal-detail-link">
                    Indicators, model output, risk decisions, orders and commands →
                  </Link>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
