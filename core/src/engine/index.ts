export * from './client-oid.ts';
export * from './decide.ts';
export * from './order-state.ts';
export * from './sizing.ts';
export * from './strategy.ts';
