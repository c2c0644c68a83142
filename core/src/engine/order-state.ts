/**
 * The order state machine, as a table (the shape NautilusTrader keeps in `_ORDER_STATE_TABLE`):
 * state × event → next state. Anything not in the table is an illegal transition and throws, so a
 * late or replayed exchange event can never move an order backwards (a filled order stays filled).
 *
 * intent ──submit──▶ submitting ──accepted──▶ open ──fill──▶ partially_filled ──fill──▶ filled
 *    │                   │  └──lost──▶ unknown (answer lost: looked up by clientOid, never re-sent)
 *    └──abandon──▶ canceled      └──rejected──▶ rejected
 */

export const ORDER_STATES = [
  'intent',
  'submitting',
  'open',
  'partially_filled',
  'filled',
  'canceled',
  'rejected',
  'unknown',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const ORDER_EVENTS = [
  /** the request is about to go on the wire (the intent row is already committed) */
  'submit',
  /** the exchange answered with an order id, or the order was found by its clientOid */
  'accepted',
  /** the exchange refused the order (a business error), or a lookup proved it never arrived */
  'rejected',
  /** no answer (timeout, 5xx after sending): outcome unknown until looked up */
  'lost',
  /** some lots filled, more remain */
  'partial_fill',
  /** every lot filled */
  'filled',
  /** the order ended with lots unfilled (cancelled by us, by the exchange, IOC remainder, triggered stop failed) */
  'canceled',
  /** the intent was dropped before anything was sent */
  'abandon',
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

type Table = Readonly<Record<OrderState, Readonly<Partial<Record<OrderEvent, OrderState>>>>>;

export const ORDER_STATE_TABLE: Table = Object.freeze({
  intent: { submit: 'submitting', abandon: 'canceled' },
  submitting: {
    accepted: 'open',
    rejected: 'rejected',
    lost: 'unknown',
    partial_fill: 'partially_filled',
    filled: 'filled',
    canceled: 'canceled',
  },
  unknown: {
    accepted: 'open',
    rejected: 'rejected',
    partial_fill: 'partially_filled',
    filled: 'filled',
    canceled: 'canceled',
  },
  open: {
    accepted: 'open',
    partial_fill: 'partially_filled',
    filled: 'filled',
    canceled: 'canceled',
  },
  partially_filled: {
    accepted: 'partially_filled',
    partial_fill: 'partially_filled',
    filled: 'filled',
    canceled: 'canceled',
  },
  filled: {},
  canceled: {},
  rejected: {},
});

/**
 * The states an order may be in for a write of `target` to be a move forward (or no move): `target`
 * itself and every state the table reaches it from, in any number of steps. A write that lands after a
 * later one (the answer's `open` after the socket's `filled`, a lost answer's `unknown` after the fill)
 * finds its row outside this set and must not change it.
 */
export function statesBefore(target: OrderState): readonly OrderState[] {
  const cached = BEFORE.get(target);
  if (cached) return cached;
  const found = new Set<OrderState>([target]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const from of ORDER_STATES) {
      if (found.has(from)) continue;
      if (Object.values(ORDER_STATE_TABLE[from]).some((next) => found.has(next as OrderState))) {
        found.add(from);
        grew = true;
      }
    }
  }
  const list = Object.freeze(ORDER_STATES.filter((s) => found.has(s)));
  BEFORE.set(target, list);
  return list;
}
const BEFORE = new Map<OrderState, readonly OrderState[]>();

/** States in which an order may still trade (or might, when its outcome is unknown). */
export const LIVE_ORDER_STATES: readonly OrderState[] = Object.freeze([
  'intent',
  'submitting',
  'open',
  'partially_filled',
  'unknown',
]);
export const TERMINAL_ORDER_STATES: readonly OrderState[] = Object.freeze(['filled', 'canceled', 'rejected']);

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: OrderState,
    readonly event: OrderEvent,
  ) {
    super(`illegal order transition: ${from} --${event}-->`);
  }
}

/** The next state, or IllegalTransitionError. */
export function transition(from: OrderState, event: OrderEvent): OrderState {
  const next = ORDER_STATE_TABLE[from][event];
  if (next === undefined) throw new IllegalTransitionError(from, event);
  return next;
}

/** Whether `event` is allowed in `from` (no throw). */
export function canTransition(from: OrderState, event: OrderEvent): boolean {
  return ORDER_STATE_TABLE[from][event] !== undefined;
}

export function isTerminal(state: OrderState): boolean {
  return TERMINAL_ORDER_STATES.includes(state);
}

/**
 * The event an exchange report means for an order of `size` lots: `filledSize` lots done so far, and
 * whether the exchange says the order is done (no longer active). Fills never exceed the size.
 */
export function eventForReport(size: number, filledSize: number, done: boolean): OrderEvent {
  if (!Number.isSafeInteger(size) || size <= 0)
    throw new RangeError(`order size must be positive lots: ${size}`);
  if (!Number.isSafeInteger(filledSize) || filledSize < 0 || filledSize > size) {
    throw new RangeError(`filled size ${filledSize} is outside 0..${size}`);
  }
  if (filledSize === size) return 'filled';
  if (done) return 'canceled';
  return filledSize > 0 ? 'partial_fill' : 'accepted';
}

/**
 * Apply a report to a state: the next state, or the same state when the report says nothing new
 * (a replayed or stale push). A report that would move a terminal order throws.
 */
export function applyReport(from: OrderState, size: number, filledSize: number, done: boolean): OrderState {
  const event = eventForReport(size, filledSize, done);
  if (from === 'filled' && event === 'filled') return from;
  if (from === 'canceled' && event === 'canceled') return from;
  return transition(from, event);
}
