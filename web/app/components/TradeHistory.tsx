import { Money } from '@enigma/core/money';
import { Link, useSearchParams } from '@remix-run/react';
import { useState } from 'react';
import { download } from '../lib/api.ts';
import { fixed, pct, price, SYMBOLS, tone, usdt } from '../lib/market.ts';
import { useTime } from '../lib/time.tsx';
import type { TradeRow } from '../lib/types.ts';
import { PanelTable } from './PanelTable.tsx';

export const TRADES_PAGE_SIZE = 20;

/** Closed trades with a symbol filter, pages and a CSV export (fees and funding included). */
export function TradeHistory({
  trades,
  page,
  symbol,
}: {
  trades: TradeRow[];
  page: number;
  symbol: string | null;
}) {
  const { format } = useTime();
  const [params] = useSearchParams();
  const [csvError, setCsvError] = useState<string | null>(null);
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) v === null ? next.delete(k) : next.set(k, v);
    return `?${next.toString()}`;
  };
  return (
    <section className="card" aria-labelledby="history-title" data-testid="history-panel">
      <h2 id="history-title">Trade history</h2>
      <div className="toolbar">
        <nav aria-label="filter trades by symbol" className="tabs">
          <Link
            to={withParams({ tsym: null, tpage: null })}
            aria-current={symbol === null ? 'true' : undefined}
            preventScrollReset
          >
            All
          </Link>
          {SYMBOLS.map((s) => (
            <Link
              key={s}
              to={withParams({ tsym: s, tpage: null })}
              aria-current={symbol === s ? 'true' : undefined}
              preventScrollReset
            >
              {s}
            </Link>
          ))}
        </nav>
        <button
          type="button"
          className="small"
          data-testid="csv-export"
          onClick={() =>
            download(`/trades.csv${symbol ? `?symbol=${symbol}` : ''}`, 'trades.csv').then(
              () => setCsvError(null),
              (e: Error) => setCsvError(e.message),
            )
          }
        >
          Export CSV
        </button>
        {csvError ? <span className="error">{csvError}</span> : null}
      </div>
      <PanelTable
        // the symbol and its net P&L first: on a phone (390 px) they are in sight without scrolling the
        // table sideways (the net P&L was the 8th column, past the screen's right edge); KuCoin's beside it
        columns={[
          'Symbol',
          'Net P&L',
          'KuCoin P&L',
          'Closed',
          'Side',
          'Size',
          'Entry',
          'Exit',
          'Closed by',
          'ROI on margin',
          'ROI on notional',
          'Fees',
          'Funding',
        ]}
        empty={trades.length === 0 ? (page > 0 ? 'No more trades.' : 'No closed trades yet.') : null}
      >
        {trades.map((t) => (
          <tr key={t.id}>
            <th scope="row">{t.symbol}</th>
            <td className={tone(t.netPnl, 2)} data-testid="trade-net-pnl">
              {usdt(t.netPnl, true)}
            </td>
            <td className={tone(t.exchangePnl, 2)} title={exchangeNote(t)}>
              {t.exchangePnl === null ? '—' : usdt(t.exchangePnl, true)}
            </td>
            <td>{format(t.closedAt)}</td>
            <td className={t.side === 'long' || t.side === 'buy' ? 'pos' : 'neg'}>{t.side}</td>
            <td>{t.size}</td>
            <td>{price(t.symbol, t.entryPrice)}</td>
            <td>{price(t.symbol, t.exitPrice)}</td>
            <td>{t.exitReason ? t.exitReason.replace('_', '-') : '—'}</td>
            <td className={tone(t.roiOnMargin, 4)} title={marginNote(t.leverage)} data-testid="roi-margin">
              {t.roiOnMargin === null ? <span className="muted">unknown</span> : percent(t.roiOnMargin)}
            </td>
            <td
              className={tone(t.roiOnNotional, 4)}
              title="net P&L over the entry notional (size × multiplier × entry)"
            >
              {percent(t.roiOnNotional)}
            </td>
            <td>{fixed(t.fees, 4)}</td>
            <td>{fixed(t.funding, 4)}</td>
          </tr>
        ))}
      </PanelTable>
      <nav className="pager" aria-label="trade history pages">
        {page > 0 ? (
          <Link to={withParams({ tpage: String(page - 1) })} preventScrollReset>
            ← Newer
          </Link>
        ) : (
          <span />
        )}
        <span className="muted small">page {page + 1}</span>
        {trades.length === TRADES_PAGE_SIZE ? (
          <Link to={withParams({ tpage: String(page + 1) })} preventScrollReset>
            Older →
          </Link>
        ) : (
          <span />
        )}
      </nav>
    </section>
  );
}

/**
 * Why our net P&L and KuCoin's realised P&L for the same round trip differ (shown on hover): both count
 * fees and funding, so a difference is in one of them, or in the close itself.
 */
export function exchangeNote(t: {
  netPnl: string;
  fees: string;
  funding: string;
  exchangePnl: string | null;
  exchangeFees: string | null;
  exchangeFunding: string | null;
}): string {
  if (t.exchangePnl === null)
    return 'KuCoin had not reported this position in its history when the trade closed';
  const diff = new Money(t.netPnl).minus(t.exchangePnl);
  if (diff.isZero()) return "KuCoin's realised P&L (its position history) equals ours";
  const parts: string[] = [];
  if (t.exchangeFees !== null && !new Money(t.fees).eq(t.exchangeFees))
    parts.push(`fees: ours ${t.fees}, KuCoin's ${t.exchangeFees}`);
  if (t.exchangeFunding !== null && !new Money(t.funding).eq(t.exchangeFunding))
    parts.push(`funding: ours ${t.funding}, KuCoin's ${t.exchangeFunding}`);
  if (parts.length === 0)
    parts.push('fees and funding agree: the close itself differs (KuCoin joined or split the round trip)');
  return `ours − KuCoin's = ${diff.toFixed()} USDT; ${parts.join('; ')}`;
}

/** A return given as a decimal fraction ('0.005859375') in percent to two places ('0.59%'), in decimal. */
export function percent(fraction: string | null): string {
  return fraction === null ? '—' : pct(new Money(fraction).mul(100).toFixed(), 2);
}

/** What the "ROI on margin" cell shows on hover: its margin, or why it is unknown. */
export function marginNote(leverage: string | null): string {
  return leverage === null
    ? "the position's leverage is not known (an adopted position): its ROI on margin is not guessed"
    : `net P&L over the initial margin: entry notional / ${new Money(leverage).toFixed()}× leverage (KuCoin's ROE)`;
}
