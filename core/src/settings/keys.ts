import { z } from 'zod';

/**
 * Keys of the settings the API, intake and the engine share (one home: whoever writes and whoever
 * reads a setting import its key from here).
 */

/** The risk limits (`core/src/risk/limits.ts` parses them). */
export const RISK_LIMITS_KEY = 'risk.limits';
/** The kill switch's state, written by the API in one transaction with its command. */
export const KILL_SWITCH_KEY = 'risk.kill_switch';
/** The contracts the exchange lists as tradable, published by the engine (loaded at start, refreshed). */
export const TRADABLE_CONTRACTS_KEY = 'exchange.contracts';

/** The value stored under `TRADABLE_CONTRACTS_KEY`. */
export const tradableContractsSchema = z.object({
  symbols: z.array(z.string().min(1).max(32)).min(1),
  /** when the engine read them from the exchange (epoch ms) */
  at: z.number().int(),
});
export type TradableContracts = z.output<typeof tradableContractsSchema>;
