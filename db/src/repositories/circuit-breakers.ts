import { asc, eq } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { BREAKER_STATES, type BreakerState, circuitBreakers } from '../schema/index.ts';

/** A breaker row; a scope never written is `closed`. */
export type CircuitBreaker = typeof circuitBreakers.$inferSelect;

/** The breaker for `scope` ('global', 'account:<id>', 'symbol:<sym>'); an unknown scope is closed. */
export async function getBreaker(db: EnigmaDb, scope: string): Promise<CircuitBreaker> {
  const [row] = await db.select().from(circuitBreakers).where(eq(circuitBreakers.scope, scope));
  return (
    row ?? {
      scope,
      state: 'closed',
      reason: null,
      trippedAt: null,
      resumeAt: null,
      updatedBy: null,
      data: {},
      updatedAt: new Date(0),
    }
  );
}

/**
 * Set a breaker's state. Opening records `tripped_at` (kept through half_open); closing clears reason,
 * trip and resume times.
 *
 * @example await setBreaker(db, 'global', { state: 'open', reason: 'daily_loss_limit', updatedBy: 'risk' });
 */
export async function setBreaker(
  db: EnigmaDb,
  scope: string,
  input: {
    state: BreakerState;
    reason?: string | null;
    resumeAt?: Date | null;
    updatedBy?: string | null;
    data?: Record<string, unknown>;
    now?: Date;
  },
): Promise<CircuitBreaker> {
  if (!scope) throw new TypeError('breaker scope must be a non-empty string');
  if (!BREAKER_STATES.includes(input.state)) throw new RangeError(`unknown breaker state: ${input.state}`);
  const now = input.now ?? new Date();
  const closed = input.state === 'closed';
  const values = {
    scope,
    state: input.state,
    reason: closed ? null : (input.reason ?? null),
    trippedAt: input.state === 'open' ? now : null,
    resumeAt: closed ? null : (input.resumeAt ?? null),
    updatedBy: input.updatedBy ?? null,
    data: input.data ?? {},
    updatedAt: now,
  };
  const { scope: _key, ...update } = values;
  // half_open keeps the time the breaker originally tripped.
  const set = input.state === 'half_open' ? { ...update, trippedAt: circuitBreakers.trippedAt } : update;
  const [row] = await db
    .insert(circuitBreakers)
    .values(values)
    .onConflictDoUpdate({ target: circuitBreakers.scope, set })
    .returning();
  return row!;
}

/** Every breaker ever written, by scope. */
export async function listBreakers(db: EnigmaDb): Promise<CircuitBreaker[]> {
  return db.select().from(circuitBreakers).orderBy(asc(circuitBreakers.scope));
}
