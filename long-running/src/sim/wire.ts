import type { z } from 'zod';

/**
 * What the simulator answers for an endpoint, typed by the client's own zod schema of it
 * (exchange/kucoin/schemas.ts, the one description of KuCoin's wire format): the fields the schema knows
 * must have its input types; the further fields KuCoin sends and the client ignores are allowed.
 */
export type Wire<S extends z.ZodType> = z.input<S> & Record<string, unknown>;
