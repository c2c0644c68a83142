import type { Hono } from 'hono';
import type { SimBehaviour } from '../behaviour.ts';
import { SimError } from '../errors.ts';
import type { FaultState } from '../faults.ts';
import { positiveDecimal } from './account-routes.ts';
import { jsonBody, ok, type SimContext, type SimEnv } from './context.ts';

/**
 * Simulator control under /sim/ (outside KuCoin's /api/ namespace): fault switches, token expiry,
 * deposits and a state summary. Local-only tooling: no signature required.
 */
export function registerAdminRoutes(app: Hono<SimEnv>, ctx: SimContext): void {
  const { engine, faults } = ctx;
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof RangeError) throw new SimError('400100', e.message, 400);
      throw e;
    }
  };

  app.get('/sim/faults', (c) => ok(c, faults.get()));
  app.post('/sim/faults', (c) =>
    ok(
      c,
      guard(() => faults.set((jsonBody(c) ?? {}) as Partial<FaultState>)),
    ),
  );
  app.get('/sim/behaviour', (c) => ok(c, engine.behaviour));
  app.post('/sim/behaviour', (c) =>
    ok(
      c,
      guard(() => engine.setBehaviour((jsonBody(c) ?? {}) as Partial<SimBehaviour>)),
    ),
  );
  app.post('/sim/wick', (c) => {
    const body = (jsonBody(c) ?? {}) as Record<string, unknown>;
    const price = (k: string) => (body[k] === undefined ? undefined : positiveDecimal(body[k], k));
    const symbol = String(body['symbol'] ?? '');
    const duration = body['durationMs'] ?? 0;
    if (typeof duration !== 'number' || !(duration >= 0))
      throw new SimError('400100', 'durationMs must be ≥ 0', 400);
    engine.wick(symbol, { last: price('last'), mark: price('mark'), index: price('index') }, duration);
    return ok(c, { symbol, until: engine.wicks.get(symbol)?.until });
  });
  app.post('/sim/adl', (c) => {
    const body = (jsonBody(c) ?? {}) as Record<string, unknown>;
    const symbol = String(body['symbol'] ?? '');
    const price = body['price'] === undefined ? undefined : positiveDecimal(body['price'], 'price');
    const lots = body['lots'] === undefined ? undefined : Number(body['lots']);
    engine.autoDeleverage(symbol, { price, lots });
    return ok(c, { symbol, qty: engine.positions.get(symbol)?.qty ?? 0 });
  });
  app.post('/sim/faults/reset', (c) => {
    faults.reset();
    return ok(c, faults.get());
  });
  app.post('/sim/ws/silence', (c) => ok(c, faults.set({ wsSilent: true })));
  app.post('/sim/tokens/expire', (c) => {
    faults.expireTokens();
    return ok(c, true);
  });
  app.post('/sim/deposit', (c) => {
    const body = (jsonBody(c) ?? {}) as { amount?: unknown };
    if (typeof body.amount !== 'number' && typeof body.amount !== 'string')
      throw new SimError('400100', 'amount is required', 400);
    guard(() => engine.deposit(body.amount as string));
    return ok(c, { walletBalance: engine.wallet.toString() });
  });
  app.get('/sim/state', (c) => {
    const a = engine.accountSummary();
    return ok(c, {
      now: engine.clock.now(),
      source: engine.source.kind,
      walletBalance: a.wallet.toString(),
      equity: a.equity.toString(),
      available: a.available.toString(),
      markets: [...engine.markets.values()].map((m) => ({
        symbol: m.spec.symbol,
        mark: m.mark.toString(),
        last: m.last.toString(),
        sequence: m.sequence,
      })),
      openOrders: [...engine.orders.values()].filter((o) => o.status === 'open').length,
      positions: [...engine.positions.values()]
        .filter((p) => p.qty !== 0)
        .map((p) => ({ symbol: p.symbol, qty: p.qty })),
    });
  });
}
