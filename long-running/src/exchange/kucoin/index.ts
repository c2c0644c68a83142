/** KuCoin Futures adapter: the public surface. Only http.ts and ws.ts touch the network. */
export * from './config.ts';
export * from './credential.ts';
export { account, type Endpoint, market, type Page, positions, trade } from './endpoints.ts';
export * from './errors.ts';
export { interpret, KucoinHttpClient, type KucoinHttpOptions } from './http.ts';
export { type Level2Delta, Level2Sync } from './level2.ts';
export { type KucoinMetrics, kucoinMetrics } from './metrics.ts';
export * from './orders.ts';
export * from './parse.ts';
export { RateLimiter } from './rate-limit.ts';
export { type BuiltRequest, buildRequest, type RequestSpec } from './request.ts';
export { type Bullet, KucoinWs, type KucoinWsOptions, type WsMessage, WsSubscribeError } from './ws.ts';
export * from './ws-parse.ts';
export { subscribe, subscribeBook, topics } from './ws-topics.ts';
