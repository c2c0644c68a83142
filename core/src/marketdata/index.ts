export * from './candle-builder.ts';
export * from './freshness.ts';
export * from './timeframe.ts';
