import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { LiveFeed, LiveState } from '../lib/live.ts';
import { tone, usdt } from '../lib/market.ts';
import { type AccountSummary, breakerTripped, type RiskState, type Role } from '../lib/types.ts';
import { PageHeader } from './PageHeader.tsx';

export interface TopBarStats {
  todayPnl: string;
  totalPnl: string;
  winRate: number | null;
  tradesCounted: number;
}

interface Props {
  account: AccountSummary | null;
  /** the gateway's events: the engine's `events:account` and the market ticks (data freshness) */
  feed: LiveFeed;
  stats: TopBarStats;
  risk: RiskState | null;
  unread: number;
  onSeen(): void;
  live: LiveState;
  role: Role;
}

function pick(obj: Record<string, unknown> | null, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = obj?.[k];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return null;
}

/** Equity and balance from the engine's `events:account`: the only part of the page an account event re-renders. */
function AccountFigures({ feed }: { feed: LiveFeed }) {
  const [liveAccount, setLiveAccount] = useState<Record<string, unknown> | null>(null);
  useEffect(
    () =>
      feed.on((msg) => {
        // rendered in the message's own task: a scheduled render would queue behind the chart's work
        if (msg.channel === 'events:account') flushSync(() => setLiveAccount(msg.data));
      }),
    [feed],
  );
  const equity = pick(liveAccount, 'equity', 'accountEquity');
  const balance = pick(liveAccount, 'balance', 'availableBalance', 'marginBalance');
  const waiting = 'waiting for the engine to publish the account (events:account)';
  return (
    <>
      <div title={equity ? undefined : waiting}>
        <dt>Equity</dt>
        <dd data-testid="equity">{equity ? usdt(equity) : '—'}</dd>
      </div>
      <div title={balance ? undefined : waiting}>
        <dt>Balance</dt>
        <dd>{balance ? usdt(balance) : '—'}</dd>
      </div>
    </>
  );
}

/** Market-data freshness: the age of the last tick, read on a 1 s clock (ticks themselves re-render nothing). */
function DataFreshness({ feed }: { feed: LiveFeed }) {
  const lastTickAt = useRef<number | null>(null);
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    const off = feed.on((msg) => {
      if (msg.channel === 'events:market.tick') lastTickAt.current = Date.now();
    });
    return () => {
      clearInterval(t);
      off();
    };
  }, [feed]);
  const dataAgeMs = lastTickAt.current && now ? now - lastTickAt.current : null;
  const dataState = dataAgeMs === null ? 'no data' : dataAgeMs < 10_000 ? 'fresh' : 'stale';
  return (
    <span className={`chip ${dataState === 'fresh' ? 'ok' : 'warn'}`} title="age of the last market tick">
      data {dataState}
    </span>
  );
}

/**
 * Equity, P&L, win rate, positions, alerts, connection and data health, breakers and the kill switch.
 * The account and the ticks are read from the feed by their own small parts (AccountFigures,
 * DataFreshness), so a live event re-renders only them.
 */
export function TopBar({ account, feed, stats, risk, unread, onSeen, live, role }: Props) {
  const openBreakers = (risk?.breakers ?? []).filter(breakerTripped);
  return (
    <PageHeader
      role={role}
      stats={
        <dl className="stats">
          <AccountFigures feed={feed} />
          <div title="realised since 00:00 UTC: closed trades, net of fees and funding (open positions count in Total)">
            <dt>Today P&amp;L (realised)</dt>
            <dd className={tone(stats.todayPnl, 2)}>{usdt(stats.todayPnl, true)}</dd>
          </div>
          <div title="realised (net of fees and funding) + unrealised">
            <dt>Total P&amp;L</dt>
            <dd className={tone(stats.totalPnl, 2)}>{usdt(stats.totalPnl, true)}</dd>
          </div>
          <div title={`over the last ${stats.tradesCounted} closed trades`}>
            <dt>Win rate</dt>
            <dd>{stats.winRate === null ? '—' : `${(stats.winRate * 100).toFixed(0)}%`}</dd>
          </div>
          <div>
            <dt>Positions</dt>
            <dd data-testid="open-positions">{account?.openPositions ?? '—'}</dd>
          </div>
        </dl>
      }
    >
      <button
        type="button"
        className="chip"
        onClick={onSeen}
        title="TradingView alerts received since you last marked them read (every one, refused ones too): press to mark them read"
      >
        New signals <strong>{unread}</strong>
      </button>
      <span
        className={`chip ${live === 'live' ? 'ok' : live === 'offline' ? 'bad' : 'warn'}`}
        data-testid="live-state"
      >
        {live === 'live' ? '● live' : live === 'offline' ? '● offline' : '● connecting'}
      </span>
      <DataFreshness feed={feed} />
      {openBreakers.length ? (
        <span
          className="chip bad"
          title={openBreakers
            .map((b) => `${b.name ?? b.scope}: ${b.state}${b.reason ? ` (${b.reason})` : ''}`)
            .join('\n')}
        >
          breaker {openBreakers.length}
        </span>
      ) : (
        <span className="chip ok">breakers ok</span>
      )}
      {risk?.killSwitch.on ? (
        <span className="chip bad" data-testid="kill-state" title={risk.killSwitch.reason ?? ''}>
          KILL SWITCH ON
        </span>
      ) : (
        <span className="chip ok" data-testid="kill-state">
          trading on
        </span>
      )}
    </PageHeader>
  );
}
