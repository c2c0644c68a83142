export * from './checks.ts';
export * from './limits.ts';
