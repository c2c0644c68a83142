import type { EnigmaDb } from '@enigma/db/db-type';
import { createUser, type User } from '@enigma/db/repositories/users';
import type { UserRole } from '@enigma/db/schema/index';
import { hashPassword } from './password.ts';

/**
 * Create a user from a plaintext password (hashed here, in the auth layer; db stores the hash only).
 *
 * @example await createUserWithPassword(db, { email: 'a@x.test', password, role: 'admin' })
 */
export async function createUserWithPassword(
  db: EnigmaDb,
  input: { email: string; password: string; role: UserRole; displayName?: string },
): Promise<User> {
  return createUser(db, {
    email: input.email,
    passwordHash: await hashPassword(input.password),
    role: input.role,
    displayName: input.displayName ?? null,
  });
}
