/** A replayable event kept for clients that reconnect. */
export interface KeptEvent {
  seq: number;
  channel: string;
  data: Record<string, unknown>;
  at: number;
}

/**
 * The last `capacity` replayable events, in order. `since(seq)` answers what a client that saw `seq`
 * missed, or null when some of it has already been dropped (the client must reload instead).
 */
export class EventHistory {
  private readonly ring: (KeptEvent | undefined)[];
  private next = 1;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.ring = new Array(capacity);
  }

  /** Keep an event; returns its sequence number (1, 2, …). */
  push(channel: string, data: Record<string, unknown>, at: number): KeptEvent {
    const event = { seq: this.next++, channel, data, at };
    this.ring[event.seq % this.capacity] = event;
    return event;
  }

  /** Sequence number of the newest event, 0 when none. */
  get lastSeq(): number {
    return this.next - 1;
  }

  /** Events after `seq`, oldest first; null when the oldest of them is no longer kept. */
  since(seq: number): KeptEvent[] | null {
    if (seq > this.lastSeq) return null;
    const oldestKept = Math.max(1, this.next - this.capacity);
    if (seq + 1 < oldestKept) return null;
    const out: KeptEvent[] = [];
    for (let s = seq + 1; s < this.next; s++) out.push(this.ring[s % this.capacity]!);
    return out;
  }
}
