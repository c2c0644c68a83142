/**
 * The Worker-safe entry point, `@enigma/db/edge`: schema, repositories, encryption and the Neon factories,
 * with no Node built-in or Node-only driver anywhere in its import graph (checked by bundling it for the
 * browser platform with esbuild). `@enigma/db` adds `openDatabase`/`migrate`/`checkDatabase`, which load
 * pg, PGlite and the file-reading migrators lazily; a Worker bundler would still try to follow those
 * dynamic imports, so Workers should import from here.
 */
export * from './client.edge.ts';
export * from './crypto/encoding.ts';
export * from './crypto/envelope.ts';
export * from './db-type.ts';
export * from './repositories/api-keys.ts';
export * from './repositories/audit.ts';
export * from './repositories/candles.ts';
export * from './repositories/circuit-breakers.ts';
export * from './repositories/commands.ts';
export * from './repositories/exchange-credentials.ts';
export * from './repositories/market-samples.ts';
export * from './repositories/numeric.ts';
export * from './repositories/settings.ts';
export * from './repositories/signals.ts';
export * from './repositories/trading.ts';
export * from './repositories/users.ts';
export * from './repositories/webhook-sources.ts';
export * from './schema/index.ts';
