/**
 * Bus throughput: append + readGroup + ack, messages/s, for the in-process and Redis adapters, each
 * against raw ioredis XADD / XREADGROUP / XACK on the same Redis, issued the same way (windows of
 * concurrent appends, reads of `BATCH` entries, one XACK per read) in the same run.
 */
import { randomBytes } from 'node:crypto';
import { type Bus, STREAM_PAYLOAD_FIELD } from '@enigma/core/bus/index';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { createMemoryBus } from '../src/bus/memory.ts';
import { createRedisBus } from '../src/bus/redis.ts';
import { deletePrefix } from '../src/bus/testing/redis-prefix.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const MESSAGES = 30_000;
const WINDOW = 100;
const BATCH = 100;
const ROUNDS = 5;

/** Shaped like a signal on signals:incoming. */
const payload = (i: number) => ({
  signalId: `sig-${i}`,
  symbol: 'XBTUSDTM',
  side: i % 2 ? 'buy' : 'sell',
  price: '67123.5',
  size: 3,
  source: 'tradingview',
  receivedAt: '2026-11-25T08:00:00.000Z',
  idempotencyKey: `k-${i}`,
});

async function cycleBus(bus: Bus, stream: string): Promise<number> {
  await bus.ensureGroup(stream, 'g');
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += WINDOW) {
    const window: Promise<string>[] = [];
    for (let j = i; j < Math.min(i + WINDOW, MESSAGES); j++) window.push(bus.append(stream, payload(j)));
    await Promise.all(window);
  }
  let done = 0;
  while (done < MESSAGES) {
    const entries = await bus.readGroup(stream, 'g', 'c', { count: BATCH });
    if (entries.length === 0) throw new Error(`stream ran dry after ${done} of ${MESSAGES}`);
    await bus.ack(
      stream,
      'g',
      entries.map((e) => e.id),
    );
    done += entries.length;
  }
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function cycleRaw(redis: Redis, key: string): Promise<number> {
  await redis.call('XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM');
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += WINDOW) {
    const window: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + WINDOW, MESSAGES); j++) {
      window.push(redis.call('XADD', key, '*', STREAM_PAYLOAD_FIELD, JSON.stringify(payload(j))));
    }
    await Promise.all(window);
  }
  let done = 0;
  while (done < MESSAGES) {
    const reply = (await redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', BATCH, 'STREAMS', key, '>')) as
      | [string, [string, string[]][]][]
      | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) throw new Error(`stream ran dry after ${done} of ${MESSAGES}`);
    // Decode as a consumer would, so the peer does the same useful work minus the bus.
    for (const [, fields] of entries) JSON.parse(fields[1]!);
    await redis.call('XACK', key, 'g', ...entries.map(([id]) => id));
    done += entries.length;
  }
  return MESSAGES / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const suite: BenchSuite = {
  name: 'bus',
  async run(progress) {
    const prefix = `bench:bus:${randomBytes(6).toString('hex')}:`;
    const silent = pino({ level: 'silent' });
    const raw = new Redis(REDIS_URL);
    const redisBus = createRedisBus({ url: REDIS_URL, keyPrefix: prefix, logger: silent });
    const samples = { memory: [] as number[], redis: [] as number[], raw: [] as number[] };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Interleaved rounds so a noisy neighbour hurts every contender alike.
        const memoryBus = createMemoryBus({ logger: silent });
        samples.memory.push(await cycleBus(memoryBus, 's'));
        await memoryBus.close();
        // Alternate who goes first so Redis warm-up and memory growth favour neither side.
        if (round % 2 === 0) {
          samples.raw.push(await cycleRaw(raw, `${prefix}raw:${round}`));
          samples.redis.push(await cycleBus(redisBus, `bus:${round}`));
        } else {
          samples.redis.push(await cycleBus(redisBus, `bus:${round}`));
          samples.raw.push(await cycleRaw(raw, `${prefix}raw:${round}`));
        }
        progress(
          `round ${round + 1}/${ROUNDS}: memory ${samples.memory.at(-1)!.toFixed(0)}, ` +
            `redis bus ${samples.redis.at(-1)!.toFixed(0)}, raw ioredis ${samples.raw.at(-1)!.toFixed(0)} msg/s`,
        );
      }
    } finally {
      await redisBus.close();
      await raw.quit();
      await deletePrefix(prefix, REDIS_URL);
    }
    const rawMedian = median(samples.raw);
    const peer = { name: 'raw ioredis XADD/XREADGROUP/XACK', value: rawMedian };
    const extra = { messages: MESSAGES, window: WINDOW, batch: BATCH, rounds: ROUNDS };
    const result = (name: string, value: number, goal: string, min: number): BenchResult => ({
      name,
      unit: 'msg/s',
      value,
      higherIsBetter: true,
      peer,
      ratio: value / rawMedian,
      goal,
      goalMet: value / rawMedian >= min,
      extra,
    });
    return [
      result('bus append+readGroup+ack (Redis adapter)', median(samples.redis), '>= 0.7x raw ioredis', 0.7),
      result('bus append+readGroup+ack (in-process adapter)', median(samples.memory), '>= 1x raw ioredis', 1),
    ];
  },
};

export default suite;
