import { data, type LoaderFunctionArgs, type MetaFunction, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { DashboardContext } from '../../server/context.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { PanelTable } from '../components/PanelTable.tsx';
import { Scrollable } from '../components/Scrollable.tsx';
import { type Held, heldForNewest, SignalFacts, SignalHeadline } from '../components/SignalFacts.tsx';
import { fixed, price, tone } from '../lib/market.ts';
import { apiReader, requireSession } from '../lib/session.server.ts';
import { TimeZoneProvider, useTime } from '../lib/time.tsx';
import type { PositionRow, Role, SignalDetail, SignalRow } from '../lib/types.ts';

export const meta: MetaFunction = () => [{ title: 'Enigma · signal' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const ctx = context as unknown as DashboardContext;
  const { session, setCookie } = await requireSession(request, ctx);
  const { get, state } = apiReader(ctx, request, session.accessToken);
  const detail = await get<SignalDetail>(`/signals/${encodeURIComponent(params['id'] ?? '')}`);
  if (state.signedOut) throw redirect('/login');
  if (!detail) throw new Response('no such signal', { status: 404, statusText: 'No such signal' });
  // the `market_position` check, as on the feed: our position now, for the newest alert of the contract
  const symbol = detail.signal.symbol;
  const [positions, newest] = symbol
    ? await Promise.all([
        get<{ items: PositionRow[] }>('/positions'),
        get<{ items: SignalRow[] }>(`/signals?${new URLSearchParams({ symbol, limit: '1' })}`),
      ])
    : [null, null];
  const held = heldForNewest(detail.signal, newest?.items[0]?.id, positions?.items ?? []) ?? null;
  const body = { role: session.role as Role, detail, held: held as Held | null };
  return data(body, { headers: setCookie ? { 'set-cookie': setCookie } : {} }) as unknown as typeof body;
}

export default function SignalRoute() {
  const { role, detail, held } = useLoaderData<typeof loader>();
  return (
    <TimeZoneProvider>
      <PageHeader role={role} />
      <SignalDetailView d={detail} held={held ?? undefined} />
    </TimeZoneProvider>
  );
}

const json = (v: unknown) => JSON.stringify(v, null, 2);
/** Execution costs are positive when they cost us: coloured as a loss, a gain when negative. */
const costTone = (v: string | null) => ({ pos: 'neg', neg: 'pos', '': '' })[tone(v)];

/** Everything recorded about one alert: payload, indicators, model output, risk decisions, orders, commands. */
function SignalDetailView({ d, held }: { d: SignalDetail; held: Held | undefined }) {
  const { format } = useTime();
  const s = d.signal;
  return (
    <main className="page" data-testid="signal-detail">
      <section className="card" aria-labelledby="signal-title">
        <p className="small">
          <Link to="/">← back to the dashboard</Link>
        </p>
        <h1 id="signal-title">
          Signal <SignalHeadline s={s} statusTestId="signal-status" />
        </h1>
        <SignalFacts s={s} {...(held ? { held } : {})}>
          <dt>Received</dt>
          <dd>{format(s.receivedAt)}</dd>
          <dt>Reason</dt>
          <dd>{s.reason ?? '—'}</dd>
          <dt>Score</dt>
          <dd>{s.score ?? '—'}</dd>
        </SignalFacts>
      </section>

      <div className="grid2">
        <section className="card" aria-labelledby="payload-title" data-testid="signal-payload">
          <h2 id="payload-title">Payload</h2>
          <Scrollable as="pre" className="payload" label="payload">
            {json(s.payload)}
          </Scrollable>
          {Object.keys(d.metadata).length ? (
            <>
              <h3>Engine notes</h3>
              <Scrollable as="pre" className="payload" label="engine notes">
                {json(d.metadata)}
              </Scrollable>
            </>
          ) : null}
        </section>

        <section className="card" aria-labelledby="indicators-title" data-testid="signal-indicators">
          <h2 id="indicators-title">Indicator snapshot</h2>
          {d.indicators.length === 0 ? (
            <p className="empty">The engine has not scored this signal (no snapshot).</p>
          ) : (
            d.indicators.map((i) => (
              <div key={i.at + i.timeframe}>
                <h3>
                  {i.symbol} {i.timeframe} at {format(i.at)}
                </h3>
                <dl className="kv">
                  {Object.entries(i.values).map(([k, v]) => (
                    <div key={k} className="kv-row">
                      <dt>{k}</dt>
                      <dd>{v === null ? '—' : Number(v.toPrecision(8))}</dd>
                    </div>
                  ))}
                </dl>
              </div>
            ))
          )}
        </section>

        <section className="card" aria-labelledby="model-title" data-testid="signal-model">
          <h2 id="model-title">Model output</h2>
          {d.scores.length === 0 ? (
            <p className="empty">No score recorded.</p>
          ) : (
            d.scores.map((m) => (
              <div key={m.at + m.modelName}>
                <dl className="kv">
                  <dt>Model</dt>
                  <dd>
                    {m.modelName} <span className="muted">{m.modelVersion}</span>
                  </dd>
                  <dt>Score</dt>
                  <dd>{m.score}</dd>
                  <dt>Decision</dt>
                  <dd>{m.decision ?? '—'}</dd>
                  <dt>At</dt>
                  <dd>{format(m.at)}</dd>
                </dl>
                {m.features ? (
                  <Scrollable as="pre" className="payload" label="model features">
                    {json(m.features)}
                  </Scrollable>
                ) : null}
              </div>
            ))
          )}
        </section>

        <section className="card" aria-labelledby="riskdec-title" data-testid="signal-risk">
          <h2 id="riskdec-title">Risk decisions</h2>
          <PanelTable
            columns={['Time', 'Rule', 'Severity', 'Message']}
            empty={d.riskEvents.length ? null : 'No risk event recorded for this signal.'}
          >
            {d.riskEvents.map((r) => (
              <tr key={r.at + r.code}>
                <td>{format(r.at)}</td>
                <td>{r.code}</td>
                <td className={r.severity === 'block' || r.severity === 'critical' ? 'neg' : ''}>
                  {r.severity}
                </td>
                <td>{r.message ?? '—'}</td>
              </tr>
            ))}
          </PanelTable>
          {d.intent ? (
            <>
              <h3>Intent</h3>
              <p data-testid="signal-intent">
                {String(d.intent['side'])} {String(d.intent['size'])} lots,{' '}
                {String(d.intent['style'] ?? 'market')}: {String(d.intent['status'])}
                {d.intent['reason'] ? ` (${String(d.intent['reason'])})` : ''}
              </p>
            </>
          ) : null}
        </section>
      </div>

      <section className="card" aria-labelledby="sig-orders-title" data-testid="signal-orders">
        <h2 id="sig-orders-title">Orders it produced</h2>
        <PanelTable
          columns={[
            'Created',
            'Purpose',
            'Side',
            'Type',
            'Size',
            'Filled',
            'Price / stop',
            'Status',
            'Style',
            'Decision mid',
            'Slippage',
            'Shortfall',
            'Reason',
          ]}
          empty={d.orders.length ? null : 'No order: see the status and the risk decisions above.'}
        >
          {d.orders.map((o) => (
            <tr key={o.id} data-testid="signal-order">
              <td>{format(o['createdAt'] as string)}</td>
              <td>{String(o['purpose'])}</td>
              <td className={o['side'] === 'buy' ? 'pos' : 'neg'}>{String(o['side'])}</td>
              <td>{String(o['type'])}</td>
              <td>{String(o['size'])}</td>
              <td>{String(o['filledSize'])}</td>
              <td>
                {price(String(o['symbol']), (o['avgFillPrice'] ?? o['price']) as string | null)} /{' '}
                {price(String(o['symbol']), o['stopPrice'] as string | null)}
              </td>
              <td>{String(o['status'])}</td>
              <td>{o.execStyle ?? '—'}</td>
              <td>{price(o.symbol, o.decisionMid)}</td>
              <td className={costTone(o.slippageBps)} data-testid="order-slippage">
                {o.slippageBps === null ? '—' : `${fixed(o.slippageBps, 1)} bps`}
              </td>
              <td className={costTone(o.shortfall)}>
                {o.shortfall === null ? '—' : `${fixed(o.shortfall, 4)} USDT`}
              </td>
              <td>{(o['reason'] as string | null) ?? '—'}</td>
            </tr>
          ))}
        </PanelTable>
        {d.fills.length ? (
          <>
            <h3>Fills</h3>
            <PanelTable columns={['Time', 'Side', 'Price', 'Size', 'Fee']} empty={null}>
              {d.fills.map((f) => (
                <tr key={String(f['id'])}>
                  <td>{format(f['filledAt'] as string)}</td>
                  <td>{String(f['side'])}</td>
                  <td>{price(String(f['symbol']), f['price'] as string)}</td>
                  <td>{String(f['size'])}</td>
                  <td>{String(f['fee'])}</td>
                </tr>
              ))}
            </PanelTable>
          </>
        ) : null}
        <h3>Operator commands</h3>
        <PanelTable
          columns={['Time', 'Command', 'By', 'Outcome', 'Reason']}
          empty={d.commands.length ? null : 'No operator command acted on these orders.'}
        >
          {d.commands.map((c) => (
            <tr key={c.commandId}>
              <td>{format(c.createdAt)}</td>
              <td>{c.type}</td>
              <td>{c.issuedBy}</td>
              <td
                className={
                  c.status === 'done' ? 'pos' : c.status === 'pending' || c.status === 'running' ? '' : 'neg'
                }
              >
                {c.status}
              </td>
              <td>{c.reason ?? '—'}</td>
            </tr>
          ))}
        </PanelTable>
      </section>
    </main>
  );
}
