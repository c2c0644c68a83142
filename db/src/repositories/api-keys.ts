import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { randomSecret, sha256Hex } from '../crypto/encoding.ts';
import type { EnigmaDb } from '../db-type.ts';
import { apiKeys, USER_ROLES, type UserRole } from '../schema/index.ts';

/** An API key row without its hash. */
export type ApiKey = Omit<typeof apiKeys.$inferSelect, 'keyHash'>;

const PREFIX_LENGTH = 12;
const publicColumns = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  role: apiKeys.role,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};

/**
 * Create an API key. The plaintext key (`enk_` + 43 random base64url chars) is returned once; only its
 * SHA-256 is stored, plus the first 12 characters as a display prefix.
 *
 * @example const { key } = await createApiKey(db, { name: 'grafana', role: 'viewer' });
 */
export async function createApiKey(
  db: EnigmaDb,
  input: { name: string; role: UserRole; userId?: string | null; expiresAt?: Date | null },
): Promise<{ apiKey: ApiKey; key: string }> {
  if (!input.name) throw new TypeError('name must be a non-empty string');
  if (!USER_ROLES.includes(input.role)) throw new RangeError(`unknown role: ${input.role}`);
  const key = `enk_${randomSecret(32)}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      name: input.name,
      role: input.role,
      userId: input.userId ?? null,
      expiresAt: input.expiresAt ?? null,
      prefix: key.slice(0, PREFIX_LENGTH),
      keyHash: await sha256Hex(key),
    })
    .returning(publicColumns);
  return { apiKey: row!, key };
}

/**
 * The active key matching `presented` (not revoked, not expired), recording its use; null otherwise.
 * Lookup is by SHA-256 of the presented key, so no plaintext comparison happens.
 */
export async function authenticateApiKey(
  db: EnigmaDb,
  presented: string,
  now: Date = new Date(),
): Promise<ApiKey | null> {
  if (!presented.startsWith('enk_')) return null;
  const [row] = await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.keyHash, await sha256Hex(presented)),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
      ),
    )
    .returning(publicColumns);
  return row ?? null;
}

/** Revoke a key; true if it was active. */
export async function revokeApiKey(db: EnigmaDb, id: string, now: Date = new Date()): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** Keys (without hashes), optionally of one user, oldest first. */
export async function listApiKeys(db: EnigmaDb, userId?: string): Promise<ApiKey[]> {
  return db
    .select(publicColumns)
    .from(apiKeys)
    .where(userId ? eq(apiKeys.userId, userId) : undefined)
    .orderBy(asc(apiKeys.createdAt));
}
