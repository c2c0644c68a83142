import { Money } from '@enigma/core/money';
import { data, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { DashboardContext } from '../../server/context.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { PanelTable } from '../components/PanelTable.tsx';
import { DailyPnlBars, EquityCurve } from '../components/PnlCharts.tsx';
import { tone, usdt } from '../lib/market.ts';
import { apiReader, requireSession } from '../lib/session.server.ts';
import { TimeZoneProvider } from '../lib/time.tsx';
import type { DailyPnlRow, RiskState, Role } from '../lib/types.ts';

export const meta: MetaFunction = () => [{ title: 'Enigma · P&L' }];

const RANGES = [30, 90, 365] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = context as unknown as DashboardContext;
  const { session, setCookie } = await requireSession(request, ctx);
  const asked = Number(new URL(request.url).searchParams.get('days'));
  const days = (RANGES as readonly number[]).includes(asked) ? asked : 90;
  const { get, state } = apiReader(ctx, request, session.accessToken);
  const [pnl, risk] = await Promise.all([
    get<{ items: DailyPnlRow[] }>(`/pnl/daily?days=${days}`),
    get<RiskState>('/risk'),
  ]);
  if (state.signedOut) throw redirect('/login');
  const body = {
    role: session.role as Role,
    days,
    items: pnl?.items ?? [],
    error: pnl ? null : 'the P&L could not be read from the API',
    maxDailyLoss: (risk?.effective?.maxDailyLoss as string | undefined) ?? risk?.limits.maxDailyLoss ?? null,
  };
  return data(body, { headers: setCookie ? { 'set-cookie': setCookie } : {} }) as unknown as typeof body;
}

export default function PerformanceRoute() {
  const d = useLoaderData<typeof loader>();
  const sum = (k: 'netPnl' | 'fees' | 'funding' | 'grossPnl') =>
    d.items.reduce((acc, x) => acc.plus(x[k]), new Money(0)).toString();
  const trades = d.items.reduce((n, x) => n + x.trades, 0);
  const wins = d.items.reduce((n, x) => n + x.wins, 0);
  const worst = d.items.reduce<DailyPnlRow | null>(
    (w, x) => (w === null || new Money(x.netPnl).lt(w.netPnl) ? x : w),
    null,
  );
  return (
    <TimeZoneProvider>
      <PageHeader role={d.role} />
      <main className="page" data-testid="performance-page">
        <section className="card" aria-labelledby="perf-title">
          <div className="toolbar">
            <h1 id="perf-title">Equity and daily P&amp;L</h1>
            <nav aria-label="range" className="tabs">
              {RANGES.map((r) => (
                <Link key={r} to={`?days=${r}`} aria-current={r === d.days ? 'true' : undefined}>
                  {r} days
                </Link>
              ))}
            </nav>
          </div>
          {d.error ? <p className="error">{d.error}</p> : null}
          <dl className="stats" data-testid="perf-summary">
            <div>
              <dt>Net P&amp;L</dt>
              <dd className={tone(sum('netPnl'), 2)}>{usdt(sum('netPnl'), true)}</dd>
            </div>
            <div>
              <dt>Fees</dt>
              <dd>{usdt(sum('fees'))}</dd>
            </div>
            <div>
              <dt>Funding</dt>
              <dd>{usdt(sum('funding'))}</dd>
            </div>
            <div>
              <dt>Trades</dt>
              <dd>{trades}</dd>
            </div>
            <div>
              <dt>Win rate</dt>
              <dd>{trades ? `${((wins / trades) * 100).toFixed(0)}%` : '—'}</dd>
            </div>
            <div>
              <dt>Worst day</dt>
              <dd className={worst ? tone(worst.netPnl, 2) : ''}>
                {worst ? `${usdt(worst.netPnl, true)} (${worst.day})` : '—'}
              </dd>
            </div>
          </dl>
        </section>
        {d.items.length === 0 ? (
          <section className="card">
            <p className="empty" data-testid="perf-empty">
              No closed trade in the last {d.days} days: the charts appear with the first one.
            </p>
          </section>
        ) : (
          <div className="grid2">
            <section className="card" aria-labelledby="equity-title">
              <h2 id="equity-title">
                Equity curve{' '}
                <span className="muted small">
                  running net P&amp;L of closed trades (USDT), drawdown below
                </span>
              </h2>
              <EquityCurve days={d.items} />
            </section>
            <section className="card" aria-labelledby="daily-title">
              <h2 id="daily-title">
                Daily P&amp;L{' '}
                <span className="muted small">
                  net of fees and funding, UTC days
                  {d.maxDailyLoss ? `; daily loss limit ${usdt(d.maxDailyLoss)}` : ''}
                </span>
              </h2>
              <DailyPnlBars days={d.items} maxDailyLoss={d.maxDailyLoss} />
            </section>
          </div>
        )}
        <section className="card" aria-labelledby="days-title" data-testid="perf-days">
          <h2 id="days-title">Days</h2>
          <PanelTable
            // the day and its net first: on a phone (390 px) they are in sight without scrolling the table
            // sideways (Net and Running net were the 7th and 8th columns, past the screen's right edge)
            columns={['Day (UTC)', 'Net', 'Running net', 'Trades', 'Wins', 'Gross', 'Fees', 'Funding']}
            empty={d.items.length ? null : 'No closed trades.'}
          >
            {[...d.items].reverse().map((x) => (
              <tr key={x.day}>
                <td>{x.day}</td>
                <td className={tone(x.netPnl, 2)} data-testid="day-net">
                  {usdt(x.netPnl, true)}
                </td>
                <td className={tone(x.cumulativeNetPnl, 2)} data-testid="day-running-net">
                  {usdt(x.cumulativeNetPnl, true)}
                </td>
                <td>{x.trades}</td>
                <td>{x.wins}</td>
                <td>{usdt(x.grossPnl, true)}</td>
                <td>{usdt(x.fees)}</td>
                <td>{usdt(x.funding)}</td>
              </tr>
            ))}
          </PanelTable>
        </section>
      </main>
    </TimeZoneProvider>
  );
}
