import { asc, eq } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { settings } from '../schema/index.ts';

/** A stored setting. Values are JSON; callers validate them with the key's own schema. */
export type Setting = typeof settings.$inferSelect;

/** The value of `key`, or undefined when unset. */
export async function getSetting(db: EnigmaDb, key: string): Promise<unknown> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value;
}

/** Insert or replace `key`'s value. `undefined` is refused: JSON cannot store it. */
export async function putSetting(
  db: EnigmaDb,
  key: string,
  value: unknown,
  updatedBy: string | null = null,
): Promise<Setting> {
  if (!key) throw new TypeError('setting key must be a non-empty string');
  if (value === undefined) throw new TypeError(`setting ${key}: value must not be undefined`);
  const [row] = await db
    .insert(settings)
    .values({ key, value, updatedBy })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy, updatedAt: new Date() } })
    .returning();
  return row!;
}

/** Remove `key`; true if it existed. */
export async function deleteSetting(db: EnigmaDb, key: string): Promise<boolean> {
  return (await db.delete(settings).where(eq(settings.key, key)).returning({ key: settings.key })).length > 0;
}

/** Every setting, by key. */
export async function listSettings(db: EnigmaDb): Promise<Setting[]> {
  return db.select().from(settings).orderBy(asc(settings.key));
}
