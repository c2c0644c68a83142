export * from './aggregator.ts';
export * from './multi-timeframe.ts';
