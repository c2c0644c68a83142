import { asc, eq, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { BREAKER_STATES, type BreakerState, circuitBreakers } from '../schema/index.ts';

/** A breaker row; a breaker never written is `active`. */
export type CircuitBreaker = typeof circuitBreakers.$inferSelect;

/** The breaker named `scope` (e.g. 'daily_loss'); one never written is active. */
export async function getBreaker(db: EnigmaDb, scope: string): Promise<CircuitBreaker> {
  const [row] = await db.select().from(circuitBreakers).where(eq(circuitBreakers.scope, scope));
  return (
    row ?? {
      scope,
      state: 'active',
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
 * Set a breaker's state. Tripping (reduce_only or halted) records `tripped_at` (kept when it moves
 * between the two); back to active clears reason, trip and resume times.
 *
 * @example await setBreaker(db, 'daily_loss', { state: 'halted', reason: 'daily loss 512 USDT', updatedBy: 'engine' });
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
  const closed = input.state === 'active';
  const values = {
    scope,
    state: input.state,
    reason: closed ? null : (input.reason ?? null),
    trippedAt: closed ? null : now,
    resumeAt: closed ? null : (input.resumeAt ?? null),
    updatedBy: input.updatedBy ?? null,
    data: input.data ?? {},
    updatedAt: now,
  };
  const { scope: _key, ...update } = values;
  // A breaker already tripped keeps the time it first tripped.
  const set = closed
    ? update
    : { ...update, trippedAt: sql`coalesce(${circuitBreakers.trippedAt}, excluded.tripped_at)` };
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
