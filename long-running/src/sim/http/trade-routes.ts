import type { Hono, MiddlewareHandler } from 'hono';
import type * as s from '../../exchange/kucoin/schemas.ts';
import { SimError } from '../errors.ts';
import type { SimOrder } from '../types.ts';
import { renderFill, renderOrder } from '../views.ts';
import type { Wire } from '../wire.ts';
import { intParam, jsonBody, ok, paginate, q, type SimContext, type SimEnv, symbolParam } from './context.ts';

const MAX_BATCH = 20;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Orders and fills (private). */
export function registerTradeRoutes(
  app: Hono<SimEnv>,
  ctx: SimContext,
  auth: MiddlewareHandler<SimEnv>,
): void {
  const { engine } = ctx;
  const render = (o: SimOrder) => renderOrder(engine, o);

  app.post('/api/v1/orders', auth, (c) =>
    ok(c, engine.placeOrder(jsonBody(c)) satisfies Wire<typeof s.orderAck>),
  );
  app.post('/api/v1/orders/test', auth, (c) =>
    ok(c, engine.placeOrder(jsonBody(c), { test: true }) satisfies Wire<typeof s.orderAck>),
  );
  app.post('/api/v1/st-orders', auth, (c) =>
    ok(c, engine.placeTpSlOrder(jsonBody(c)) satisfies Wire<typeof s.orderAck>),
  );

  app.post('/api/v1/orders/multi', auth, (c) => {
    const body = jsonBody(c);
    if (!Array.isArray(body) || body.length === 0)
      throw new SimError('100001', 'body must be a non-empty array');
    if (body.length > MAX_BATCH) throw new SimError('100001', `at most ${MAX_BATCH} orders per batch`);
    return ok(
      c,
      body.map((item: Record<string, unknown>): Wire<typeof s.batchOrderItem> => {
        const symbol = typeof item?.['symbol'] === 'string' ? item['symbol'] : undefined;
        try {
          const r = engine.placeOrder(item);
          return { ...r, symbol, code: '200000', msg: 'success' };
        } catch (e) {
          if (!(e instanceof SimError)) throw e;
          return {
            orderId: null,
            clientOid: typeof item?.['clientOid'] === 'string' ? item['clientOid'] : null,
            symbol,
            code: e.code,
            msg: e.message,
          };
        }
      }),
    );
  });

  app.delete('/api/v1/orders/multi-cancel', auth, (c) => {
    const body = (jsonBody(c) ?? {}) as { orderIdsList?: unknown; clientOidsList?: unknown };
    const out: Wire<typeof s.multiCancelItem>[] = [];
    const attempt = (orderId: string | null, clientOid: string | null, symbol?: string) => {
      const o = orderId ? engine.orders.get(orderId) : engine.findByClientOid(clientOid ?? '', symbol);
      try {
        if (!o) throw new SimError('100004', 'The order cannot be canceled.');
        engine.cancelOrder(o.id);
        out.push({ orderId: o.id, clientOid, code: '200', msg: 'success' });
      } catch (e) {
        if (!(e instanceof SimError)) throw e;
        out.push({ orderId, clientOid, code: e.code, msg: e.message });
      }
    };
    if (Array.isArray(body.orderIdsList)) for (const id of body.orderIdsList) attempt(String(id), null);
    else if (Array.isArray(body.clientOidsList))
      for (const x of body.clientOidsList as { symbol?: string; clientOid?: string }[])
        attempt(null, String(x?.clientOid ?? ''), x?.symbol);
    else throw new SimError('100001', 'orderIdsList or clientOidsList is required');
    return ok(c, out);
  });

  app.delete('/api/v1/orders/client-order/:clientOid', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    const clientOid = c.req.param('clientOid');
    const o = engine.findByClientOid(clientOid, symbol);
    if (!o || o.status === 'done') throw new SimError('100004', 'The order cannot be canceled.');
    engine.cancelOrder(o.id);
    return ok(c, { clientOid } satisfies Wire<typeof s.cancelByClientOid>);
  });

  app.delete('/api/v1/orders/:orderId', auth, (c) =>
    ok(c, { cancelledOrderIds: engine.cancelOrder(c.req.param('orderId')) } satisfies Wire<
      typeof s.cancelledIds
    >),
  );

  app.delete('/api/v3/orders', auth, (c) =>
    ok(c, { cancelledOrderIds: engine.cancelAll(symbolParam(ctx, c), false) } satisfies Wire<
      typeof s.cancelledIds
    >),
  );
  app.delete('/api/v1/orders', auth, (c) => {
    const symbol = q(c, 'symbol') ? symbolParam(ctx, c) : undefined;
    return ok(c, { cancelledOrderIds: engine.cancelAll(symbol, false) } satisfies Wire<
      typeof s.cancelledIds
    >);
  });
  app.delete('/api/v1/stopOrders', auth, (c) => {
    const symbol = q(c, 'symbol') ? symbolParam(ctx, c) : undefined;
    return ok(c, { cancelledOrderIds: engine.cancelAll(symbol, true) } satisfies Wire<typeof s.cancelledIds>);
  });

  const filtered = (c: Parameters<typeof ok>[0], pool: SimOrder[]) => {
    const symbol = q(c, 'symbol');
    const side = q(c, 'side');
    const type = q(c, 'type');
    const startAt = intParam(c, 'startAt');
    const endAt = intParam(c, 'endAt');
    if (side && side !== 'buy' && side !== 'sell') throw new SimError('100001', 'side must be buy or sell');
    return pool
      .filter(
        (o) =>
          (!symbol || o.symbol === symbol) &&
          (!side || o.side === side) &&
          (!type || (o.stop ? `${o.type}_stop` : o.type) === type || o.type === type) &&
          (startAt === undefined || o.createdAt >= startAt) &&
          (endAt === undefined || o.createdAt <= endAt),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1));
  };

  app.get('/api/v1/orders', auth, (c) => {
    const status = q(c, 'status') ?? 'done';
    if (status !== 'active' && status !== 'done')
      throw new SimError('100001', 'status must be active or done');
    const all = [...engine.orders.values()];
    const pool =
      status === 'active'
        ? all.filter((o) => o.status === 'open' && (!o.stop || o.stopTriggered))
        : all.filter((o) => o.status === 'done' && o.createdAt >= engine.clock.now() - WEEK);
    return ok(c, paginate(c, filtered(c, pool).map(render)));
  });

  app.get('/api/v1/orders/byClientOid', auth, (c) => {
    const clientOid = q(c, 'clientOid');
    if (!clientOid) throw new SimError('100001', 'clientOid is required');
    const o = engine.findByClientOid(clientOid);
    if (!o) throw new SimError('100001', 'error.getOrder.orderNotExist');
    return ok(c, render(o));
  });

  app.get('/api/v1/orders/:orderId', auth, (c) => {
    const o = engine.orders.get(c.req.param('orderId'));
    if (!o) throw new SimError('100001', 'error.getOrder.orderNotExist');
    return ok(c, render(o));
  });

  app.get('/api/v1/recentDoneOrders', auth, (c) => {
    const since = engine.clock.now() - 86_400_000;
    const pool = [...engine.orders.values()].filter((o) => o.status === 'done' && (o.endAt ?? 0) >= since);
    return ok(c, filtered(c, pool).slice(0, 1000).map(render));
  });

  app.get('/api/v1/stopOrders', auth, (c) => {
    const pool = [...engine.orders.values()].filter((o) => o.status === 'open' && o.stop && !o.stopTriggered);
    return ok(c, paginate(c, filtered(c, pool).map(render)));
  });

  app.get('/api/v1/openOrderStatistics', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    const spec = engine.specOf(symbol);
    let buy = 0;
    let sell = 0;
    let buyCost = engine.orderMargin(symbol).mul(0);
    let sellCost = buyCost;
    for (const o of engine.orders.values()) {
      if (!o.isActive || o.symbol !== symbol || !o.price) continue;
      const left = o.size - o.filledSize - o.canceledSize;
      const cost = o.price.mul(left).mul(spec.multiplier).div(o.leverage);
      if (o.side === 'buy') {
        buy += left;
        buyCost = buyCost.plus(cost);
      } else {
        sell += left;
        sellCost = sellCost.plus(cost);
      }
    }
    return ok(c, {
      openOrderBuySize: buy,
      openOrderSellSize: sell,
      openOrderBuyCost: buyCost.toString(),
      openOrderSellCost: sellCost.toString(),
      settleCurrency: 'USDT',
    } satisfies Wire<typeof s.openOrderStatistics>);
  });

  app.get('/api/v1/fills', auth, (c) => {
    const orderId = q(c, 'orderId');
    const symbol = q(c, 'symbol');
    const side = q(c, 'side');
    const type = q(c, 'type');
    const tradeTypes = q(c, 'tradeTypes')?.split(',');
    // KuCoin's window (old official futures docs, Get Fills, "Data Time Range"): the last day by default;
    // a start alone ends 24 h later, an end alone starts 24 h before; longer than 7 days is refused (the
    // code is not documented). Not applied to a look-up by orderId.
    let startAt = intParam(c, 'startAt');
    let endAt = intParam(c, 'endAt');
    if (!orderId) {
      if (startAt === undefined && endAt === undefined) endAt = engine.clock.now();
      if (startAt === undefined) startAt = endAt! - DAY;
      if (endAt === undefined) endAt = startAt + DAY;
      if (endAt - startAt > WEEK) throw new SimError('100001', 'The time range exceeds 7 days');
    }
    const items = engine.fills
      .filter(
        (f) =>
          (!orderId || f.orderId === orderId) &&
          (!symbol || f.symbol === symbol) &&
          (!side || f.side === side) &&
          (!type || f.displayType === type || f.orderType === type) &&
          (!tradeTypes || tradeTypes.includes(f.tradeType)) &&
          (startAt === undefined || f.time >= startAt) &&
          (endAt === undefined || f.time <= endAt),
      )
      .reverse()
      .map(renderFill);
    return ok(c, paginate(c, items));
  });

  app.get('/api/v1/recentFills', auth, (c) => {
    const symbol = q(c, 'symbol');
    const since = engine.clock.now() - 86_400_000;
    return ok(
      c,
      engine.fills
        .filter((f) => (!symbol || f.symbol === symbol) && f.time >= since)
        .reverse()
        .slice(0, 1000)
        .map(renderFill),
    );
  });

  app.get('/api/v1/trade-fees', auth, (c) => {
    const symbol = symbolParam(ctx, c);
    const spec = engine.specOf(symbol);
    return ok(c, {
      symbol,
      takerFeeRate: spec.takerFeeRate.toString(),
      makerFeeRate: spec.makerFeeRate.toString(),
    } satisfies Wire<typeof s.tradeFee>);
  });
}
