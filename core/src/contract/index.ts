export * from './math.ts';
export * from './specs.ts';
