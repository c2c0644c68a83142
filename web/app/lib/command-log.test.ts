import { describe, expect, it } from 'vitest';
import { addCommand, commandEntry, failed, outcomeOf, withOutcome } from './command-log.ts';

const ID = '5b97b36c-1c1a-4ddd-9e16-837dad01711f';
const accepted = { ok: true, error: null, data: { commandId: ID, status: 'accepted', replayed: false } };

describe('the commands panel log', () => {
  it('an API refusal is refused with its message', () => {
    const e = commandEntry('buy 1 XBTUSDTM market', { ok: false, error: 'kill switch is on' }, 1);
    expect(e).toMatchObject({ commandId: null, state: 'refused', text: 'kill switch is on' });
    expect(failed(e)).toBe(true);
  });

  it('a 202 waits for the engine, then shows its rejection with the reason (not "accepted" for good)', () => {
    const log = addCommand([], commandEntry('TP/SL XBTUSDTM', accepted, 1));
    expect(log[0]).toMatchObject({
      commandId: ID,
      state: 'accepted',
      text: 'accepted, waiting for the engine',
    });
    expect(failed(log[0]!)).toBe(false);
    const event = {
      type: 'command.finished',
      commandId: ID,
      command: 'set_tpsl',
      status: 'rejected',
      reason: 'stop 99999 is on the wrong side of the mark 95611.63',
      at: 2,
    };
    const next = withOutcome(log, outcomeOf(event)!);
    expect(next[0]).toMatchObject({
      state: 'rejected',
      text: 'rejected by the engine: stop 99999 is on the wrong side of the mark 95611.63',
    });
    expect(failed(next[0]!)).toBe(true);
  });

  it('done and failed outcomes; another command or a finished entry is left alone', () => {
    const log = addCommand([], commandEntry('close XBTUSDTM', accepted, 1));
    const done = withOutcome(log, { commandId: ID, status: 'done', reason: null });
    expect(done[0]).toMatchObject({ state: 'done', text: 'done' });
    expect(withOutcome(done, { commandId: ID, status: 'failed', reason: 'late' })).toBe(done);
    expect(withOutcome(log, { commandId: 'other', status: 'failed', reason: null })).toBe(log);
    expect(withOutcome(log, { commandId: ID, status: 'failed', reason: 'exchange down' })[0]).toMatchObject({
      state: 'failed',
      text: 'failed: exchange down',
    });
  });

  it('an outcome that arrived before the 202 was read applies at once', () => {
    const e = commandEntry('cancel order', accepted, 1, {
      commandId: ID,
      status: 'done',
      reason: 'cancelled',
    });
    expect(e).toMatchObject({ state: 'done', text: 'done: cancelled' });
  });

  it('reads outcomes from events and GET /api/commands/{id}; pending, running and other events are none', () => {
    expect(outcomeOf({ commandId: ID, status: 'pending', reason: null })).toBeNull();
    expect(outcomeOf({ commandId: ID, status: 'running', reason: null })).toBeNull();
    expect(outcomeOf({ type: 'order.updated', status: 'open' })).toBeNull();
    expect(outcomeOf(null)).toBeNull();
    expect(outcomeOf({ commandId: ID, type: 'close_position', status: 'done', reason: '' })).toEqual({
      commandId: ID,
      status: 'done',
      reason: null,
    });
  });

  it('keeps the newest 20', () => {
    let log = addCommand([], commandEntry('a', accepted, 0));
    for (let i = 1; i < 25; i++) log = addCommand(log, commandEntry(`c${i}`, { ok: false, error: 'x' }, i));
    expect(log).toHaveLength(20);
    expect(log[0]!.label).toBe('c24');
  });
});
