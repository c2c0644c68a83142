import { Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import { price } from '../lib/market.ts';
import { ACCEPTED_SIGNAL_STATUSES, type SignalRow, TRADINGVIEW_BUDGET_MS } from '../lib/types.ts';

/** Milliseconds from TradingView's alert time to our acknowledgement; null without an alert time. */
export function acknowledgedMs(s: SignalRow): number | null {
  return s.alertTime ? Date.parse(s.receivedAt) - Date.parse(s.alertTime) : null;
}

/** The strategy's `market_position` a TradingView strategy alert carries (target mode), if any. */
export function strategyPosition(s: SignalRow): string | null {
  const payload = (s.payload ?? {}) as Record<string, unknown>;
  const position = payload['market_position'] ?? payload['marketPosition'];
  return position === undefined || position === null || position === '' ? null : String(position);
}

/** Which way a position is held: long, short or flat (none). */
export type Held = 'long' | 'short' | 'flat';

/** The side of our position in a contract, as TradingView's `market_position` names it. */
export function heldSide(positions: readonly { symbol: string; qty: number }[], symbol: string | null): Held {
  const qty = positions.find((p) => p.symbol === symbol)?.qty ?? 0;
  return qty > 0 ? 'long' : qty < 0 ? 'short' : 'flat';
}

/**
 * The strategy's position when it disagrees with the exchange's (`held`), e.g. TradingView says long
 * while the KuCoin position is flat; null when they agree or the alert carries none.
 */
export function positionMismatch(s: SignalRow, held: Held | undefined): string | null {
  const strategy = strategyPosition(s)?.toLowerCase();
  if (!held || !strategy || strategy === held) return null;
  return `TradingView's strategy is ${strategy}, the KuCoin position is ${held}`;
}

/**
 * Our position to compare an alert's `market_position` with, as the feed does: only for the newest alert
 * of its contract (`newestId`: `GET /api/signals?symbol=…&limit=1`), since an older alert's strategy
 * position is naturally not today's; undefined otherwise (nothing is compared).
 */
export function heldForNewest(
  s: Pick<SignalRow, 'id' | 'symbol'>,
  newestId: string | null | undefined,
  positions: readonly { symbol: string; qty: number }[],
): Held | undefined {
  return s.symbol && newestId === s.id ? heldSide(positions, s.symbol) : undefined;
}

/** Symbol, direction (coloured) and status badge (grey when refused, duplicate, stale or failed). */
export function SignalHeadline({ s, statusTestId }: { s: SignalRow; statusTestId?: string }) {
  return (
    <>
      <strong>{s.symbol ?? s.rawSymbol ?? '?'}</strong>{' '}
      <span className={s.action === 'buy' || s.action === 'long' ? 'pos' : s.action ? 'neg' : ''}>
        {s.action ?? '—'}
      </span>{' '}
      <span
        className={`badge ${ACCEPTED_SIGNAL_STATUSES.has(s.status) ? 'ok' : 'grey'}`}
        data-testid={statusTestId}
      >
        {s.status}
      </span>
    </>
  );
}

/**
 * What an alert carried and how we took it: source, interval, price and contracts (at the contract's
 * tick), acknowledgement time against TradingView's budget, the strategy's position (with a warning
 * when `held`, our position now, disagrees), the alert it duplicates, its id. The feed's expanded row
 * and the drill-down page both show it; `children` are rows (`dt`/`dd`) placed before these.
 */
export function SignalFacts({ s, held, children }: { s: SignalRow; held?: Held; children?: ReactNode }) {
  const ack = acknowledgedMs(s);
  const position = strategyPosition(s);
  const mismatch = positionMismatch(s, held);
  return (
    <dl className="kv">
      {children}
      <dt>Source</dt>
      <dd>{s.source}</dd>
      <dt>Interval</dt>
      <dd>{s.interval ?? '—'}</dd>
      <dt>Price / contracts</dt>
      <dd>
        {s.price ? price(s.symbol ?? '', s.price) : '—'} / {s.contracts ?? '—'}
      </dd>
      <dt>Acknowledged</dt>
      <dd className={ack !== null && ack > TRADINGVIEW_BUDGET_MS ? 'neg' : ''}>
        {ack === null ? '—' : `${ack} ms after the alert (TradingView allows ${TRADINGVIEW_BUDGET_MS} ms)`}
      </dd>
      {position ? (
        <>
          <dt>Strategy position</dt>
          <dd className={mismatch ? 'warn' : ''}>{mismatch ?? position}</dd>
        </>
      ) : null}
      {s.duplicateOf ? (
        <>
          <dt>Duplicate of</dt>
          <dd>
            <Link to={`/signals/${s.duplicateOf}`}>{s.duplicateOf}</Link>
          </dd>
        </>
      ) : null}
      <dt>Id</dt>
      <dd className="mono">{s.id}</dd>
    </dl>
  );
}
