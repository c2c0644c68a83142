import { randomUUID } from 'node:crypto';
import type { Bus, BusPayload, StreamEntry } from '@enigma/core/bus/index';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '../testing/wait-for.ts';
import { type ConsumeOptions, consume } from './consume.ts';
import { createMemoryBus } from './memory.ts';
import { createRedisBus } from './redis.ts';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from './testing/redis-prefix.ts';

const silent = pino({ level: 'silent' });
const prefix = randomPrefix();
afterAll(() => deletePrefix(prefix));

// The loop only talks to the Bus interface; running it on both adapters catches adapter-specific
// timing (blocking reads on their own Redis connection, Lua reclaim) that the contract cannot.
const adapters = [
  { name: 'in-process', make: () => createMemoryBus({ logger: silent }) },
  {
    name: 'redis',
    make: () => createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix, logger: silent }),
  },
];

describe.each(adapters)('consume ($name)', ({ make }) => {
  let bus: Bus;
  let stop: AbortController;
  let running: Promise<void> | undefined;
  let registry: Registry;
  const stream = () => `work:${randomUUID()}`;

  afterEach(async () => {
    stop?.abort();
    await running;
    await bus?.close();
  });

  function start<T = BusPayload>(
    options: Omit<ConsumeOptions<T>, 'signal' | 'group' | 'consumer'> & { consumer?: string },
  ) {
    stop = new AbortController();
    registry = new Registry();
    running = consume(bus, {
      group: 'g',
      consumer: 'c1',
      blockMs: 20,
      logger: silent,
      registry,
      signal: stop.signal,
      ...options,
    });
  }

  async function counter(outcome: string): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'enigma_bus_entries_total');
    const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
    return values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0;
  }

  it('runs the handler for each entry in order and acks it', async () => {
    bus = make();
    const s = stream();
    for (let i = 0; i < 3; i++) await bus.append(s, { i });
    const seen: unknown[] = [];
    start({ stream: s, handler: (e) => void seen.push(e.payload['i']) });
    await waitFor(() => seen.length === 3);
    await waitFor(async () => (await bus.pending(s, 'g')).count === 0);
    expect(seen).toEqual([0, 1, 2]);
    expect(await counter('acked')).toBe(3);
  });

  it('retries a failing handler after reclaimIdleMs and acks once it succeeds', async () => {
    bus = make();
    const s = stream();
    await bus.append(s, { flaky: true });
    const attempts: number[] = [];
    start({
      stream: s,
      reclaimIdleMs: 5,
      reclaimEveryMs: 5,
      handler: (e: StreamEntry) => {
        attempts.push(e.deliveries);
        if (attempts.length < 3) throw new Error('not yet');
      },
    });
    await waitFor(() => attempts.length === 3);
    await waitFor(async () => (await bus.pending(s, 'g')).count === 0);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.deadLetters(s)).toEqual([]);
    expect(await counter('failed')).toBe(2);
  });

  it('dead-letters an entry after maxDeliveries failed attempts, with the last error as the reason', async () => {
    bus = make();
    const s = stream();
    await bus.append(s, { poison: true });
    await bus.append(s, { fine: true });
    const fine: unknown[] = [];
    let attempts = 0;
    start({
      stream: s,
      maxDeliveries: 3,
      reclaimIdleMs: 5,
      reclaimEveryMs: 5,
      handler: (e) => {
        if (e.payload['poison']) {
          attempts++;
          throw new Error(`boom ${attempts}`);
        }
        fine.push(e.payload);
      },
    });
    const dead = await waitFor(async () => (await bus.deadLetters(s)).at(0));
    expect(dead.payload).toMatchObject({
      reason: 'handler failed 3 times; last error: boom 3',
      deliveries: 4,
      payload: { poison: true },
    });
    expect(attempts).toBe(3);
    expect(fine).toEqual([{ fine: true }]);
    await waitFor(async () => (await bus.pending(s, 'g')).count === 0);
    expect(await counter('dead_lettered')).toBe(1);
  });

  it('takes over the entries a dead consumer left unacked', async () => {
    bus = make();
    const s = stream();
    await bus.ensureGroup(s, 'g');
    for (let i = 0; i < 2; i++) await bus.append(s, { i });
    await bus.readGroup(s, 'g', 'dead-one');
    const seen: [unknown, number][] = [];
    start({ stream: s, reclaimIdleMs: 5, handler: (e) => void seen.push([e.payload['i'], e.deliveries]) });
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([
      [0, 2],
      [1, 2],
    ]);
    await waitFor(async () => (await bus.pending(s, 'g')).count === 0);
  });

  it('parses with the schema and dead-letters entries that fail it instead of calling the handler', async () => {
    bus = make();
    const s = stream();
    await bus.append(s, { size: 'ten' });
    await bus.append(s, { size: 10 });
    const sizes: number[] = [];
    start({
      stream: s,
      schema: z.object({ size: z.number().int() }),
      handler: (e) => void sizes.push(e.payload.size),
    });
    await waitFor(() => sizes.length === 1);
    expect(sizes).toEqual([10]);
    const dead = await bus.deadLetters(s);
    expect(dead.map((d) => d.payload.reason)).toEqual([expect.stringMatching(/^validation: size: /)]);
    expect(await counter('invalid')).toBe(1);
  });

  it('stops when aborted, leaving later entries for the next consumer', async () => {
    bus = make();
    const s = stream();
    start({ stream: s, handler: () => stop.abort() });
    await bus.append(s, { first: true });
    await running;
    await bus.append(s, { second: true });
    expect((await bus.readGroup(s, 'g', 'next')).map((e) => e.payload)).toEqual([{ second: true }]);
  });
});
