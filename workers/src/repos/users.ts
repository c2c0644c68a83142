import type { EnigmaDb } from '@enigma/db/db-type';
import { apiKeys, type UserRole, users } from '@enigma/db/schema/index';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { hashPassword } from '../auth/password.ts';
import { randomToken, sha256Hex } from '../security/compare.ts';

/**
 * Users and API keys as the REST API needs them. Kept in workers/ because db/ has no users or
 * api-keys repository yet; the SQL is plain drizzle over db's schema.
 */
export type UserRow = typeof users.$inferSelect;

export async function findUserByEmail(db: EnigmaDb, email: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return row ?? null;
}

export async function findUserById(db: EnigmaDb, id: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

/** Create a user with a hashed password; the email is stored lower-cased. */
export async function createUser(
  db: EnigmaDb,
  input: { email: string; password: string; role: UserRole; displayName?: string },
): Promise<UserRow> {
  const [row] = await db
    .insert(users)
    .values({
      email: input.email.trim().toLowerCase(),
      passwordHash: await hashPassword(input.password),
      role: input.role,
      displayName: input.displayName ?? null,
    })
    .returning();
  return row!;
}

export async function touchLogin(db: EnigmaDb, id: string, at: Date): Promise<void> {
  await db.update(users).set({ lastLoginAt: at }).where(eq(users.id, id));
}

/** API keys look like `ek_<prefix>_<secret>`; only the SHA-256 of the whole key is stored. */
export async function createApiKey(
  db: EnigmaDb,
  input: { userId: string | null; name: string; role: UserRole; expiresAt?: Date | null },
): Promise<{ id: string; key: string; prefix: string }> {
  const prefix = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8);
  const key = `ek_${prefix}_${randomToken(32)}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      userId: input.userId,
      name: input.name,
      prefix,
      keyHash: await sha256Hex(key),
      role: input.role,
      expiresAt: input.expiresAt ?? null,
    })
    .returning({ id: apiKeys.id });
  return { id: row!.id, key, prefix };
}

/** The live (not revoked, not expired) key matching `key`, or null. */
export async function findApiKey(db: EnigmaDb, key: string, now: Date) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, await sha256Hex(key)), isNull(apiKeys.revokedAt)));
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  return row;
}

export async function listApiKeys(db: EnigmaDb) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      role: apiKeys.role,
      userId: apiKeys.userId,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .orderBy(asc(apiKeys.createdAt));
}

export async function revokeApiKey(db: EnigmaDb, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(eq(apiKeys.id, id))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}
