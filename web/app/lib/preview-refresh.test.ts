import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PreviewRefresher, previewRiskKey } from './preview-refresh.ts';

// The ticket's preview read again while the ticket is shown: its fields untouched, the kill switch
// turned on must reach it (it read "every risk check passes" until a field changed).

interface Call {
  body: string;
  signal: AbortSignal;
  answer(value: string): void;
}

function harness(opts = { debounceMs: 250, intervalMs: 3_000 }) {
  const calls: Call[] = [];
  const shown: string[] = [];
  const refresher = new PreviewRefresher<string, string>(
    (body, signal) =>
      new Promise<string>((resolve) => {
        calls.push({ body, signal, answer: resolve });
      }),
    (answer) => shown.push(answer),
    opts,
  );
  return { calls, shown, refresher };
}
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('the ticket preview refresher', () => {
  it('reads the untouched ticket again every interval: the kill switch turned on reaches it', async () => {
    const { calls, shown, refresher } = harness();
    refresher.set('buy 1');
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(1);
    calls[0]!.answer('passes');
    await settle();
    expect(shown).toEqual(['passes']);
    // nothing typed; the kill switch goes on: the next read, a few seconds on, says so
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body).toBe('buy 1');
    calls[1]!.answer('blocks: the kill switch is on');
    await settle();
    expect(shown).toEqual(['passes', 'blocks: the kill switch is on']);
    // and on, while the ticket is shown
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toHaveLength(3);
    refresher.dispose();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(3);
  });

  it('never piles requests up: one slow read is not joined by another, a refresh aborts it', async () => {
    const { calls, shown, refresher } = harness();
    refresher.set('buy 1');
    await vi.advanceTimersByTimeAsync(250);
    // the answer is slow: no second request while it is out
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toHaveLength(1);
    // the risk state changed: read at once, the old request aborted and its late answer dropped
    refresher.refresh();
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.answer('stale');
    calls[1]!.answer('fresh');
    await settle();
    expect(shown).toEqual(['fresh']);
  });

  it('reads a changed ticket after a pause, aborting the read of the old one', async () => {
    const { calls, shown, refresher } = harness();
    refresher.set('buy 1');
    await vi.advanceTimersByTimeAsync(250);
    refresher.set('buy 12');
    expect(calls[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(249);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.body)).toEqual(['buy 1', 'buy 12']);
    calls[0]!.answer('for 1');
    calls[1]!.answer('for 12');
    await settle();
    expect(shown).toEqual(['for 12']);
    // an invalid ticket reads nothing
    refresher.set(null);
    refresher.refresh();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(2);
  });

  it("keys the risk state on the kill switch and the breakers' states", () => {
    const off = {
      killSwitch: { on: false, reason: null, updatedBy: null, updatedAt: null },
      breakers: [{ name: 'daily_loss', state: 'active', reason: null, trippedAt: null }],
    };
    const on = { ...off, killSwitch: { ...off.killSwitch, on: true, updatedAt: '2026-12-07T20:00:00Z' } };
    const tripped = { ...off, breakers: [{ ...off.breakers[0]!, state: 'halted' }] };
    expect(previewRiskKey(on)).not.toBe(previewRiskKey(off));
    expect(previewRiskKey(tripped)).not.toBe(previewRiskKey(off));
    expect(previewRiskKey({ ...off })).toBe(previewRiskKey(off));
  });
});
