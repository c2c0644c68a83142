import { and, eq, gt, isNull } from 'drizzle-orm';
import { randomSecret, sha256Hex } from '../crypto/encoding.ts';
import type { EnigmaDb } from '../db-type.ts';
import { refreshTokens } from '../schema/index.ts';

/** Prefix of refresh tokens, so a leaked one is recognisable in logs and secret scanners. */
export const REFRESH_TOKEN_PREFIX = 'ert_';

/**
 * Issue a refresh token for `userId`, in `familyId` (a new family for a login). Only its SHA-256 is
 * stored; the token is returned once.
 *
 * @example const { token } = await issueRefreshToken(db, { userId, expiresAt });
 */
export async function issueRefreshToken(
  db: EnigmaDb,
  input: { userId: string; familyId?: string; expiresAt: Date },
): Promise<{ token: string; familyId: string }> {
  const token = REFRESH_TOKEN_PREFIX + randomSecret(32);
  const familyId = input.familyId ?? crypto.randomUUID();
  await db.insert(refreshTokens).values({
    userId: input.userId,
    familyId,
    tokenHash: await sha256Hex(token),
    expiresAt: input.expiresAt,
  });
  return { token, familyId };
}

/** What presenting a refresh token led to. */
export type RefreshUse =
  | { ok: true; userId: string; familyId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/**
 * Use a refresh token up (one UPDATE, so two concurrent uses cannot both succeed). A token already
 * used is a replay: its whole family is revoked. The caller issues the next token in the family.
 */
export async function useRefreshToken(db: EnigmaDb, presented: string, now: Date): Promise<RefreshUse> {
  const hash = await sha256Hex(presented);
  const [used] = await db
    .update(refreshTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(refreshTokens.tokenHash, hash),
        isNull(refreshTokens.usedAt),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expiresAt, now),
      ),
    )
    .returning({ userId: refreshTokens.userId, familyId: refreshTokens.familyId });
  if (used) return { ok: true, ...used };
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt) return { ok: false, reason: 'revoked' };
  if (row.usedAt) {
    await revokeRefreshFamily(db, row.familyId, now);
    return { ok: false, reason: 'reused' };
  }
  return { ok: false, reason: 'expired' };
}

/** Revoke every live token of a family (logout, or a replay detected); returns how many. */
export async function revokeRefreshFamily(db: EnigmaDb, familyId: string, now: Date): Promise<number> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length;
}

/** The user a refresh-token family was issued to, or null when the family has no token. */
export async function refreshFamilyOwner(db: EnigmaDb, familyId: string): Promise<string | null> {
  const [row] = await db
    .select({ userId: refreshTokens.userId })
    .from(refreshTokens)
    .where(eq(refreshTokens.familyId, familyId))
    .limit(1);
  return row?.userId ?? null;
}

/** The family of a token (live or not), or null: logout accepts any token of the session. */
export async function refreshFamilyOf(db: EnigmaDb, presented: string): Promise<string | null> {
  const [row] = await db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)));
  return row?.familyId ?? null;
}
