import { asc, eq } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { USER_ROLES, type UserRole, users } from '../schema/index.ts';

/** A user row. `passwordHash` is produced and checked by the auth layer; this layer only stores it. */
export type User = typeof users.$inferSelect;

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function normaliseEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new TypeError(`not an email address: ${JSON.stringify(email)}`);
  return e;
}

/** Create a user; emails are stored lower-cased so lookups are case-insensitive. */
export async function createUser(
  db: EnigmaDb,
  input: { email: string; passwordHash: string; role?: UserRole; displayName?: string | null },
): Promise<User> {
  if (!input.passwordHash) throw new TypeError('passwordHash must be a non-empty string');
  const role = input.role ?? 'viewer';
  if (!USER_ROLES.includes(role)) throw new RangeError(`unknown role: ${role}`);
  const [row] = await db
    .insert(users)
    .values({
      email: normaliseEmail(input.email),
      passwordHash: input.passwordHash,
      role,
      displayName: input.displayName ?? null,
    })
    .returning();
  return row!;
}

/** A user by email (case-insensitive), or null. */
export async function getUserByEmail(db: EnigmaDb, email: string): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)));
  return row ?? null;
}

/** What a request needs of a user to act for them (id, role, disabled), or null when there is no such user. */
export async function userStanding(
  db: EnigmaDb,
  id: string,
): Promise<Pick<User, 'id' | 'role' | 'disabled'> | null> {
  const [row] = await db
    .select({ id: users.id, role: users.role, disabled: users.disabled })
    .from(users)
    .where(eq(users.id, id));
  return row ?? null;
}

/** Whether any user exists (the first start creates the admin when none does). */
export async function hasAnyUser(db: EnigmaDb): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).limit(1)).length > 0;
}

/** Change a user's role, password hash, display name, disabled flag or last login; null if no such user. */
export async function updateUser(
  db: EnigmaDb,
  id: string,
  patch: Partial<Pick<User, 'role' | 'passwordHash' | 'displayName' | 'disabled' | 'lastLoginAt'>>,
): Promise<User | null> {
  if (patch.role !== undefined && !USER_ROLES.includes(patch.role)) {
    throw new RangeError(`unknown role: ${patch.role}`);
  }
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    return row ?? null;
  }
  const [row] = await db.update(users).set(set).where(eq(users.id, id)).returning();
  return row ?? null;
}

/** All users by email. */
export async function listUsers(db: EnigmaDb): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.email));
}
