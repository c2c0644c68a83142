import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyReport,
  canTransition,
  eventForReport,
  IllegalTransitionError,
  isTerminal,
  LIVE_ORDER_STATES,
  ORDER_EVENTS,
  ORDER_STATES,
  type OrderEvent,
  type OrderState,
  statesBefore,
  TERMINAL_ORDER_STATES,
  transition,
} from './order-state.ts';

/**
 * The model: the legal edges written down independently of ORDER_STATE_TABLE, from the lifecycle in
 * issue 10 (intent → submitting → open → partially filled → filled / canceled / rejected, plus
 * `unknown` for a lost answer). Everything not listed here must be refused.
 */
const LEGAL: Record<string, OrderState> = {
  'intent submit': 'submitting',
  'intent abandon': 'canceled',
  'submitting accepted': 'open',
  'submitting rejected': 'rejected',
  'submitting lost': 'unknown',
  'submitting partial_fill': 'partially_filled',
  'submitting filled': 'filled',
  'submitting canceled': 'canceled',
  'unknown accepted': 'open',
  'unknown rejected': 'rejected',
  'unknown partial_fill': 'partially_filled',
  'unknown filled': 'filled',
  'unknown canceled': 'canceled',
  'open accepted': 'open',
  'open partial_fill': 'partially_filled',
  'open filled': 'filled',
  'open canceled': 'canceled',
  'partially_filled accepted': 'partially_filled',
  'partially_filled partial_fill': 'partially_filled',
  'partially_filled filled': 'filled',
  'partially_filled canceled': 'canceled',
};
const modelNext = (s: OrderState, e: OrderEvent): OrderState | undefined => LEGAL[`${s} ${e}`];

/** Progress rank: an order never moves to a lower rank (nothing goes backwards). */
const RANK: Record<OrderState, number> = {
  intent: 0,
  submitting: 1,
  unknown: 2,
  open: 2,
  partially_filled: 3,
  filled: 4,
  canceled: 4,
  rejected: 4,
};
const TERMINAL = new Set<OrderState>(['filled', 'canceled', 'rejected']);

const arbEvent = fc.constantFrom(...ORDER_EVENTS);

describe('order state table', () => {
  it('accepts exactly the legal edges, for every state × event', () => {
    let legal = 0;
    for (const s of ORDER_STATES) {
      for (const e of ORDER_EVENTS) {
        const want = modelNext(s, e);
        expect(canTransition(s, e), `${s} --${e}`).toBe(want !== undefined);
        if (want === undefined) {
          expect(() => transition(s, e), `${s} --${e}`).toThrow(IllegalTransitionError);
        } else {
          expect(transition(s, e), `${s} --${e}`).toBe(want);
          legal++;
        }
      }
    }
    expect(legal).toBe(Object.keys(LEGAL).length);
  });

  it('classifies terminal and live states', () => {
    expect(new Set(TERMINAL_ORDER_STATES)).toEqual(TERMINAL);
    expect(new Set(LIVE_ORDER_STATES)).toEqual(new Set(ORDER_STATES.filter((s) => !TERMINAL.has(s))));
    for (const s of ORDER_STATES) expect(isTerminal(s)).toBe(TERMINAL.has(s));
  });

  it('the error names the state and the event', () => {
    try {
      transition('filled', 'partial_fill');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect((err as IllegalTransitionError).from).toBe('filled');
      expect((err as IllegalTransitionError).event).toBe('partial_fill');
    }
  });

  it('model: random event sequences — no illegal transition accepted, nothing moves backwards, terminal never moves', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 40 }), (events) => {
        let state: OrderState = 'intent';
        let exchangeHasIt = false; // the exchange acknowledged or filled the order
        for (const e of events) {
          const want = modelNext(state, e);
          if (want === undefined) {
            expect(canTransition(state, e)).toBe(false);
            expect(() => transition(state, e)).toThrow(IllegalTransitionError);
            continue; // the state is unchanged by a refused event
          }
          const next = transition(state, e);
          expect(next).toBe(want);
          expect(TERMINAL.has(state)).toBe(false); // a terminal state never accepted anything
          expect(RANK[next]).toBeGreaterThanOrEqual(RANK[state]);
          if (next === 'submitting') expect(state).toBe('intent'); // sent at most once
          if (next === 'rejected') expect(exchangeHasIt).toBe(false); // an accepted order cannot be rejected
          if (next === 'open' || next === 'partially_filled' || next === 'filled') exchangeHasIt = true;
          state = next;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('terminal states refuse every event', () => {
    for (const s of TERMINAL) {
      for (const e of ORDER_EVENTS) {
        expect(canTransition(s, e)).toBe(false);
        expect(() => transition(s, e)).toThrow(IllegalTransitionError);
      }
    }
  });
});

describe('statesBefore (the guard of a status write)', () => {
  it('by hand: a late answer or lost answer never overwrites a later state', () => {
    expect(statesBefore('open')).toEqual(['intent', 'submitting', 'open', 'unknown']);
    expect(statesBefore('unknown')).toEqual(['intent', 'submitting', 'unknown']);
    expect(statesBefore('filled')).toEqual([
      'intent',
      'submitting',
      'open',
      'partially_filled',
      'filled',
      'unknown',
    ]);
    expect(statesBefore('rejected')).toEqual(['intent', 'submitting', 'rejected', 'unknown']);
    expect(statesBefore('intent')).toEqual(['intent']);
  });

  it('model: a state is before the target exactly when some event sequence leads there', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ORDER_STATES),
        fc.array(fc.constantFrom(...ORDER_EVENTS), { maxLength: 8 }),
        (start, events) => {
          let state: OrderState = start;
          for (const e of events) {
            if (!canTransition(state, e)) return;
            state = transition(state, e);
            expect(statesBefore(state)).toContain(start);
          }
        },
      ),
    );
    // and nothing terminal is before anything but itself
    for (const target of ORDER_STATES)
      for (const t of TERMINAL_ORDER_STATES) if (t !== target) expect(statesBefore(target)).not.toContain(t);
  });
});

describe('eventForReport', () => {
  it('maps reports by hand', () => {
    expect(eventForReport(10, 0, false)).toBe('accepted');
    expect(eventForReport(10, 3, false)).toBe('partial_fill');
    expect(eventForReport(10, 10, false)).toBe('filled');
    expect(eventForReport(10, 10, true)).toBe('filled');
    expect(eventForReport(10, 3, true)).toBe('canceled');
    expect(eventForReport(10, 0, true)).toBe('canceled');
    expect(eventForReport(1, 1, false)).toBe('filled');
  });

  it('fills never exceed the size; sizes and fills must be whole lots', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.boolean(),
        (size, over, done) => {
          expect(() => eventForReport(size, size + over, done)).toThrow(RangeError);
        },
      ),
    );
    for (const bad of [Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => eventForReport(bad, 0, false), `size ${bad}`).toThrow(RangeError);
    }
    for (const bad of [Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY]) {
      expect(() => eventForReport(10, bad, false), `filled ${bad}`).toThrow(RangeError);
    }
    expect(() => applyReport('open', 10, 11, false)).toThrow(RangeError);
  });
});

/** One order's life at the exchange: cumulative fills, then maybe done. */
const arbLifecycle = fc
  .record({
    size: fc.integer({ min: 1, max: 500 }),
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
    ending: fc.constantFrom('filled', 'canceled', 'open'),
    lostFirst: fc.boolean(),
    // per report: 0 delivered once, 1 dropped, 2 replayed, 3 delivered with a stale earlier one after it
    delivery: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
  })
  .map(({ size, cuts, ending, lostFirst, delivery }) => {
    const fills = [...new Set(cuts.map((c) => Math.floor(c * size)))].sort((a, b) => a - b);
    const snapshots: { filled: number; done: boolean }[] = [{ filled: 0, done: false }];
    for (const f of fills) if (f > 0 && f < size) snapshots.push({ filled: f, done: false });
    if (ending === 'filled') snapshots.push({ filled: size, done: true });
    if (ending === 'canceled') snapshots.push({ filled: snapshots.at(-1)?.filled ?? 0, done: true });
    return { size, snapshots, lostFirst, delivery };
  });

/** What the state must be once the most advanced snapshot seen so far is `s` (model, not the table). */
function expectedState(size: number, s: { filled: number; done: boolean }): OrderState {
  if (s.filled === size) return 'filled';
  if (s.done) return 'canceled';
  return s.filled > 0 ? 'partially_filled' : 'open';
}

describe('applyReport against a model of the exchange', () => {
  it('dropped, replayed and stale reports converge on the exchange state; fill deltas sum to the filled size', () => {
    fc.assert(
      fc.property(arbLifecycle, ({ size, snapshots, lostFirst, delivery }) => {
        let state: OrderState = transition('intent', 'submit');
        if (lostFirst) state = transition(state, 'lost');
        let best = -1; // index of the most advanced snapshot delivered
        let filledSeen = 0;
        let fillDeltas = 0;
        const deliver = (i: number) => {
          const snap = snapshots[i];
          if (!snap) return;
          state = applyReport(state, size, snap.filled, snap.done);
          if (i > best) {
            best = i;
            if (snap.filled > filledSeen) {
              fillDeltas += snap.filled - filledSeen;
              filledSeen = snap.filled;
            }
          }
          const bestSnap = snapshots[best];
          if (bestSnap) expect(state).toBe(expectedState(size, bestSnap));
        };
        snapshots.forEach((_, i) => {
          const last = i === snapshots.length - 1;
          const how = last ? 0 : (delivery[i] ?? 0); // the final report always arrives (a poll finds it)
          if (how === 1) return;
          deliver(i);
          if (how === 2) deliver(i);
          if (how === 3 && i > 0) deliver(i - 1); // stale push while the order is still live
        });
        const final = snapshots.at(-1);
        if (!final) throw new Error('no snapshot');
        expect(state).toBe(expectedState(size, final));
        expect(fillDeltas).toBe(final.filled);
        expect(fillDeltas).toBeLessThanOrEqual(size);
        // filled ⇔ every lot filled: a position built from filled orders is exactly the sum of their sizes
        expect(state === 'filled').toBe(final.filled === size);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent: replaying the report that produced a state leaves it there', () => {
    const reachable: OrderState[] = [
      'submitting',
      'unknown',
      'open',
      'partially_filled',
      'filled',
      'canceled',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...reachable),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (from, size, frac, done) => {
          const filled = Math.floor(frac * size);
          let once: OrderState;
          try {
            once = applyReport(from, size, filled, done);
          } catch (err) {
            expect(err).toBeInstanceOf(IllegalTransitionError);
            expect(TERMINAL.has(from)).toBe(true); // only a terminal order refuses a report
            return;
          }
          expect(applyReport(once, size, filled, done)).toBe(once);
          expect(applyReport(applyReport(once, size, filled, done), size, filled, done)).toBe(once);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a terminal order never moves: a report either repeats its end or throws', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OrderState>('filled', 'canceled', 'rejected'),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (from, size, frac, done) => {
          const filled = Math.floor(frac * size);
          let next: OrderState | undefined;
          try {
            next = applyReport(from, size, filled, done);
          } catch (err) {
            expect(err).toBeInstanceOf(IllegalTransitionError);
            return;
          }
          expect(next).toBe(from);
        },
      ),
      { numRuns: 1000 },
    );
    // by hand: the replayed end is accepted; a "filled after cancel" conflicts and throws
    expect(applyReport('filled', 10, 10, true)).toBe('filled');
    expect(applyReport('canceled', 10, 4, true)).toBe('canceled');
    expect(() => applyReport('canceled', 10, 10, true)).toThrow(IllegalTransitionError);
    // a late partial report (a REST poll landing after the socket's "filled") must not move it: today it
    // throws IllegalTransitionError, which the caller has to treat as "stale, ignore"
    let late: OrderState = 'filled';
    try {
      late = applyReport('filled', 10, 4, false);
    } catch (err) {
      expect(err).toBeInstanceOf(IllegalTransitionError);
    }
    expect(late).toBe('filled');
    expect(() => applyReport('rejected', 10, 0, true)).toThrow(IllegalTransitionError);
  });

  it('a stale report never moves a live order backwards (by hand)', () => {
    expect(applyReport('partially_filled', 10, 0, false)).toBe('partially_filled');
    expect(applyReport('partially_filled', 10, 2, false)).toBe('partially_filled');
    expect(applyReport('open', 10, 0, false)).toBe('open');
    expect(applyReport('unknown', 10, 0, false)).toBe('open');
    expect(applyReport('unknown', 10, 0, true)).toBe('canceled');
    expect(() => applyReport('intent', 10, 0, false)).toThrow(IllegalTransitionError); // nothing was sent
  });
});

describe('order state errors, by hand', () => {
  it('names the error class and says which transition was refused', () => {
    const err = new IllegalTransitionError('filled', 'partial_fill');
    expect(err.name).toBe('IllegalTransitionError');
    expect(err.message).toBe('illegal order transition: filled --partial_fill-->');
    expect(() => transition('rejected', 'accepted')).toThrow(
      'illegal order transition: rejected --accepted-->',
    );
  });
  it('says why a report is out of range', () => {
    expect(() => eventForReport(0, 0, false)).toThrow('order size must be positive lots: 0');
    expect(() => eventForReport(10, 11, false)).toThrow('filled size 11 is outside 0..10');
  });
  it('a filled order refuses a report of a partial fill, of nothing filled or of a cancel', () => {
    expect(() => applyReport('filled', 10, 3, true)).toThrow(IllegalTransitionError);
    expect(() => applyReport('filled', 10, 3, false)).toThrow(IllegalTransitionError);
    expect(() => applyReport('filled', 10, 0, false)).toThrow(IllegalTransitionError);
  });
});
