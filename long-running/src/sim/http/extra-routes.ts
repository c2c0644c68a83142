import type { Hono, MiddlewareHandler } from 'hono';
import type * as s from '../../exchange/kucoin/schemas.ts';
import type { Wire } from '../wire.ts';
import { ok, type SimContext, type SimEnv } from './context.ts';

/**
 * The few spot/account endpoints third-party futures clients call while loading markets
 * (CCXT's kucoin base class: currencies, margin symbols, HF-account flag) plus the bullet endpoints.
 */
export function registerSessionRoutes(
  app: Hono<SimEnv>,
  ctx: SimContext,
  auth: MiddlewareHandler<SimEnv>,
): void {
  const { engine, tokens } = ctx;
  const bullet = (isPrivate: boolean): Wire<typeof s.bullet> => ({
    token: tokens.issue(isPrivate, engine.clock.now()),
    instanceServers: [
      {
        endpoint: ctx.wsEndpoint(),
        encrypt: false,
        protocol: 'websocket',
        pingInterval: ctx.pingInterval,
        pingTimeout: ctx.pingTimeout,
      },
    ],
  });
  app.post('/api/v1/bullet-public', (c) => ok(c, bullet(false)));
  app.post('/api/v1/bullet-private', auth, (c) => ok(c, bullet(true)));

  const currencies = () => {
    const names = new Set(['USDT']);
    for (const m of engine.markets.values()) names.add(m.spec.baseCurrency);
    return [...names].map((currency) => ({
      currency,
      name: currency,
      fullName: currency,
      precision: 8,
      confirms: null,
      contractAddress: null,
      isMarginEnabled: true,
      isDebitEnabled: true,
      chains: [],
    }));
  };
  app.get('/api/v3/currencies', (c) => ok(c, currencies()));
  app.get('/api/v1/currencies', (c) => ok(c, currencies()));
  app.get('/api/v2/symbols', (c) => ok(c, []));
  app.get('/api/v1/symbols', (c) => ok(c, []));
  app.get('/api/v3/margin/symbols', auth, (c) => ok(c, { timestamp: engine.clock.now(), items: [] }));
  app.get('/api/v1/isolated/symbols', auth, (c) => ok(c, []));
  app.get('/api/v1/hf/accounts/opened', auth, (c) => ok(c, false));
  // CCXT asks whether the account is a unified (UTA) one before choosing its endpoints.
  app.get('/api/ua/v1/account/mode', auth, (c) => ok(c, { selfAccountMode: 'CLASSIC' }));
  app.get('/api/v2/user-info', auth, (c) =>
    ok(c, {
      level: 0,
      subQuantity: 0,
      maxDefaultSubQuantity: 5,
      maxSubQuantity: 5,
      spotSubQuantity: 0,
      marginSubQuantity: 0,
      futuresSubQuantity: 0,
      optionSubQuantity: 0,
      maxSpotSubQuantity: 0,
      maxMarginSubQuantity: 0,
      maxFuturesSubQuantity: 0,
      maxOptionSubQuantity: 0,
    }),
  );
}
