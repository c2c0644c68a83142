/**
 * The commands panel's log: what the API answered (refused, or 202 accepted) and then what the engine
 * did with an accepted command (`command.finished` on `events:commands`, or `GET /api/commands/{id}`).
 * A 202 only says the command was queued: a TP/SL on the wrong side of the mark, an order a risk check
 * refuses when the engine runs it, are rejected after it, and the log must say so.
 */

export type CommandState = 'refused' | 'accepted' | 'done' | 'failed' | 'rejected';

export interface CommandEntry {
  at: number;
  label: string;
  /** the API's command id (from its 202), null when the API refused it */
  commandId: string | null;
  state: CommandState;
  text: string;
}

/** What the engine reported for one command. */
export interface CommandOutcomeNote {
  commandId: string;
  status: 'done' | 'failed' | 'rejected';
  reason: string | null;
}

const MAX_ENTRIES = 20;

function describe(o: CommandOutcomeNote): { state: CommandState; text: string } {
  if (o.status === 'done') return { state: 'done', text: o.reason ? `done: ${o.reason}` : 'done' };
  const verb = o.status === 'rejected' ? 'rejected by the engine' : 'failed';
  return { state: o.status, text: o.reason ? `${verb}: ${o.reason}` : verb };
}

/** The entry for an API answer (`data.commandId` from a 202), with the outcome if it is already known. */
export function commandEntry(
  label: string,
  r: { ok: boolean; error: string | null; data?: unknown },
  at: number,
  known?: CommandOutcomeNote,
): CommandEntry {
  if (!r.ok) return { at, label, commandId: null, state: 'refused', text: r.error ?? 'refused' };
  const id = (r.data as { commandId?: unknown } | null | undefined)?.commandId;
  const commandId = typeof id === 'string' ? id : null;
  const entry: CommandEntry = {
    at,
    label,
    commandId,
    state: 'accepted',
    text: 'accepted, waiting for the engine',
  };
  return known && known.commandId === commandId ? { ...entry, ...describe(known) } : entry;
}

/** The log with a new entry first (the newest 20 kept). */
export function addCommand(log: readonly CommandEntry[], entry: CommandEntry): CommandEntry[] {
  return [entry, ...log].slice(0, MAX_ENTRIES);
}

/** The log with the engine's outcome applied to its command (the same array when none matches). */
export function withOutcome(log: CommandEntry[], outcome: CommandOutcomeNote): CommandEntry[] {
  let changed = false;
  const next = log.map((e) => {
    if (e.commandId !== outcome.commandId || e.state !== 'accepted') return e;
    changed = true;
    return { ...e, ...describe(outcome) };
  });
  return changed ? next : log;
}

/**
 * The outcome in an `events:commands` event or a `GET /api/commands/{id}` answer; null when it is not
 * one (another event, or a command still pending or running).
 */
export function outcomeOf(data: unknown): CommandOutcomeNote | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  const status = d['status'];
  if (typeof d['commandId'] !== 'string') return null;
  if (status !== 'done' && status !== 'failed' && status !== 'rejected') return null;
  return {
    commandId: d['commandId'],
    status,
    reason: typeof d['reason'] === 'string' && d['reason'] ? d['reason'] : null,
  };
}

/** Whether an entry reads as a failure (red) rather than a success or a wait. */
export function failed(entry: CommandEntry): boolean {
  return entry.state === 'refused' || entry.state === 'failed' || entry.state === 'rejected';
}
