import type Decimal from 'decimal.js';

/** What the simulator's parts share without knowing each other: the event bus and the id source. */

/** A message for WebSocket subscribers: `topic` is the exact single-symbol topic KuCoin pushes on. */
export interface SimEvent {
  channel: 'public' | 'private';
  topic: string;
  subject: string;
  data: unknown;
  sn?: number;
}

/** Details of one match for the tradeOrders event. */
export interface MatchInfo {
  price: Decimal;
  lots: number;
  tradeId: string;
  liquidity: 'maker' | 'taker';
}

/**
 * Where every part publishes and the WS server, views and persister listen. `revision` counts private
 * events (every change of account state: the persister saves when it moved); `isWatched` is the WS
 * server's topic filter, so unwatched public payloads are not built.
 */
export class EventBus {
  readonly listeners = new Set<(e: SimEvent) => void>();
  revision = 0;
  isWatched: (topic: string) => boolean = () => true;

  on(listener: (e: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: SimEvent): void {
    if (e.channel === 'private') this.revision += 1;
    for (const l of this.listeners) l(e);
  }
}

/** KuCoin-like numeric ids, deterministic under a seed; `counter` is persisted so ids stay unique. */
export class IdSource {
  counter = 0;
  constructor(readonly base: bigint) {}

  next(): string {
    this.counter += 1;
    return (this.base + BigInt(this.counter) * 7n).toString();
  }
}
