export * from './compute.ts';
export * from './label.ts';
export * from './spec.ts';
