import type { Candle } from '@enigma/core/candle';
import { stripValues } from '../lib/bars.ts';

const f = (v: number | null, dp = 2) => (v === null ? '—' : v.toFixed(dp));

/** RSI, MACD, position within the Bollinger Bands, ATR % and StochRSI of the newest bar. */
export function IndicatorStrip({ bars }: { bars: Candle[] }) {
  const v = stripValues(bars);
  return (
    <dl className="strip" aria-label="indicators of the newest bar" data-testid="indicator-strip">
      <div>
        <dt>RSI 14</dt>
        <dd className={v?.rsi && v.rsi > 70 ? 'neg' : v?.rsi && v.rsi < 30 ? 'pos' : ''}>
          {f(v?.rsi ?? null, 1)}
        </dd>
      </div>
      <div>
        <dt>MACD</dt>
        <dd className={v?.macdHist && v.macdHist > 0 ? 'pos' : 'neg'}>
          {f(v?.macd ?? null)} / {f(v?.macdSignal ?? null)}
        </dd>
      </div>
      <div>
        <dt>BB %B</dt>
        <dd>{v?.bbPosition === null || v === null ? '—' : `${(v.bbPosition * 100).toFixed(0)}%`}</dd>
      </div>
      <div>
        <dt>ATR %</dt>
        <dd>{f(v?.atrPct ?? null, 3)}</dd>
      </div>
      <div>
        <dt>StochRSI</dt>
        <dd>
          {f(v?.stochK ?? null, 1)} / {f(v?.stochD ?? null, 1)}
        </dd>
      </div>
    </dl>
  );
}
