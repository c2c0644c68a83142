import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { type ApiResult, api } from '../lib/api.ts';
import { fixed, price as fmtPrice, SYMBOLS, specOf } from '../lib/market.ts';
import { PreviewRefresher } from '../lib/preview-refresh.ts';
import { ticketReferencePrice } from '../lib/ticket-price.ts';
import type { OrderPreview, Role } from '../lib/types.ts';
import { ConfirmButton } from './ConfirmButton.tsx';

export interface TicketPreset {
  symbol: string;
  side: 'buy' | 'sell';
  /** bumps on every preset so the same preset twice still applies */
  n: number;
}

const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

type OrderType = 'market' | 'limit' | 'stop_market' | 'stop_limit';
const TYPE_LABEL: Record<OrderType, string> = {
  market: 'market',
  limit: 'limit',
  stop_market: 'stop market',
  stop_limit: 'stop limit',
};
/** The router's styles for a market order (docs/router.md); '' sends a plain market order. */
const EXECUTIONS = [
  ['', 'Market (one order)'],
  ['auto', 'Auto (router picks from the book)'],
  ['market', 'Market within the slippage budget'],
  ['limit_chase', 'Limit chase (post-only at the touch)'],
  ['twap', 'TWAP (5 slices over 60 s)'],
  ['iceberg', 'Iceberg (native, a tenth shown)'],
] as const;
type Execution = (typeof EXECUTIONS)[number][0];

/**
 * Symbol, side, type (market, limit, stop market, stop limit), the router's execution style for a
 * market order, size in lots or USDT, leverage, margin mode, reduce-/post-only, TP/SL; a live risk
 * preview from POST /api/orders/preview (the same body as the order) before anything is sent.
 */
export function OrderTicket(props: {
  symbol: string;
  lastPrice: number | null;
  role: Role;
  preset: TicketPreset | null;
  /**
   * Stands for the risk state the preview depends on (the kill switch, the breakers): when it
   * changes, the preview is read again at once
   */
  riskKey?: string;
  onCommand(label: string, result: { ok: boolean; error: string | null; data?: unknown }): void;
}) {
  const id = useId();
  const [symbol, setSymbol] = useState(props.symbol);
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [type, setType] = useState<OrderType>('market');
  const [execution, setExecution] = useState<Execution>('');
  const [stopPrice, setStopPrice] = useState('');
  const [unit, setUnit] = useState<'lots' | 'usdt'>('lots');
  const [amount, setAmount] = useState('1');
  const [limitPrice, setLimitPrice] = useState('');
  const [leverage, setLeverage] = useState('5');
  const [marginMode, setMarginMode] = useState<'isolated' | 'cross'>('isolated');
  const [reduceOnly, setReduceOnly] = useState(false);
  const [postOnly, setPostOnly] = useState(false);
  const [tp, setTp] = useState('');
  const [sl, setSl] = useState('');
  const [preview, setPreview] = useState<OrderPreview | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => setSymbol(props.symbol), [props.symbol]);
  useEffect(() => {
    if (!props.preset) return;
    setSymbol(props.preset.symbol);
    setSide(props.preset.side);
  }, [props.preset]);

  const spec = specOf(symbol);
  const hasLimit = type === 'limit' || type === 'stop_limit';
  const isStop = type === 'stop_market' || type === 'stop_limit';
  const refPrice = ticketReferencePrice({
    symbol,
    chartSymbol: props.symbol,
    chartLastClose: props.lastPrice,
    ownPrice:
      hasLimit && DECIMAL.test(limitPrice)
        ? Number(limitPrice)
        : isStop && DECIMAL.test(stopPrice)
          ? Number(stopPrice)
          : null,
  });
  const lots = useMemo(() => {
    if (!DECIMAL.test(amount)) return null;
    if (unit === 'lots') return Number.isInteger(Number(amount)) ? Number(amount) : null;
    if (!spec || !refPrice) return null;
    return Math.floor(Number(amount) / (Number(spec.multiplier) * refPrice));
  }, [amount, unit, spec, refPrice]);

  const errors: Record<string, string> = {};
  if (!DECIMAL.test(amount) || Number(amount) <= 0) errors['size'] = 'enter a positive amount';
  else if (unit === 'lots' && lots === null) errors['size'] = 'lots are whole numbers';
  else if (lots !== null && lots < 1) errors['size'] = 'less than one lot at this price';
  else if (lots === null)
    errors['size'] =
      symbol === props.symbol
        ? 'no price yet to convert USDT into lots'
        : `no ${symbol} price here to convert USDT: give lots, or show ${symbol} on the chart`;
  if (hasLimit && !DECIMAL.test(limitPrice)) errors['price'] = `a ${TYPE_LABEL[type]} order needs a price`;
  if (isStop && !DECIMAL.test(stopPrice)) errors['stopPrice'] = 'a stop order needs a stop price';
  const lev = Number(leverage);
  if (!Number.isInteger(lev) || lev < 1 || lev > (spec?.maxLeverage ?? 125))
    errors['leverage'] = `1 to ${spec?.maxLeverage ?? 125}`;
  if (tp && !DECIMAL.test(tp)) errors['takeProfit'] = 'a positive price';
  if (sl && !DECIMAL.test(sl)) errors['stopLoss'] = 'a positive price';
  const valid = Object.keys(errors).length === 0 && lots !== null;

  const body = valid
    ? {
        symbol,
        side,
        orderType: type,
        size: lots!,
        ...(hasLimit ? { price: limitPrice } : {}),
        ...(isStop ? { stopPrice } : {}),
        leverage: lev,
        marginMode,
        reduceOnly,
        ...(type === 'limit' && postOnly ? { postOnly: true } : {}),
        ...(type === 'market' && execution ? { execution } : {}),
        ...(sl ? { stopLoss: sl } : {}),
        ...(tp ? { takeProfit: tp } : {}),
      }
    : null;
  const bodyKey = JSON.stringify(body);

  // the preview is read when the body changes, again every few seconds while the ticket is shown (the
  // kill switch, the breakers, the mark and the account change it too), and at once when the
  // dashboard's risk state changes; one request at a time, the answer shown until the next arrives
  const refresher = useMemo(
    () =>
      new PreviewRefresher<NonNullable<typeof body>, ApiResult<OrderPreview>>(
        // the preview takes the order's own body (one schema for both)
        (b, signal) => api<OrderPreview>('/orders/preview', { method: 'POST', body: b, signal }),
        (r) => {
          setServerErrors(r.fields);
          setPreviewError(r.ok ? null : r.error);
          setPreview(r.ok ? r.data : null);
        },
      ),
    [],
  );
  useEffect(() => () => refresher.dispose(), [refresher]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: bodyKey stands for the body
  useEffect(() => {
    if (!body) setPreview(null);
    refresher.set(body);
  }, [bodyKey, refresher]);
  const riskKey = useRef(props.riskKey);
  useEffect(() => {
    if (riskKey.current === props.riskKey) return;
    riskKey.current = props.riskKey;
    refresher.refresh();
  }, [props.riskKey, refresher]);

  const fieldError = (name: string) => errors[name] ?? serverErrors[name];
  const err = (name: string) =>
    fieldError(name) ? (
      <span className="field-error" id={`${id}-${name}-err`} role="alert">
        {fieldError(name)}
      </span>
    ) : null;
  const described = (name: string) =>
    fieldError(name) ? { 'aria-invalid': true, 'aria-describedby': `${id}-${name}-err` } : {};
  const canTrade = props.role !== 'viewer';

  return (
    <section className="card ticket" aria-labelledby={`${id}-title`} data-testid="order-ticket">
      <h2 id={`${id}-title`}>Order ticket</h2>
      <form onSubmit={(e) => e.preventDefault()} noValidate>
        <div className="row">
          <label>
            Symbol
            <select value={symbol} onChange={(e) => setSymbol(e.target.value)} name="symbol">
              {SYMBOLS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.target.value as OrderType)} name="type">
              <option value="market">Market</option>
              <option value="limit">Limit</option>
              <option value="stop_market">Stop market</option>
              <option value="stop_limit">Stop limit</option>
            </select>
          </label>
        </div>
        {type === 'market' ? (
          <>
            <label>
              Execution
              <select
                value={execution}
                onChange={(e) => setExecution(e.target.value as Execution)}
                name="execution"
                {...described('execution')}
              >
                {EXECUTIONS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            {err('execution')}
          </>
        ) : null}
        <fieldset className="sides">
          <legend className="sr-only">Side</legend>
          <button
            type="button"
            className={side === 'buy' ? 'buy on' : 'buy'}
            aria-pressed={side === 'buy'}
            onClick={() => setSide('buy')}
          >
            Buy / Long
          </button>
          <button
            type="button"
            className={side === 'sell' ? 'sell on' : 'sell'}
            aria-pressed={side === 'sell'}
            onClick={() => setSide('sell')}
          >
            Sell / Short
          </button>
        </fieldset>
        <div className="row">
          <label>
            Size
            <input
              name="size"
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              {...described('size')}
            />
          </label>
          <label>
            Unit
            <select value={unit} onChange={(e) => setUnit(e.target.value as 'lots' | 'usdt')} name="unit">
              <option value="lots">lots</option>
              <option value="usdt">USDT</option>
            </select>
          </label>
        </div>
        {err('size')}
        {unit === 'usdt' && lots !== null && spec ? (
          <p className="small muted">
            = {lots} lots × {spec.multiplier.toString()} {spec.baseCurrency}
          </p>
        ) : null}
        {isStop ? (
          <>
            <label>
              Stop price <span className="muted small">(mark)</span>
              <input
                name="stopPrice"
                inputMode="decimal"
                value={stopPrice}
                onChange={(e) => setStopPrice(e.target.value)}
                {...described('stopPrice')}
              />
            </label>
            {err('stopPrice')}
          </>
        ) : null}
        {hasLimit ? (
          <>
            <label>
              Limit price
              <input
                name="price"
                inputMode="decimal"
                value={limitPrice}
                onChange={(e) => setLimitPrice(e.target.value)}
                {...described('price')}
              />
            </label>
            {err('price')}
          </>
        ) : null}
        <div className="row">
          <label>
            Leverage
            <input
              name="leverage"
              inputMode="numeric"
              value={leverage}
              onChange={(e) => setLeverage(e.target.value)}
              {...described('leverage')}
            />
          </label>
          <label>
            Margin
            <select
              value={marginMode}
              onChange={(e) => setMarginMode(e.target.value as 'isolated' | 'cross')}
              name="marginMode"
            >
              <option value="isolated">isolated</option>
              <option value="cross">cross</option>
            </select>
          </label>
        </div>
        {err('leverage')}
        <div className="row">
          <label>
            Take-profit
            <input
              name="takeProfit"
              inputMode="decimal"
              value={tp}
              onChange={(e) => setTp(e.target.value)}
              {...described('takeProfit')}
            />
          </label>
          <label>
            Stop-loss
            <input
              name="stopLoss"
              inputMode="decimal"
              value={sl}
              onChange={(e) => setSl(e.target.value)}
              {...described('stopLoss')}
            />
          </label>
        </div>
        {err('takeProfit')}
        {err('stopLoss')}
        <div className="row checks">
          <label className="check">
            <input type="checkbox" checked={reduceOnly} onChange={(e) => setReduceOnly(e.target.checked)} />{' '}
            Reduce-only
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={postOnly}
              disabled={type !== 'limit'}
              onChange={(e) => setPostOnly(e.target.checked)}
              {...described('postOnly')}
            />{' '}
            Post-only
          </label>
        </div>
        {err('postOnly')}
        {err('marginMode')}

        <div className="preview" aria-live="polite" data-testid="risk-preview">
          <h3>Risk preview</h3>
          {preview ? (
            <>
              <dl>
                <dt>Price</dt>
                <dd data-testid="preview-price" data-price={preview.price}>
                  {fmtPrice(symbol, preview.price)}{' '}
                  <span className="muted small">
                    {preview.priceSource === 'last_candle' ? 'last' : preview.priceSource}
                  </span>
                </dd>
                <dt>Notional</dt>
                <dd>{fixed(preview.notional, 2)}</dd>
                <dt>Margin</dt>
                <dd data-testid="preview-margin">{fixed(preview.margin, 2)}</dd>
                <dt>Fees</dt>
                <dd>{fixed(preview.fees, 4)}</dd>
                <dt>Liquidation</dt>
                <dd>
                  {preview.liquidationPrice
                    ? fmtPrice(symbol, preview.liquidationPrice)
                    : 'cross: account-wide'}
                  {preview.liquidationDistancePct ? (
                    <span className="muted small"> ({preview.liquidationDistancePct}%)</span>
                  ) : null}
                </dd>
                <dt>Risk-limit level</dt>
                <dd
                  data-testid="preview-risk-level"
                  data-basis={preview.riskLevel.basis}
                  title={preview.riskLevel.message}
                >
                  {preview.riskLevel.level}{' '}
                  <span
                    className={`small ${preview.riskLevel.basis === 'selected' || preview.liquidationPrice === null ? 'muted' : 'warn'}`}
                  >
                    {preview.riskLevel.basis === 'selected'
                      ? 'selected on the account'
                      : preview.liquidationPrice === null
                        ? 'cross: the value of the position after the order'
                        : 'no selected level known: the value of the position after the order (the engine judges at the selected one)'}
                  </span>
                </dd>
                <dt>Stop distance</dt>
                <dd>
                  {preview.stopDistance
                    ? `${fmtPrice(symbol, preview.stopDistance)} (${preview.stopDistancePct}%)`
                    : '—'}
                </dd>
                <dt>Worst-case loss</dt>
                <dd className="neg">{fixed(preview.worstCaseLoss, 2)}</dd>
                {type === 'market' && execution ? (
                  <>
                    <dt>Execution</dt>
                    <dd data-testid="preview-execution">
                      {EXECUTIONS.find(([v]) => v === execution)?.[1]}
                      <span className="muted small">
                        {' '}
                        — the engine reads the book: style, estimated and realised cost are on the order
                      </span>
                    </dd>
                  </>
                ) : null}
              </dl>
              <ul className="checks-list">
                {preview.checks
                  .filter((c) => !c.ok)
                  .map((c) => (
                    <li key={c.code} className={c.blocking ? 'neg' : 'warn'}>
                      {c.blocking ? '✕ blocks: ' : '! '}
                      {c.message}
                    </li>
                  ))}
                {preview.checks.every((c) => c.ok) ? (
                  <li className="pos">✓ every risk check passes</li>
                ) : null}
              </ul>
            </>
          ) : (
            <p className="muted small">
              {previewError ?? (valid ? 'computing…' : 'fill in the order to see its risk')}
            </p>
          )}
        </div>

        {canTrade ? (
          <ConfirmButton
            className={`primary wide ${side}`}
            disabled={!valid || !preview?.allowed}
            testId="place-order"
            confirmLabel={`Confirm ${side} ${lots ?? ''} ${symbol} ${TYPE_LABEL[type]}${type === 'market' && execution ? ` (${execution})` : ''}`}
            onConfirm={async () => {
              if (!body) return;
              const r = await api<{ commandId: string }>('/orders', {
                method: 'POST',
                body,
                idempotencyKey: crypto.randomUUID(),
              });
              setResult(
                r.ok
                  ? {
                      ok: true,
                      text: `sent: command ${r.data?.commandId.slice(0, 8)} accepted (what the engine did: Commands)`,
                    }
                  : { ok: false, text: r.error ?? 'refused' },
              );
              setServerErrors(r.fields);
              props.onCommand(`${side} ${lots} ${symbol} ${TYPE_LABEL[type]}`, r);
            }}
          >
            {side === 'buy' ? 'Buy' : 'Sell'} {lots ?? ''} {symbol}
          </ConfirmButton>
        ) : (
          <p className="muted small" data-testid="viewer-note">
            Viewers cannot place orders.
          </p>
        )}
        {result ? (
          <p className={result.ok ? 'pos small' : 'error'} role="status" data-testid="order-result">
            {result.text}
          </p>
        ) : null}
      </form>
    </section>
  );
}
