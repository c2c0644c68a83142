/**
 * The one behavioural contract every full bus adapter passes. Call `busContract(name, makeBus)` from
 * an adapter's test file; each test gets a fresh bus and its own stream names.
 */
import { randomUUID } from 'node:crypto';
import { type Bus, BusError, typedStream } from '@enigma/core/bus/index';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '../testing/wait-for.ts';

export function busContract(name: string, makeBus: () => Bus | Promise<Bus>): void {
  describe(`bus contract: ${name}`, () => {
    const open: Bus[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });
    async function fresh(): Promise<{ bus: Bus; stream: string }> {
      const bus = await makeBus();
      open.push(bus);
      return { bus, stream: `s:${randomUUID()}` };
    }

    it('delivers entries in append order with increasing ids and a first delivery count of 1', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await bus.append(stream, { i, nested: { s: `x${i}` } }));
      const got = await bus.readGroup(stream, 'g', 'c1', { count: 10 });
      expect(got.map((e) => e.id)).toEqual(ids);
      expect(got.map((e) => e.payload)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, nested: { s: `x${i}` } })));
      expect(got.every((e) => e.deliveries === 1)).toBe(true);
      expect(await bus.length(stream)).toBe(5);
    });

    it('honours count and never hands the same new entry to two consumers of a group', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      for (let i = 0; i < 5; i++) await bus.append(stream, { i });
      const a = await bus.readGroup(stream, 'g', 'a', { count: 2 });
      const b = await bus.readGroup(stream, 'g', 'b', { count: 10 });
      expect(a.map((e) => e.payload['i'])).toEqual([0, 1]);
      expect(b.map((e) => e.payload['i'])).toEqual([2, 3, 4]);
      expect(await bus.readGroup(stream, 'g', 'a')).toEqual([]);
    });

    it('gives every group its own copy of the stream', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g1');
      await bus.ensureGroup(stream, 'g2');
      await bus.append(stream, { x: 1 });
      expect(await bus.readGroup(stream, 'g1', 'c')).toHaveLength(1);
      expect(await bus.readGroup(stream, 'g2', 'c')).toHaveLength(1);
    });

    it('keeps entries pending until acked, and ack removes exactly the acked ones', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      for (let i = 0; i < 3; i++) await bus.append(stream, { i });
      const got = await bus.readGroup(stream, 'g', 'c');
      expect(await bus.pending(stream, 'g')).toEqual({
        count: 3,
        minId: got[0]!.id,
        maxId: got[2]!.id,
        consumers: { c: 3 },
      });
      expect(await bus.ack(stream, 'g', [got[0]!.id, got[2]!.id])).toBe(2);
      expect(await bus.ack(stream, 'g', [got[0]!.id])).toBe(0);
      expect(await bus.pending(stream, 'g')).toEqual({
        count: 1,
        minId: got[1]!.id,
        maxId: got[1]!.id,
        consumers: { c: 1 },
      });
      await bus.ack(stream, 'g', [got[1]!.id]);
      expect(await bus.pending(stream, 'g')).toEqual({ count: 0, minId: null, maxId: null, consumers: {} });
      expect(await bus.reclaim(stream, 'g', 'other', { minIdleMs: 0 })).toEqual([]);
    });

    it('lets another consumer reclaim what a dead consumer left unacked, counting deliveries', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      for (let i = 0; i < 3; i++) await bus.append(stream, { i });
      const first = await bus.readGroup(stream, 'g', 'dead');
      await bus.ack(stream, 'g', [first[0]!.id]);
      // The survivor does not see them as new entries; only reclaim hands them over.
      expect(await bus.readGroup(stream, 'g', 'survivor')).toEqual([]);
      expect(await bus.reclaim(stream, 'g', 'survivor', { minIdleMs: 3_600_000 })).toEqual([]);
      const taken = await bus.reclaim(stream, 'g', 'survivor', { minIdleMs: 0 });
      expect(taken.map((e) => [e.id, e.payload, e.deliveries])).toEqual([
        [first[1]!.id, { i: 1 }, 2],
        [first[2]!.id, { i: 2 }, 2],
      ]);
      expect((await bus.pending(stream, 'g')).consumers).toEqual({ survivor: 2 });
      const again = await bus.reclaim(stream, 'g', 'survivor', { minIdleMs: 0, count: 1 });
      expect(again.map((e) => [e.id, e.deliveries])).toEqual([[first[1]!.id, 3]]);
    });

    it('dead-letters an entry once its delivery count exceeds maxDeliveries, acking it in the origin', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      const id = await bus.append(stream, { order: 'o-1' });
      await bus.readGroup(stream, 'g', 'c'); // delivery 1
      expect(await bus.reclaim(stream, 'g', 'c', { minIdleMs: 0, maxDeliveries: 2 })).toHaveLength(1); // 2
      expect(await bus.reclaim(stream, 'g', 'c', { minIdleMs: 0, maxDeliveries: 2 })).toEqual([]); // 3 > 2
      expect((await bus.pending(stream, 'g')).count).toBe(0);
      const dead = await bus.deadLetters(stream);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.payload).toMatchObject({
        stream,
        group: 'g',
        originId: id,
        deliveries: 3,
        payload: { order: 'o-1' },
        reason: 'exceeded maxDeliveries (2)',
      });
      expect(await bus.length(`${stream}:dlq`)).toBe(1);
    });

    it('dead-letters explicitly with a reason, at most once per entry', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      await bus.append(stream, { a: 1 });
      const [entry] = await bus.readGroup(stream, 'g', 'c');
      expect(await bus.deadLetter(stream, 'g', entry!, 'handler: boom')).toEqual(expect.any(String));
      expect(await bus.deadLetter(stream, 'g', entry!, 'handler: boom')).toBeNull();
      const dead = await bus.deadLetters(stream);
      expect(dead.map((d) => d.payload.reason)).toEqual(['handler: boom']);
      expect((await bus.pending(stream, 'g')).count).toBe(0);
    });

    it('redrives dead letters back into the stream as new entries and empties the DLQ', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      for (let i = 0; i < 3; i++) await bus.append(stream, { i });
      for (const e of await bus.readGroup(stream, 'g', 'c')) await bus.deadLetter(stream, 'g', e, 'bad');
      const dead = await bus.deadLetters(stream);
      expect(await bus.redrive(stream, { ids: [dead[1]!.id] })).toBe(1);
      expect((await bus.deadLetters(stream)).map((d) => d.payload.payload)).toEqual([{ i: 0 }, { i: 2 }]);
      expect(await bus.redrive(stream)).toBe(2);
      expect(await bus.deadLetters(stream)).toEqual([]);
      expect(await bus.redrive(stream)).toBe(0);
      const again = await bus.readGroup(stream, 'g', 'c');
      expect(again.map((e) => [e.payload, e.deliveries])).toEqual([
        [{ i: 1 }, 1],
        [{ i: 0 }, 1],
        [{ i: 2 }, 1],
      ]);
    });

    it('starts a new group at the beginning by default, or at the end on request, and never resets one', async () => {
      const { bus, stream } = await fresh();
      await bus.append(stream, { before: 1 });
      await bus.append(stream, { before: 2 });
      await bus.ensureGroup(stream, 'all');
      await bus.ensureGroup(stream, 'tail', { start: 'end' });
      expect(await bus.readGroup(stream, 'all', 'c')).toHaveLength(2);
      expect(await bus.readGroup(stream, 'tail', 'c')).toEqual([]);
      await bus.append(stream, { after: 1 });
      expect((await bus.readGroup(stream, 'tail', 'c')).map((e) => e.payload)).toEqual([{ after: 1 }]);
      await bus.ensureGroup(stream, 'all');
      expect((await bus.readGroup(stream, 'all', 'c')).map((e) => e.payload)).toEqual([{ after: 1 }]);
    });

    it('rejects reads from a missing group with NO_GROUP', async () => {
      const { bus, stream } = await fresh();
      await bus.append(stream, { a: 1 });
      await expect(bus.readGroup(stream, 'nope', 'c')).rejects.toMatchObject({ code: 'NO_GROUP' });
      await expect(bus.pending(stream, 'nope')).rejects.toMatchObject({ code: 'NO_GROUP' });
      await expect(bus.reclaim(stream, 'nope', 'c', { minIdleMs: 0 })).rejects.toMatchObject({
        code: 'NO_GROUP',
      });
      expect(await bus.ack(stream, 'nope', ['1-0'])).toBe(0);
    });

    it('rejects a payload JSON would mangle and appends nothing', async () => {
      const { bus, stream } = await fresh();
      await expect(bus.append(stream, { price: Number.NaN })).rejects.toBeInstanceOf(BusError);
      await expect(bus.append(stream, [1] as never)).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
      expect(await bus.length(stream)).toBe(0);
    });

    it('wakes a blocked read when an entry arrives, and returns empty when the block expires', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      expect(await bus.readGroup(stream, 'g', 'c', { blockMs: 20 })).toEqual([]);
      const read = bus.readGroup(stream, 'g', 'c', { blockMs: 20_000 });
      await bus.append(stream, { late: true });
      expect((await read).map((e) => e.payload)).toEqual([{ late: true }]);
    });

    it("one consumer's blocked read of a stream does not hold up its read of another (the engine reads signals and commands as one consumer)", async () => {
      const { bus, stream } = await fresh();
      const other = `${stream}:commands`;
      await bus.ensureGroup(stream, 'g');
      await bus.ensureGroup(other, 'g');
      // blocked on `other`, where nothing comes for 5 s
      const idle = bus.readGroup(other, 'g', 'c', { blockMs: 5_000 }).then(() => 'the idle read returned');
      // then a read of `stream` by the same consumer, and an entry for it
      const busy = bus.readGroup(stream, 'g', 'c', { blockMs: 5_000 }).then((got) => {
        expect(got.map((e) => e.payload)).toEqual([{ signal: 1 }]);
        return 'the entry was read';
      });
      await bus.append(stream, { signal: 1 });
      // sharing one blocking connection, the second read would wait for the first's block to expire
      expect(await Promise.race([busy, idle])).toBe('the entry was read');
      await bus.append(other, { command: 1 });
      await idle;
    });

    it('fans an event out to every subscriber of the channel and to matching patterns', async () => {
      const { bus } = await fresh();
      const got: string[] = [];
      await bus.subscribe('events:orders', (e) => {
        got.push(`a:${e['n']}`);
      });
      await bus.subscribe('events:orders', (e) => {
        got.push(`b:${e['n']}`);
      });
      await bus.subscribe('events:*', (e, channel) => {
        got.push(`p:${channel}:${e['n']}`);
      });
      await bus.subscribe('events:fills', () => {
        got.push('wrong channel');
      });
      await bus.publish('events:orders', { n: 1 });
      await bus.publish('events:positions', { n: 2 });
      await waitFor(() => got.length >= 4, 5000, 'four deliveries');
      expect(got.sort()).toEqual(['a:1', 'b:1', 'p:events:orders:1', 'p:events:positions:2']);
    });

    it('stops delivering to an unsubscribed handler while others keep receiving', async () => {
      const { bus } = await fresh();
      const kept: number[] = [];
      const dropped: number[] = [];
      const droppedPattern: number[] = [];
      await bus.subscribe('events:x', (e) => {
        kept.push(e['n'] as number);
      });
      const off = await bus.subscribe('events:x', (e) => {
        dropped.push(e['n'] as number);
      });
      const offPattern = await bus.subscribe('events:?', (e) => {
        droppedPattern.push(e['n'] as number);
      });
      await bus.publish('events:x', { n: 1 });
      await waitFor(() => dropped.length === 1 && droppedPattern.length === 1 && kept.length === 1);
      await off();
      await offPattern();
      await off();
      await bus.publish('events:x', { n: 2 });
      await bus.publish('events:x', { n: 3 });
      await waitFor(() => kept.length === 3, 5000, 'the kept subscriber to get 3 events');
      expect(kept).toEqual([1, 2, 3]);
      expect(dropped).toEqual([1]);
      expect(droppedPattern).toEqual([1]);
    });

    it('sends an entry that fails its schema to the DLQ with the validation error, and rejects it on typed append', async () => {
      const { bus, stream } = await fresh();
      const schema = z.object({ symbol: z.string().min(1), size: z.number().int().positive() });
      const typed = typedStream(bus, stream, schema);
      await typed.bus.ensureGroup(stream, 'g');
      await expect(typed.append({ symbol: 'XBTUSDTM', size: -1 })).rejects.toMatchObject({
        code: 'INVALID_PAYLOAD',
      });
      expect(await bus.length(stream)).toBe(0);
      await bus.append(stream, { symbol: 'XBTUSDTM', size: 1.5 }); // bypasses the schema, as a bad producer would
      await typed.append({ symbol: 'ETHUSDTM', size: 2 });
      const got = await typed.readGroup('g', 'c');
      expect(got.map((e) => e.payload)).toEqual([{ symbol: 'ETHUSDTM', size: 2 }]);
      const dead = await bus.deadLetters(stream);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.payload.reason).toMatch(/^validation: size: /);
      expect(dead[0]!.payload.payload).toEqual({ symbol: 'XBTUSDTM', size: 1.5 });
      expect((await bus.pending(stream, 'g')).count).toBe(1);
    });

    it('wakes a blocked read with an empty result when the bus is closed', async () => {
      const { bus, stream } = await fresh();
      await bus.ensureGroup(stream, 'g');
      const read = bus.readGroup(stream, 'g', 'c', { blockMs: 60_000 });
      await bus.close();
      expect(await read).toEqual([]);
    });

    it('refuses every operation once closed', async () => {
      const { bus, stream } = await fresh();
      await bus.close();
      await bus.close();
      await expect(bus.append(stream, { a: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(bus.publish('events:x', { a: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
}
