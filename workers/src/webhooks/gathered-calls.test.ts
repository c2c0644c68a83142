import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { GatheredCalls, type Settled } from './gathered-calls.ts';

// Who sends a batch matters in workerd (a fetch belongs to the request that makes it): each call runs
// under its own AsyncLocalStorage value here, standing for its request, and `send` records whose
// context it ran in.

const caller = new AsyncLocalStorage<number>();

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

function harness(opts: { maxBatch?: number; maxInFlight?: number; orphanMs?: number } = {}) {
  const sent: { items: number[]; from: number | undefined }[] = [];
  const gates: ReturnType<typeof gate>[] = [];
  const alone: number[] = [];
  const calls = new GatheredCalls<number, string>({
    async send(items) {
      sent.push({ items: [...items], from: caller.getStore() });
      const g = gate();
      gates.push(g);
      await g.opened;
      return items.map(
        (i): Settled<string> =>
          i < 0 ? { ok: false, error: new Error(`bad ${i}`) } : { ok: true, value: `r${i}` },
      );
    },
    async alone(item) {
      alone.push(item);
      return `alone${item}`;
    },
    ...opts,
  });
  const run = (i: number) => caller.run(i, () => calls.run(i));
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { calls, sent, gates, alone, run, tick };
}

describe('GatheredCalls', () => {
  it('sends at once when nothing is out, and gathers what arrives meanwhile into one batch', async () => {
    const h = harness();
    const first = h.run(1);
    const rest = [2, 3, 4].map(h.run);
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1]]);
    h.gates[0]!.open();
    expect(await first).toBe('r1');
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1], [2, 3, 4]]);
    h.gates[1]!.open();
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4']);
    expect(h.calls.batches).toBe(2);
  });

  it('each batch is sent from the context of a caller in it (its first), never on others’ behalf', async () => {
    const h = harness();
    const all = [1, 2, 3, 4, 5].map(h.run);
    await h.tick();
    h.gates[0]!.open();
    await h.tick();
    h.gates[1]!.open();
    await Promise.all(all);
    expect(h.sent).toEqual([
      { items: [1], from: 1 },
      { items: [2, 3, 4, 5], from: 2 },
    ]);
  });

  it('one item’s error fails only its caller; a batch that throws fails each of its callers', async () => {
    const h = harness();
    const first = h.run(1);
    const ok = h.run(2);
    const bad = h.run(-3);
    h.gates[0]!.open();
    await first;
    await h.tick();
    h.gates[1]!.open();
    expect(await ok).toBe('r2');
    await expect(bad).rejects.toThrow('bad -3');

    const failing = new GatheredCalls<number, number>({
      send: async () => {
        throw new Error('down');
      },
      alone: async (i) => i,
    });
    await expect(Promise.all([failing.run(1), failing.run(2)])).rejects.toThrow('down');
    await expect(failing.run(3)).rejects.toThrow('down');
  });

  it('keeps to maxBatch and maxInFlight', async () => {
    const h = harness({ maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6].map(h.run);
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1], [2]]);
    h.gates[0]!.open();
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1], [2], [3, 4]]);
    h.gates[1]!.open();
    h.gates[2]!.open();
    await h.tick();
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1], [2], [3, 4], [5, 6]]);
    h.gates[3]!.open();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('a caller whose batch never answers sends its item alone after orphanMs; the lost slot is taken back', async () => {
    const h = harness({ orphanMs: 30 });
    const lost = h.run(1); // its send never answers (its request "cancelled")
    void lost.catch(() => {});
    const waiting = [h.run(2), h.run(3)];
    expect(await Promise.all(waiting)).toEqual(['alone2', 'alone3']);
    expect(h.alone).toEqual([2, 3]);
    expect(h.calls.orphans).toBe(2);
    // after 2 × orphanMs the silent batch's slot is free again: the next call is sent at once
    await new Promise((r) => setTimeout(r, 70));
    const next = h.run(4);
    await h.tick();
    expect(h.sent.map((s) => s.items)).toEqual([[1], [4]]);
    h.gates[1]!.open();
    expect(await next).toBe('r4');
  });
});
