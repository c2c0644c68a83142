import { asc, eq, inArray } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { settings } from '../schema/index.ts';

/** A stored setting. Values are JSON; callers validate them with the key's own schema. */
export type Setting = typeof settings.$inferSelect;

/** The value of `key`, or undefined when unset. */
export async function getSetting(db: EnigmaDb, key: string): Promise<unknown> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value;
}

/** The stored rows of `keys` (value, who changed it and when), by key; an unset key is absent. */
export async function getSettingRows(db: EnigmaDb, keys: readonly string[]): Promise<Map<string, Setting>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(settings)
    .where(inArray(settings.key, [...keys]));
  return new Map(rows.map((r) => [r.key, r]));
}

/**
 * Insert or replace `key`'s value, stamped `at` (the caller's clock, so what a write answers is what a
 * read returns). `undefined` is refused: JSON cannot store it.
 */
export async function putSetting(
  db: EnigmaDb,
  key: string,
  value: unknown,
  updatedBy: string | null = null,
  at: Date = new Date(),
): Promise<Setting> {
  if (!key) throw new TypeError('setting key must be a non-empty string');
  if (value === undefined) throw new TypeError(`setting ${key}: value must not be undefined`);
  const [row] = await db
    .insert(settings)
    .values({ key, value, updatedBy, updatedAt: at })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy, updatedAt: at } })
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
