import { useState } from 'react';
import { api } from '../lib/api.ts';
import { usdt } from '../lib/market.ts';
import { drawdownLimit, drawdownPoints } from '../lib/risk-series.ts';
import { useTime } from '../lib/time.tsx';
import {
  breakerTripped,
  type DailyPnlRow,
  type PositionRow,
  type RiskEventRow,
  type RiskState,
  type Role,
} from '../lib/types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { DailyLossChart, DrawdownChart } from './PnlCharts.tsx';

/** Days of closed trades the risk panel's charts show. */
export const RISK_CHART_DAYS = 30;

/**
 * Exposure against limits, daily loss against its limit, drawdown and daily loss over the last
 * RISK_CHART_DAYS days as charts, breakers with their history (the engine's `breaker_*` risk events), and
 * the kill switch (admin).
 */
export function RiskPanel(props: {
  risk: RiskState | null;
  positions: PositionRow[];
  notionals: Record<string, number>;
  todayPnl: number;
  /** `GET /api/pnl/daily?days=RISK_CHART_DAYS` */
  days: DailyPnlRow[];
  /** `GET /api/risk/events?kind=breaker`, newest first */
  breakerEvents: RiskEventRow[];
  role: Role;
  onChanged(): void;
}) {
  const { format } = useTime();
  const [reason, setReason] = useState('');
  const [flatten, setFlatten] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const risk = props.risk;
  if (!risk)
    return (
      <section className="card" aria-labelledby="risk-title">
        <h2 id="risk-title">Risk</h2>
        <p className="empty">Risk state unavailable.</p>
      </section>
    );
  const limits = risk.effective ?? risk.limits;
  const total = Object.values(props.notionals).reduce((a, b) => a + b, 0);
  const maxLoss = limits.maxDailyLoss ? Number(limits.maxDailyLoss) : null;
  const loss = Math.max(0, -props.todayPnl);
  const drawdown = drawdownPoints(props.days).at(-1)?.value ?? '0';
  const equityPeak = risk.breakers.find((b) => (b.name ?? b.scope) === 'drawdown')?.equityPeak ?? null;
  const ddLimit = drawdownLimit(equityPeak, limits.maxDrawdownPct);
  const bar = (value: number, max: number | null, label: string) => (
    <div className="meter">
      <span>{label}</span>
      <meter
        min={0}
        max={max ?? 1}
        value={max ? Math.min(value, max) : 0}
        low={(max ?? 1) * 0.5}
        high={(max ?? 1) * 0.8}
        optimum={0}
        aria-label={label}
      />
    </div>
  );
  return (
    <section className="card" aria-labelledby="risk-title" data-testid="risk-panel">
      <h2 id="risk-title">Risk</h2>
      <dl className="kv">
        <dt>Exposure (total)</dt>
        <dd>{usdt(total.toFixed(8))} USDT</dd>
        {props.positions.map((p) => {
          const max = limits.maxPositionLots?.[p.symbol];
          return (
            <div key={p.symbol} className="kv-row">
              <dt>{p.symbol}</dt>
              <dd>
                {Math.abs(p.qty)} lots{max ? ` of ${max}` : ''} ·{' '}
                {usdt((props.notionals[p.symbol] ?? 0).toFixed(8))}
              </dd>
            </div>
          );
        })}
        <dt>Daily loss</dt>
        <dd>
          {usdt(loss.toFixed(8))}
          {maxLoss !== null ? ` of ${usdt(limits.maxDailyLoss)}` : ' (no limit set)'}
        </dd>
        <dt>Max leverage</dt>
        <dd>{limits.maxLeverage ? `${limits.maxLeverage}×` : 'contract maximum'}</dd>
        <dt>Risk per trade</dt>
        <dd>{limits.riskPerTradePct ? `${limits.riskPerTradePct}% of equity` : 'not set'}</dd>
        <dt>Max open positions</dt>
        <dd>{limits.maxOpenPositions ?? 'not set'}</dd>
      </dl>
      {maxLoss !== null ? bar(loss, maxLoss, 'daily loss against its limit') : null}
      <h3>Circuit breakers</h3>
      {risk.breakers.length === 0 ? (
        <p className="empty small">No breaker recorded.</p>
      ) : (
        <ul className="plain">
          {risk.breakers.map((b) => (
            <li key={`${b.name ?? b.scope}-${b.state}-${b.trippedAt ?? ''}`}>
              <strong>{b.name ?? b.scope}</strong>{' '}
              <span className={breakerTripped(b) ? 'neg' : 'pos'}>{b.state}</span>{' '}
              <span className="muted small">
                {b.reason ?? ''} {b.trippedAt ? format(b.trippedAt) : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>Breaker history</h3>
      {props.breakerEvents.length === 0 ? (
        <p className="empty small">No breaker has tripped.</p>
      ) : (
        <ul className="plain" data-testid="breaker-history">
          {props.breakerEvents.map((e) => (
            <li key={e.id}>
              <span className="muted small">{format(e.at)}</span>{' '}
              <strong>{e.code.replace(/^breaker_/, '')}</strong>{' '}
              <span className="small">{e.message ?? ''}</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Drawdown</h3>
      {props.days.length === 0 ? (
        <p className="empty small">No closed trade in the last {RISK_CHART_DAYS} days.</p>
      ) : (
        <>
          <p className="small">
            {usdt(drawdown)} USDT from the peak of closed-trade P&amp;L (last {RISK_CHART_DAYS} days);{' '}
            {limits.maxDrawdownPct
              ? `the breaker halts at ${limits.maxDrawdownPct} % below the equity peak${
                  ddLimit && equityPeak
                    ? ` (${usdt(equityPeak)} USDT): ${usdt(ddLimit)} USDT, the dashed line`
                    : ''
                }`
              : 'no drawdown limit'}
          </p>
          <DrawdownChart
            days={props.days}
            limit={ddLimit}
            label={`drawdown from the peak over the last ${RISK_CHART_DAYS} days, now ${usdt(drawdown)} USDT`}
          />
          <h3>Daily loss</h3>
          <DailyLossChart
            days={props.days}
            maxDailyLoss={limits.maxDailyLoss ?? null}
            label={`loss per day over the last ${RISK_CHART_DAYS} days against the limit ${limits.maxDailyLoss ? usdt(limits.maxDailyLoss) : 'none'}`}
          />
        </>
      )}
      <h3>Kill switch</h3>
      <p data-testid="kill-switch-state" className={risk.killSwitch.on ? 'neg' : 'pos'}>
        {risk.killSwitch.on
          ? `ON — trading halted: ${risk.killSwitch.reason ?? ''}`
          : 'off — trading allowed'}
        {risk.killSwitch.updatedAt ? (
          <span className="muted small"> (since {format(risk.killSwitch.updatedAt)})</span>
        ) : null}
      </p>
      {props.role === 'admin' ? (
        <div className="kill">
          <label>
            Reason
            <input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              name="killReason"
              placeholder="why"
            />
          </label>
          {risk.killSwitch.on ? null : (
            <label className="check">
              <input type="checkbox" checked={flatten} onChange={(e) => setFlatten(e.target.checked)} /> also
              close every position (otherwise only new entries stop; stops are kept)
            </label>
          )}
          <ConfirmButton
            className={risk.killSwitch.on ? 'small' : 'danger small'}
            testId="kill-switch-toggle"
            confirmLabel={killSwitchConfirmLabel(risk.killSwitch.on, flatten)}
            onConfirm={async () => {
              if (!reason.trim()) return setError('give a reason: it goes into the audit log');
              const r = await api('/risk/kill-switch', {
                method: 'PUT',
                body: {
                  on: !risk.killSwitch.on,
                  reason: reason.trim(),
                  ...(risk.killSwitch.on ? {} : { flatten }),
                },
              });
              setError(r.ok ? null : r.error);
              if (r.ok) {
                setReason('');
                props.onChanged();
              }
            }}
          >
            {risk.killSwitch.on ? 'Turn kill switch off' : 'Kill switch: halt trading'}
          </ConfirmButton>
          {error ? (
            <p className="error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
      ) : (
        <p className="muted small">Only an admin can change the kill switch.</p>
      )}
    </section>
  );
}

/**
 * What the kill switch's button asks before it acts: turning it on with "also close every position"
 * ticked says the positions will be closed (it read only "halt all trading", as if they were kept).
 */
export function killSwitchConfirmLabel(on: boolean, flatten: boolean): string {
  if (on) return 'Confirm: resume trading';
  return flatten ? 'Confirm: halt all trading and close every position' : 'Confirm: halt all trading';
}
