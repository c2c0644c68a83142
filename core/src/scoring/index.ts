export * from './agreement.ts';
export * from './context.ts';
export * from './gate.ts';
export * from './scorer.ts';
