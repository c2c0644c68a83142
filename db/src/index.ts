export * from './client.ts';
export * from './db-type.ts';
export * from './schema/index.ts';
