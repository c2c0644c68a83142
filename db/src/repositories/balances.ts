import { and, desc, eq, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { accountBalances } from '../schema/index.ts';

/** An account's balance as the exchange last reported it (decimal strings, `at` the answer's time). */
export interface AccountBalance {
  accountId: string;
  currency: string;
  equity: string;
  available: string;
  at: Date;
}

/**
 * Store the newest balance of an account and currency: one row each, replaced only by a later report
 * (an answer that arrives after a newer one changes nothing).
 */
export async function saveAccountBalance(db: EnigmaDb, b: AccountBalance): Promise<void> {
  await db
    .insert(accountBalances)
    .values(b)
    .onConflictDoUpdate({
      target: [accountBalances.accountId, accountBalances.currency],
      set: { equity: b.equity, available: b.available, at: b.at },
      setWhere: sql`${accountBalances.at} < excluded.at`,
    });
}

/**
 * The newest stored balance in `currency` (of `accountId` when given, else of any account), or null
 * when none was stored. The caller judges its age.
 */
export async function latestAccountBalance(
  db: EnigmaDb,
  currency: string,
  accountId?: string,
): Promise<AccountBalance | null> {
  const [row] = await db
    .select()
    .from(accountBalances)
    .where(
      and(
        eq(accountBalances.currency, currency),
        accountId ? eq(accountBalances.accountId, accountId) : undefined,
      ),
    )
    .orderBy(desc(accountBalances.at))
    .limit(1);
  return row ?? null;
}
