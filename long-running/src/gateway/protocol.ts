import { z } from 'zod';

/**
 * The /ws protocol (JSON text frames). docs/dashboard.md describes it for client authors.
 *
 * Connect: `GET /ws?token=<access token>[&lastEventId=<id>]`. The token is the REST API's access
 * JWT (`POST /api/auth/login`, or `GET /session/token` from the dashboard); a bad or missing token
 * is refused with 401 before the upgrade. The socket is closed with 4001 when the token expires.
 */

/** Channels whose events supersede each other (latest value wins): not replayed, coalesced for slow clients. */
export const QUOTE_CHANNELS: ReadonlySet<string> = new Set([
  'events:market.tick',
  'events:market.book',
  'events:market.mark',
]);

/**
 * Channels whose newest event is state (the engine's account: equity, balance): the gateway keeps it
 * and sends it, with id null, to every client that connects fresh or is told to reset, so a page
 * loaded between two publications still shows the account.
 */
export const STATE_CHANNELS: ReadonlySet<string> = new Set(['events:account']);

/** Channel the gateway gives entries of the `signals:incoming` stream (intake publishes no pub/sub event). */
export const SIGNAL_RECEIVED_CHANNEL = 'events:signals.received';

/** Server → client. */
export type ServerMessage =
  | {
      type: 'hello';
      /** this gateway run; ids from another run cannot be resumed */
      bootId: string;
      /** id of the newest replayable event, null when none yet */
      lastEventId: string | null;
      heartbeatMs: number;
      role: string;
    }
  /** one bus event; `id` is set for replayable events (everything but quotes) */
  | { type: 'event'; id: string | null; channel: string; data: Record<string, unknown>; at: number }
  /** the client's lastEventId cannot be resumed (too old or another run): reload state over REST */
  | { type: 'reset'; reason: string }
  | { type: 'heartbeat'; at: number }
  | { type: 'pong'; t: unknown }
  | { type: 'error'; message: string };

/** Client → server. */
export const ClientMessage = z.discriminatedUnion('type', [
  /** answered with `pong` carrying the same `t` (round-trip time on the client's clock) */
  z.object({ type: z.literal('ping'), t: z.unknown().optional() }),
  /** only these channels (globs, e.g. `events:market.*`) from now on; default `events:*` */
  z.object({ type: z.literal('subscribe'), channels: z.array(z.string().min(1).max(100)).min(1).max(50) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** `<bootId>.<sequence>`: ordered within one gateway run. */
export function formatEventId(bootId: string, seq: number): string {
  return `${bootId}.${seq}`;
}

export function parseEventId(id: string): { bootId: string; seq: number } | null {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return null;
  const seq = Number(id.slice(dot + 1));
  return Number.isSafeInteger(seq) && seq >= 0 ? { bootId: id.slice(0, dot), seq } : null;
}
