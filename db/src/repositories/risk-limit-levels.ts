import { and, desc, eq, sql } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { riskLimitLevels } from '../schema/index.ts';

/**
 * The risk-limit level selected on a contract as the engine last read it (decimal strings; all three
 * null when the contract was read in cross margin, which names no isolated level), `at` the reading's time.
 */
export interface SelectedRiskLevel {
  accountId: string;
  symbol: string;
  level: number | null;
  maintainMargin: string | null;
  maxNotional: string | null;
  at: Date;
}

/**
 * Store the newest reading of a contract's selected level: one row per account and contract, replaced
 * by a reading taken at the same time or later (a write that arrives after a newer one changes nothing).
 */
export async function saveSelectedRiskLevel(db: EnigmaDb, r: SelectedRiskLevel): Promise<void> {
  await db
    .insert(riskLimitLevels)
    .values(r)
    .onConflictDoUpdate({
      target: [riskLimitLevels.accountId, riskLimitLevels.symbol],
      set: { level: r.level, maintainMargin: r.maintainMargin, maxNotional: r.maxNotional, at: r.at },
      setWhere: sql`${riskLimitLevels.at} <= excluded.at`,
    });
}

/**
 * The newest stored reading of the level selected on `symbol` (of `accountId` when given, else of any
 * account), or null when none was stored.
 */
export async function selectedRiskLevel(
  db: EnigmaDb,
  symbol: string,
  accountId?: string,
): Promise<SelectedRiskLevel | null> {
  const [row] = await db
    .select()
    .from(riskLimitLevels)
    .where(
      and(
        eq(riskLimitLevels.symbol, symbol),
        accountId ? eq(riskLimitLevels.accountId, accountId) : undefined,
      ),
    )
    .orderBy(desc(riskLimitLevels.at))
    .limit(1);
  return row ?? null;
}
