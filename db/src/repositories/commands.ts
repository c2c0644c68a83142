import { and, desc, eq } from 'drizzle-orm';
import type { EnigmaDb } from '../db-type.ts';
import { type CommandStatus, commands } from '../schema/index.ts';

export type CommandRow = typeof commands.$inferSelect;

/**
 * Store a command once per (issuer, idempotency key). A repeat with the same fingerprint returns the
 * first row (`created: false`); with another fingerprint it is a conflict (`conflict: true`).
 */
export async function insertCommand(
  db: EnigmaDb,
  row: {
    id: string;
    issuedBy: string;
    idempotencyKey: string;
    type: string;
    command: Record<string, unknown>;
    fingerprint: string;
  },
): Promise<{ command: CommandRow; created: boolean; conflict: boolean }> {
  const [created] = await db.insert(commands).values(row).onConflictDoNothing().returning();
  if (created) return { command: created, created: true, conflict: false };
  const [existing] = await db
    .select()
    .from(commands)
    .where(and(eq(commands.issuedBy, row.issuedBy), eq(commands.idempotencyKey, row.idempotencyKey)));
  if (!existing) throw new Error(`command ${row.id} neither inserted nor found`);
  return { command: existing, created: false, conflict: existing.fingerprint !== row.fingerprint };
}

export async function getCommand(db: EnigmaDb, id: string): Promise<CommandRow | null> {
  const [row] = await db.select().from(commands).where(eq(commands.id, id));
  return row ?? null;
}

/** Move a pending command to running; false when it was not pending (already run or running). */
export async function claimCommand(db: EnigmaDb, id: string): Promise<boolean> {
  const rows = await db
    .update(commands)
    .set({ status: 'running' })
    .where(and(eq(commands.id, id), eq(commands.status, 'pending')))
    .returning({ id: commands.id });
  return rows.length > 0;
}

export async function finishCommand(
  db: EnigmaDb,
  id: string,
  status: Exclude<CommandStatus, 'pending' | 'running'>,
  reason: string | null,
  result: Record<string, unknown> | null = null,
): Promise<void> {
  await db.update(commands).set({ status, reason, result }).where(eq(commands.id, id));
}

export async function listCommands(db: EnigmaDb, limit = 50): Promise<CommandRow[]> {
  return db.select().from(commands).orderBy(desc(commands.createdAt)).limit(limit);
}
