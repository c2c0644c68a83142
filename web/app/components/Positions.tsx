import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { fixed, pct, price, specOf, tone, usdt } from '../lib/market.ts';
import { positionUnrealised } from '../lib/pnl.ts';
import type { PositionRow, Role } from '../lib/types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { PanelTable } from './PanelTable.tsx';

const EIGHT_HOURS = 8 * 3600_000;

function countdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Time to the next funding settlement (every 8 h from 00:00 UTC), on its own 1 s clock. */
function FundingCountdown() {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const next = now === null ? null : Math.ceil(now / EIGHT_HOURS) * EIGHT_HOURS - now;
  return <span className="muted small"> · next funding in {next === null ? '—' : countdown(next)}</span>;
}

/**
 * A position's initial margin, entry notional / its leverage (what "P&L % of margin" is over); null when
 * its leverage is not known (an adopted position, a scale-in at another leverage): not figured at 1×.
 */
export function positionMargin(
  p: { qty: number; avgEntryPrice: string | null; leverage: string | null },
  multiplier: number,
): number | null {
  const entry = Number(p.avgEntryPrice);
  const leverage = Number(p.leverage);
  if (!(entry > 0) || p.leverage === null || !(leverage > 0)) return null;
  return (Math.abs(p.qty) * multiplier * entry) / leverage;
}

/**
 * Open positions with close and TP/SL (confirmed), margin, liquidation distance, accrued funding and
 * the protective stop (its price and state).
 */
export function Positions(props: {
  positions: PositionRow[];
  /** the read failed: say so rather than "No open positions" */
  unavailable?: boolean;
  role: Role;
  marks: Record<string, string>;
  onCommand(label: string, result: { ok: boolean; error: string | null; data?: unknown }): void;
  onAdd(symbol: string, side: 'buy' | 'sell'): void;
}) {
  const canTrade = props.role !== 'viewer';
  const [editing, setEditing] = useState<string | null>(null);

  return (
    <section className="card" aria-labelledby="positions-title" data-testid="positions-panel">
      <h2 id="positions-title">
        Positions <span className="muted">({props.unavailable ? '?' : props.positions.length})</span>
        <FundingCountdown />
      </h2>
      <PanelTable
        columns={[
          'Symbol',
          'Side',
          'Size',
          'P&L',
          'Entry',
          'Mark',
          'Lev',
          'Liq.',
          'Margin',
          'Funding',
          'Stop',
          canTrade && 'Actions',
        ]}
        empty={
          props.unavailable
            ? 'Could not load the positions (retrying).'
            : props.positions.length === 0
              ? 'No open positions.'
              : null
        }
      >
        {props.positions.map((p) => {
          const spec = specOf(p.symbol);
          const mark = props.marks[p.symbol] ?? p.markPrice;
          const mult = spec ? Number(spec.multiplier) : 1;
          const margin = positionMargin(p, mult);
          // the same figure as the top bar's total adds up (lib/pnl.ts)
          const upnl = positionUnrealised(p, mark).toNumber();
          const ofMargin = margin ? (upnl / margin) * 100 : null;
          const liq = Number(p.liquidationPrice);
          const liqDist =
            liq > 0 && Number(mark) > 0 ? (Math.abs(Number(mark) - liq) / Number(mark)) * 100 : null;
          return (
            <tr key={p.id} data-testid={`position-${p.symbol}`}>
              <th scope="row">{p.symbol}</th>
              <td className={p.qty > 0 ? 'pos' : 'neg'}>{p.qty > 0 ? 'long' : 'short'}</td>
              <td>{Math.abs(p.qty)}</td>
              <td className={`pnl ${tone(upnl.toFixed(8), 2)}`} data-testid="position-pnl">
                {usdt(upnl.toFixed(8), true)}{' '}
                {ofMargin === null ? '' : <span className="small pct">({pct(ofMargin, 1)})</span>}
              </td>
              <td>{price(p.symbol, p.avgEntryPrice)}</td>
              <td>{price(p.symbol, mark)}</td>
              <td>{p.leverage ? `${fixed(p.leverage, 0)}×` : '—'}</td>
              <td>
                {price(p.symbol, p.liquidationPrice)}
                {liqDist === null ? '' : <span className="small muted"> {pct(liqDist, 1)}</span>}
              </td>
              <td>{margin === null ? '—' : usdt(margin.toFixed(8))}</td>
              <td
                className={tone(p.funding, 2)}
                title="funding accrued on this position (positive: received)"
              >
                {usdt(p.funding, true)}
              </td>
              <td>
                {p.stopPrice ? `${price(p.symbol, p.stopPrice)} ` : ''}
                {p.stopOrderId ? (
                  <span className={p.stopConfirmedAt ? 'pos' : 'warn'}>
                    {p.stopConfirmedAt ? 'confirmed' : 'pending'}
                  </span>
                ) : (
                  <span className="neg">none</span>
                )}
              </td>
              {canTrade ? (
                <td className="actions">
                  <ConfirmButton
                    className="danger small"
                    confirmLabel={`Close ${Math.abs(p.qty)}?`}
                    testId={`close-${p.symbol}`}
                    onConfirm={async () => {
                      const r = await api(`/positions/${p.symbol}/close`, {
                        method: 'POST',
                        idempotencyKey: crypto.randomUUID(),
                      });
                      props.onCommand(`close ${p.symbol}`, r);
                    }}
                  >
                    Close
                  </ConfirmButton>
                  <button
                    type="button"
                    className="small"
                    onClick={() => props.onAdd(p.symbol, p.qty > 0 ? 'buy' : 'sell')}
                  >
                    Add
                  </button>
                  <button
                    type="button"
                    className="small"
                    onClick={() => setEditing(editing === p.id ? null : p.id)}
                    aria-expanded={editing === p.id}
                  >
                    TP/SL
                  </button>
                  {editing === p.id ? (
                    <TpSlForm
                      position={p}
                      onDone={(label, r) => {
                        setEditing(null);
                        props.onCommand(label, r);
                      }}
                    />
                  ) : null}
                </td>
              ) : null}
            </tr>
          );
        })}
      </PanelTable>
    </section>
  );
}

function TpSlForm({
  position,
  onDone,
}: {
  position: PositionRow;
  onDone(label: string, r: { ok: boolean; error: string | null; data?: unknown }): void;
}) {
  const [tp, setTp] = useState('');
  const [sl, setSl] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="tpsl"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!tp && !sl) return setError('give a take-profit, a stop-loss or both');
        const body: Record<string, string> = {};
        if (tp) body['takeProfit'] = tp;
        if (sl) body['stopLoss'] = sl;
        const r = await api(`/positions/${position.symbol}/tpsl`, {
          method: 'PUT',
          body,
          idempotencyKey: crypto.randomUUID(),
        });
        if (!r.ok) return setError(r.error);
        onDone(`TP/SL ${position.symbol}`, r);
      }}
    >
      <label>
        TP <input inputMode="decimal" value={tp} onChange={(e) => setTp(e.target.value)} />
      </label>
      <label>
        SL <input inputMode="decimal" value={sl} onChange={(e) => setSl(e.target.value)} />
      </label>
      <button type="submit" className="small">
        Set
      </button>
      {error ? (
        <span className="error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}
