export * from './aggregator.ts';
export * from './multi-timeframe.ts';
export * from './timeframe.ts';
