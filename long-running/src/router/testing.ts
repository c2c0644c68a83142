import { DEFAULT_STRATEGY, type StrategyConfig } from '@enigma/core/engine/strategy';
import { DEFAULT_EXECUTION, type ExecutionConfig } from '@enigma/core/router/plan';

/** The router tests' strategy: fixed lots, a 2 % stop, scale-in allowed, and the execution under test. */
export function routedStrategy(execution: Partial<ExecutionConfig>, lots: number): StrategyConfig {
  return {
    ...DEFAULT_STRATEGY,
    stop: { kind: 'pct', pct: '2' },
    sizing: { method: 'fixed_lots', lots },
    allowScaleIn: true,
    execution: { ...DEFAULT_EXECUTION, ...execution },
  };
}
