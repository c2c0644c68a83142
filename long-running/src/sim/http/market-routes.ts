import type { Hono } from 'hono';
import type { z } from 'zod';
import type * as s from '../../exchange/kucoin/schemas.ts';
import { SimError } from '../errors.ts';
import { renderContract, renderTicker } from '../views.ts';
import type { Wire } from '../wire.ts';
import { intParam, ok, q, type SimC, type SimContext, type SimEnv, symbolParam } from './context.ts';

const GRANULARITIES = new Set([1, 5, 15, 30, 60, 120, 240, 480, 720, 1440, 10080]);
const MAX_KLINES = 500;

/** Public futures market data: contracts, ticker, depth, trades, klines, mark/index, funding, server status. */
export function registerMarketRoutes(app: Hono<SimEnv>, ctx: SimContext): void {
  const { engine } = ctx;

  app.get('/api/v1/contracts/active', (c) =>
    ok(
      c,
      [...engine.markets.values()].map((m) => renderContract(engine, m)),
    ),
  );

  app.get('/api/v1/contracts/risk-limit/:symbol', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    return ok(
      c,
      m.spec.riskLimits.map(
        (t): Wire<typeof s.riskLimitTier> => ({
          symbol: m.spec.symbol,
          level: t.level,
          maxRiskLimit: t.maxRiskLimit,
          minRiskLimit: t.minRiskLimit,
          maxLeverage: t.maxLeverage,
          initialMargin: t.initialMargin.toNumber(),
          maintainMargin: t.maintainMargin.toNumber(),
        }),
      ),
    );
  });

  app.get('/api/v1/contracts/:symbol', (c) =>
    ok(c, renderContract(engine, engine.market(symbolParam(ctx, c)))),
  );

  app.get('/api/v1/ticker', (c) => ok(c, renderTicker(engine, engine.market(symbolParam(ctx, c)))));

  app.get('/api/v1/allTickers', (c) =>
    ok(
      c,
      [...engine.markets.values()].map((m) => renderTicker(engine, m)),
    ),
  );

  const depth = (limit: number) => (c: SimC) => {
    const m = engine.market(symbolParam(ctx, c));
    const d = engine.depth(m, limit);
    return ok(c, {
      sequence: m.sequence,
      symbol: m.spec.symbol,
      bids: d.bids.map(([p, s]) => [p.toNumber(), s]),
      asks: d.asks.map(([p, s]) => [p.toNumber(), s]),
      ts: engine.clock.now() * 1_000_000,
    } satisfies Wire<typeof s.orderBook>);
  };
  app.get('/api/v1/level2/snapshot', depth(Number.POSITIVE_INFINITY));
  app.get('/api/v1/level2/depth20', depth(20));
  app.get('/api/v1/level2/depth100', depth(100));

  app.get('/api/v1/trade/history', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    return ok(
      c,
      [...m.trades].reverse().map(
        (t): Wire<typeof s.trade> => ({
          sequence: t.sequence,
          contractId: 1,
          tradeId: t.tradeId,
          makerOrderId: t.makerOrderId,
          takerOrderId: t.takerOrderId,
          ts: t.ts * 1_000_000,
          size: t.size,
          price: t.price.toString(),
          side: t.side,
        }),
      ),
    );
  });

  app.get('/api/v1/kline/query', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    const g = intParam(c, 'granularity');
    if (g === undefined || !GRANULARITIES.has(g)) throw new SimError('100001', 'granularity is invalid');
    const width = g * 60_000;
    const now = engine.clock.now();
    let from = intParam(c, 'from');
    let to = intParam(c, 'to');
    if (from === undefined && to === undefined) {
      to = now;
      from = to - MAX_KLINES * width;
    } else if (from === undefined) from = to! - MAX_KLINES * width;
    else if (to === undefined) to = Math.min(now, from + MAX_KLINES * width);
    const bars = m.bars(g, Math.ceil(from / width) * width, to!).slice(-MAX_KLINES);
    const dp = m.spec.tickSize.decimalPlaces();
    const r = (x: number) => Number(x.toFixed(dp));
    return ok(
      c,
      bars.map(
        (b): z.input<typeof s.kline> => [b.time, r(b.open), r(b.high), r(b.low), r(b.close), b.volume],
      ),
    );
  });

  app.get('/api/v1/mark-price/:symbol/current', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    return ok(c, {
      symbol: m.spec.symbol,
      granularity: 1000,
      timePoint: Math.floor(engine.clock.now() / 1000) * 1000,
      value: m.mark.toNumber(),
      indexPrice: m.index.toNumber(),
    } satisfies Wire<typeof s.markPrice>);
  });

  for (const kind of ['index', 'interest', 'premium'] as const) {
    app.get(`/api/v1/${kind}/query`, (c) => {
      const symbol = q(c, 'symbol') ?? '';
      const m = [...engine.markets.values()].find((x) => symbol.includes(x.spec.baseCurrency));
      const value = kind === 'index' ? (m?.index.toNumber() ?? 0) : kind === 'interest' ? 0.0003 : 0.00001;
      return ok(c, {
        dataList: [
          {
            symbol,
            granularity: 60000,
            timePoint: Math.floor(engine.clock.now() / 60000) * 60000,
            value,
          } satisfies Wire<typeof s.indexPoint>,
        ],
        hasMore: false,
      });
    });
  }

  app.get('/api/v1/trade-statistics', (c) => {
    let turnover = 0;
    for (const m of engine.markets.values()) turnover += m.stats24h(engine.clock.now()).turnover;
    return ok(c, { turnoverOf24h: turnover } satisfies Wire<typeof s.tradeStatistics>);
  });

  app.get('/api/v1/timestamp', (c) => c.json({ code: '200000', msg: 'success', data: engine.clock.now() }));
  app.get('/api/v1/status', (c) => ok(c, { status: 'open', msg: '' } satisfies Wire<typeof s.serverStatus>));

  app.get('/api/v1/funding-rate/:symbol/current', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    const next = engine.nextFundingTime(m.spec.symbol);
    return ok(c, {
      symbol: `.${m.spec.symbol}FPI8H`,
      granularity: m.spec.fundingRateGranularity,
      timePoint: next - m.spec.fundingRateGranularity,
      value: m.fundingRate.toNumber(),
      predictedValue: m.fundingRate.toNumber(),
      fundingRateCap: m.spec.fundingRateCap.toNumber(),
      fundingRateFloor: m.spec.fundingRateFloor.toNumber(),
      period: 0,
      fundingTime: next,
    } satisfies Wire<typeof s.fundingCurrent>);
  });

  app.get('/api/v1/contract/funding-rates', (c) => {
    const m = engine.market(symbolParam(ctx, c));
    const from = intParam(c, 'from');
    const to = intParam(c, 'to');
    if (from === undefined || to === undefined) throw new SimError('100001', 'from and to are required');
    const g = m.spec.fundingRateGranularity;
    const out: Wire<typeof s.fundingRatePoint>[] = [];
    // Settlements fall on the contract's schedule (e.g. 04:00/12:00/20:00 UTC): step back from the
    // latest past settlement to the last one at or before `to`, never to `to` itself.
    let last = engine.nextFundingTime(m.spec.symbol) - g;
    if (to < last) last -= Math.ceil((last - to) / g) * g;
    for (let t = last; t >= from && out.length < 100; t -= g)
      out.push({ symbol: m.spec.symbol, fundingRate: engine.fundingRateFor(m.spec.symbol, t), timepoint: t });
    return ok(c, out);
  });
}
