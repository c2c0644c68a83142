import type { Candle } from '@enigma/core/candle';
import { data, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DashboardContext } from '../../server/context.ts';
import { IndicatorStrip } from '../components/IndicatorStrip.tsx';
import { OpenOrders } from '../components/OpenOrders.tsx';
import { OrderTicket, type TicketPreset } from '../components/OrderTicket.tsx';
import { Positions } from '../components/Positions.tsx';
import { PriceChart } from '../components/PriceChart.tsx';
import { RISK_CHART_DAYS, RiskPanel } from '../components/RiskPanel.tsx';
import { SignalsFeed } from '../components/SignalsFeed.tsx';
import { TopBar, type TopBarStats } from '../components/TopBar.tsx';
import { TRADES_PAGE_SIZE, TradeHistory } from '../components/TradeHistory.tsx';
import { api } from '../lib/api.ts';
import { toBars } from '../lib/bars.ts';
import {
  addCommand,
  type CommandEntry,
  type CommandOutcomeNote,
  commandEntry,
  failed,
  outcomeOf,
  withOutcome,
} from '../lib/command-log.ts';
import { LiveFeed, useLiveConnection } from '../lib/live.ts';
import { SYMBOLS, specOf, TIMEFRAMES, timeframeMs } from '../lib/market.ts';
import { totalPnl } from '../lib/pnl.ts';
import { previewRiskKey } from '../lib/preview-refresh.ts';
import { ReloadScheduler } from '../lib/reload.ts';
import { apiReader, requireSession } from '../lib/session.server.ts';
import { TimeZoneProvider, useTime } from '../lib/time.tsx';
import type {
  AccountSummary,
  CandleRow,
  DailyPnlRow,
  FillRow,
  OrderRow,
  PositionRow,
  RiskEventRow,
  RiskState,
  Role,
  SignalRow,
  TradeRow,
} from '../lib/types.ts';
import { RETRY_UNAVAILABLE_MS, unavailableNote, unreadable } from '../lib/unavailable.ts';

export const meta: MetaFunction = () => [{ title: 'Enigma · dashboard' }];

const BARS = 300;
/** The open orders read (the API's most): the panel says "500+" when it answers that many. */
const OPEN_ORDERS_LIMIT = 500;
const MAX_SPAN_MS = 31 * 24 * 3600_000;

/**
 * Today's realised P&L and the win rate from the recent trades; `totalPnl` here is only their sum, the
 * page replaces it with every closed trade plus the live unrealised P&L (`totalPnl()` in lib/pnl.ts).
 */
function tradeStats(trades: TradeRow[], nowMs: number): TopBarStats {
  const midnight = Math.floor(nowMs / 86_400_000) * 86_400_000;
  let today = 0;
  let total = 0;
  let wins = 0;
  for (const t of trades) {
    const net = Number(t.netPnl);
    total += net;
    if (net > 0) wins++;
    if (Date.parse(t.closedAt) >= midnight) today += net;
  }
  return {
    todayPnl: today.toFixed(8),
    totalPnl: total.toFixed(8),
    winRate: trades.length ? wins / trades.length : null,
    tradesCounted: trades.length,
  };
}

/** Everything the page shows, read over the REST API as the signed-in user. */
export interface DashboardData {
  role: Role;
  gatewayUrl: string | null;
  symbol: string;
  timeframe: string;
  page: number;
  tradeSymbol: string | null;
  account: AccountSummary | null;
  positions: PositionRow[];
  /** the orders still working or whose outcome is unknown (`GET /api/orders?live=true`), newest first */
  orders: OrderRow[];
  /** the read answered OPEN_ORDERS_LIMIT orders: there may be more */
  ordersCapped: boolean;
  signals: SignalRow[];
  /** the chart contract's fills over the chart's span (its markers) */
  fills: FillRow[];
  trades: TradeRow[];
  stats: TopBarStats;
  risk: RiskState | null;
  /** closed trades per day for the risk panel's drawdown and daily-loss charts */
  riskDays: DailyPnlRow[];
  /** the breakers' trips, newest first */
  breakerEvents: RiskEventRow[];
  candles: CandleRow[];
  /**
   * The reads that failed (`unreadable`): their panels say so instead of claiming "no open orders",
   * and the page reads again until they answer.
   */
  unavailable: string[];
}

// `data()` carries the refreshed session cookie; the page receives the plain DashboardData.
export async function loader({ request, context }: LoaderFunctionArgs): Promise<DashboardData> {
  const ctx = context as unknown as DashboardContext;
  const { session, setCookie } = await requireSession(request, ctx);
  const url = new URL(request.url);
  const symbol = SYMBOLS.includes(url.searchParams.get('symbol') ?? '')
    ? url.searchParams.get('symbol')!
    : 'XBTUSDTM';
  const tfParam = url.searchParams.get('tf') ?? '1m';
  const timeframe = (TIMEFRAMES as readonly string[]).includes(tfParam) ? tfParam : '1m';
  const tradeSymbol = SYMBOLS.includes(url.searchParams.get('tsym') ?? '')
    ? url.searchParams.get('tsym')
    : null;
  const page = Math.max(0, Math.min(10_000, Number.parseInt(url.searchParams.get('tpage') ?? '0', 10) || 0));
  const now = Date.now();
  const to = now + timeframeMs(timeframe);
  const from = Math.max(to - BARS * timeframeMs(timeframe), to - MAX_SPAN_MS);

  const { get, state } = apiReader(ctx, request, session.accessToken);
  const tradesQuery = new URLSearchParams({
    limit: String(TRADES_PAGE_SIZE),
    offset: String(page * TRADES_PAGE_SIZE),
  });
  if (tradeSymbol) tradesQuery.set('symbol', tradeSymbol);
  const [account, positions, orders, signals, trades, recent, risk, candles, fills, riskDays, breakerEvents] =
    await Promise.all([
      get<AccountSummary>('/account'),
      get<{ items: PositionRow[] }>('/positions'),
      get<{ items: OrderRow[] }>(`/orders?live=true&limit=${OPEN_ORDERS_LIMIT}`),
      get<{ items: SignalRow[] }>('/signals?limit=50'),
      get<{ items: TradeRow[] }>(`/trades?${tradesQuery}`),
      get<{ items: TradeRow[] }>('/trades?limit=1000'),
      get<RiskState>('/risk'),
      get<{ items: CandleRow[] }>(
        `/candles?${new URLSearchParams({ symbol, timeframe, from: new Date(from).toISOString(), to: new Date(to).toISOString() })}`,
      ),
      get<{ items: FillRow[] }>(
        `/fills?${new URLSearchParams({ symbol, from: new Date(from).toISOString(), limit: '1000' })}`,
      ),
      get<{ items: DailyPnlRow[] }>(`/pnl/daily?days=${RISK_CHART_DAYS}`),
      get<{ items: RiskEventRow[] }>('/risk/events?kind=breaker&limit=20'),
    ]);
  if (state.signedOut) throw redirect('/login');
  const unavailable = unreadable({
    account,
    positions,
    orders,
    signals,
    trades,
    risk,
    candles,
    fills,
  });
  const body: DashboardData = {
    role: session.role,
    gatewayUrl: ctx.gatewayUrl ?? null,
    symbol,
    timeframe,
    page,
    tradeSymbol,
    account,
    positions: positions?.items ?? [],
    orders: orders?.items ?? [],
    ordersCapped: (orders?.items.length ?? 0) >= OPEN_ORDERS_LIMIT,
    signals: signals?.items ?? [],
    fills: fills?.items ?? [],
    trades: trades?.items ?? [],
    stats: tradeStats(recent?.items ?? [], now),
    risk,
    riskDays: riskDays?.items ?? [],
    breakerEvents: breakerEvents?.items ?? [],
    candles: candles?.items ?? [],
    unavailable,
  };
  return data(body, { headers: setCookie ? { 'set-cookie': setCookie } : {} }) as unknown as DashboardData;
}

export default function DashboardRoute() {
  return (
    <TimeZoneProvider>
      <Dashboard />
    </TimeZoneProvider>
  );
}

// Panels re-render only when their own props change: ticks, marks and account events re-render the
// page often, and most panels do not depend on them.
const ChartPanel = memo(PriceChart);
const StripPanel = memo(IndicatorStrip);
const TicketPanel = memo(OrderTicket);
const PositionsPanel = memo(Positions);
const OrdersPanel = memo(OpenOrders);
const SignalsPanel = memo(SignalsFeed);
const RiskStatePanel = memo(RiskPanel);
const HistoryPanel = memo(TradeHistory);
const TopBarPanel = memo(TopBar);

/**
 * Events that change what the REST panels show: reload the page's data (debounced). `events:account`
 * itself is not one: it carries the account, which the top bar shows as it arrives (the collector's
 * raw `events:account.*` are).
 */
const RELOAD_CHANNEL = /^events:(orders|positions|fills|risk|commands|account\.)/;
/** Alerts only change the signals feed: re-read just that list, at once. */
const SIGNAL_CHANNEL = /^events:signals/;
/**
 * What the page asks the gateway for: the channels above, the account, and the market events the
 * chart, positions and data health use (not the order book, health or funding events).
 */
const LIVE_CHANNELS = [
  'events:orders*',
  'events:positions*',
  'events:fills*',
  'events:risk*',
  'events:commands*',
  'events:account',
  'events:account.*',
  'events:signals*',
  'events:market.tick',
  'events:market.mark',
  'events:market.candle',
] as const;

function Dashboard() {
  const d = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const feed = useMemo(() => new LiveFeed(), []);
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const scheduler = useMemo(() => new ReloadScheduler(() => revalidateRef.current()), []);
  useEffect(() => scheduler.settled(revalidator.state === 'idle'), [scheduler, revalidator.state]);
  useEffect(() => () => scheduler.dispose(), [scheduler]);
  const reload = useCallback(() => scheduler.request(), [scheduler]);
  const live = useLiveConnection(feed, reload, {
    gatewayUrl: d.gatewayUrl ?? undefined,
    channels: LIVE_CHANNELS,
  });
  const [signals, setSignals] = useState<SignalRow[]>(d.signals);
  useEffect(() => setSignals(d.signals), [d.signals]);
  const signalsInFlight = useRef<Promise<void> | null>(null);
  const refreshSignals = useCallback(() => {
    if (signalsInFlight.current) return;
    signalsInFlight.current = api<{ items: SignalRow[] }>('/signals?limit=50').then((r) => {
      signalsInFlight.current = null;
      if (r.ok && r.data) setSignals(r.data.items);
    });
  }, []);
  const [marks, setMarks] = useState<Record<string, string>>({});
  const held = useRef(new Set<string>());
  held.current = new Set(d.positions.map((p) => p.symbol));
  const [commands, setCommands] = useState<CommandEntry[]>([]);
  /** engine outcomes by command id, kept for one that finishes before its 202 is read */
  const outcomes = useRef(new Map<string, CommandOutcomeNote>());
  const [preset, setPreset] = useState<TicketPreset | null>(null);
  const [seenAt, setSeenAt] = useState<string | null>(null);
  const initialBars = useMemo(() => toBars(d.candles), [d.candles]);
  const [bars, setBars] = useState<Candle[]>(initialBars);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a switch resets the strip's bars
  useEffect(() => setBars(initialBars), [d.symbol, d.timeframe]);

  // A failed read is read again until it answers (no event may come to trigger it).
  useEffect(() => {
    if (d.unavailable.length === 0) return;
    const timer = setTimeout(reload, RETRY_UNAVAILABLE_MS);
    return () => clearTimeout(timer);
  }, [d, reload]);

  useEffect(() => {
    setSeenAt(localStorage.getItem('enigma.seenSignals') ?? new Date(0).toISOString());
  }, []);

  useEffect(
    () =>
      feed.on((msg) => {
        if (RELOAD_CHANNEL.test(msg.channel)) reload();
        if (SIGNAL_CHANNEL.test(msg.channel)) refreshSignals();
        if (msg.channel.startsWith('events:commands')) {
          const outcome = outcomeOf(msg.data);
          if (outcome) {
            outcomes.current.set(outcome.commandId, outcome);
            if (outcomes.current.size > 100) outcomes.current.delete(outcomes.current.keys().next().value!);
            setCommands((prev) => withOutcome(prev, outcome));
          }
        }
        if (msg.channel === 'events:market.mark') {
          const s = String(msg.data['symbol']);
          // marks are shown on positions only: without one in the contract they re-render nothing
          if (!held.current.has(s)) return;
          const m = String(msg.data['markPrice']);
          setMarks((prev) => (prev[s] === m ? prev : { ...prev, [s]: m }));
        }
      }),
    [feed, reload, refreshSignals],
  );

  const onCommand = useCallback(
    (label: string, r: { ok: boolean; error: string | null; data?: unknown }) => {
      const entry = commandEntry(label, r, Date.now());
      const known = entry.commandId ? outcomes.current.get(entry.commandId) : undefined;
      setCommands((prev) => addCommand(prev, known ? commandEntry(label, r, entry.at, known) : entry));
      // an outcome published before this page subscribed, or missed over a reconnect, is stored
      if (entry.commandId && !known) {
        const commandId = entry.commandId;
        void api(`/commands/${commandId}`).then((answer) => {
          const outcome = answer.ok ? outcomeOf(answer.data) : null;
          if (outcome) setCommands((prev) => withOutcome(prev, outcome));
        });
      }
      reload();
    },
    [reload],
  );

  // the total follows the live marks (as the positions table does) over every closed trade (the
  // account's sum): it summed the newest 1,000 trades and the unrealised P&L as of the page load
  const stats = useMemo(
    () => ({
      ...d.stats,
      totalPnl: totalPnl({
        realised: d.account?.realisedPnl,
        fallbackRealised: d.stats.totalPnl,
        positions: d.positions,
        marks,
        markOf: (p) => (p as PositionRow).markPrice,
      }),
    }),
    [d.stats, d.account, d.positions, marks],
  );
  const lastPrice = bars.length ? bars[bars.length - 1]!.close : null;
  const notionals = useMemo(() => {
    const out: Record<string, number> = {};
    for (const p of d.positions) {
      const spec = specOf(p.symbol);
      const mark = Number(marks[p.symbol] ?? p.markPrice ?? p.avgEntryPrice ?? 0);
      out[p.symbol] = spec ? Math.abs(p.qty) * Number(spec.multiplier) * mark : 0;
    }
    return out;
  }, [d.positions, marks]);
  const onAdd = useCallback(
    (symbol: string, side: 'buy' | 'sell') => setPreset((p) => ({ symbol, side, n: (p?.n ?? 0) + 1 })),
    [],
  );
  const unread = seenAt ? signals.filter((s) => s.receivedAt > seenAt).length : 0;
  const onSeen = useCallback(() => {
    const at = new Date().toISOString();
    localStorage.setItem('enigma.seenSignals', at);
    setSeenAt(at);
  }, []);
  const position = d.positions.find((p) => p.symbol === d.symbol);
  // the kill switch and the breakers as the page last read them (events:risk reloads them): the
  // ticket reads its preview again when they change
  const riskKey = previewRiskKey(d.risk);

  return (
    <div className="app">
      <TopBarPanel
        account={d.account}
        feed={feed}
        stats={stats}
        risk={d.risk}
        unread={unread}
        onSeen={onSeen}
        live={live.state}
        role={d.role}
      />
      {d.unavailable.length > 0 ? (
        <p className="banner error" role="alert" data-testid="unavailable">
          {unavailableNote(d.unavailable)}
        </p>
      ) : null}
      <main className="layout">
        <section className="card chart-card" aria-labelledby="chart-title">
          <div className="toolbar">
            <h1 id="chart-title" className="sr-only">
              {d.symbol} chart
            </h1>
            <nav aria-label="symbol" className="tabs">
              {SYMBOLS.map((s) => (
                <Link
                  key={s}
                  to={`?symbol=${s}&tf=${d.timeframe}`}
                  aria-current={s === d.symbol ? 'true' : undefined}
                  preventScrollReset
                >
                  {s}
                </Link>
              ))}
            </nav>
            <nav aria-label="timeframe" className="tabs">
              {TIMEFRAMES.map((tf) => (
                <Link
                  key={tf}
                  to={`?symbol=${d.symbol}&tf=${tf}`}
                  aria-current={tf === d.timeframe ? 'true' : undefined}
                  preventScrollReset
                >
                  {tf}
                </Link>
              ))}
            </nav>
            <span className="legend small" aria-hidden="true">
              <i className="l-ema20">EMA20</i> <i className="l-ema50">EMA50</i>{' '}
              <i className="l-bb">BB 20,2</i>
            </span>
          </div>
          <ChartPanel
            symbol={d.symbol}
            timeframe={d.timeframe}
            initialBars={initialBars}
            signals={signals}
            fills={d.fills}
            orders={d.orders}
            position={position}
            feed={feed}
            onBars={setBars}
          />
          <StripPanel bars={bars} />
        </section>
        <div className="side">
          <TicketPanel
            symbol={d.symbol}
            lastPrice={lastPrice}
            role={d.role}
            preset={preset}
            riskKey={riskKey}
            onCommand={onCommand}
          />
          <CommandLog commands={commands} />
        </div>
        <div className="wide">
          <PositionsPanel
            positions={d.positions}
            unavailable={d.unavailable.includes('positions')}
            role={d.role}
            marks={marks}
            onCommand={onCommand}
            onAdd={onAdd}
          />
          <OrdersPanel
            orders={d.orders}
            capped={d.ordersCapped}
            unavailable={d.unavailable.includes('orders')}
            role={d.role}
            onCommand={onCommand}
          />
        </div>
        <SignalsPanel signals={signals} unreadSince={seenAt} positions={d.positions} />
        <RiskStatePanel
          risk={d.risk}
          positions={d.positions}
          notionals={notionals}
          todayPnl={Number(d.stats.todayPnl)}
          days={d.riskDays}
          breakerEvents={d.breakerEvents}
          role={d.role}
          onChanged={reload}
        />
        <div className="wide">
          <HistoryPanel trades={d.trades} page={d.page} symbol={d.tradeSymbol} />
        </div>
      </main>
    </div>
  );
}

function CommandLog({ commands }: { commands: CommandEntry[] }) {
  const { format } = useTime();
  return (
    <section className="card" aria-labelledby="commands-title" data-testid="commands-panel">
      <h2 id="commands-title">Commands</h2>
      {commands.length === 0 ? (
        <p className="empty small">Commands you send from this page appear here with their outcome.</p>
      ) : (
        <ul className="plain" aria-live="polite">
          {commands.map((c) => (
            <li key={c.at + c.label} data-testid="command-entry" data-state={c.state}>
              <span className="muted small">{format(c.at)}</span> {c.label}:{' '}
              <span className={failed(c) ? 'neg' : c.state === 'accepted' ? 'muted' : 'pos'}>{c.text}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
