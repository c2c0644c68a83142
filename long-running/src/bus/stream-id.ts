/** Redis stream ids (`<ms>-<seq>`), shared by the in-process adapter so ids look and sort the same. */

export interface StreamId {
  ms: number;
  seq: number;
}

export const ZERO_ID: StreamId = { ms: 0, seq: 0 };

/** `<ms>-<seq>` → parts, or null for anything else. */
export function parseStreamId(id: string): StreamId | null {
  const m = /^(\d+)-(\d+)$/.exec(id);
  if (!m) return null;
  return { ms: Number(m[1]), seq: Number(m[2]) };
}

/** Parts → `<ms>-<seq>`. */
export function formatStreamId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** Negative, 0 or positive as `a` sorts before, with or after `b`. */
export function compareStreamIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

/** The next id after `last` at wall-clock `nowMs`: strictly increasing even if the clock steps back. */
export function nextStreamId(last: StreamId, nowMs: number): StreamId {
  return nowMs > last.ms ? { ms: nowMs, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
}
