import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STREAM_PAYLOAD_FIELD } from '@enigma/core/bus/index';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/wait-for.ts';
import { busContract } from './contract.ts';
import { createRedisBus } from './redis.ts';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from './testing/redis-prefix.ts';

const prefix = randomPrefix();
const silent = pino({ level: 'silent' });
const makeBus = () => createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix, logger: silent });

afterAll(() => deletePrefix(prefix));

busContract('redis', makeBus);

describe('redis bus', () => {
  it('loses nothing when the process holding unacked entries is killed with SIGKILL', async () => {
    const stream = 'signals:incoming';
    const child = fork(
      fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url)),
      [TEST_REDIS_URL, prefix, stream, 'engine', '5', '3'],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    const report = await new Promise<{ appended: string[]; read: string[] }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      child.on('exit', (code) => reject(new Error(`crash child exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(report.read).toEqual(report.appended.slice(0, 3));

    const bus = makeBus();
    try {
      expect((await bus.pending(stream, 'engine')).consumers).toEqual({ doomed: 3 });
      const reclaimed = await bus.reclaim(stream, 'engine', 'engine-2', { minIdleMs: 0 });
      expect(reclaimed.map((e) => [e.id, e.deliveries])).toEqual(report.read.map((id) => [id, 2]));
      const fresh = await bus.readGroup(stream, 'engine', 'engine-2');
      expect(fresh.map((e) => e.id)).toEqual(report.appended.slice(3));
      expect([...reclaimed, ...fresh].map((e) => e.payload)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    } finally {
      await bus.close();
    }
  });

  it('reads entries other Redis writers add in the shared layout, and dead-letters unreadable ones', async () => {
    const stream = 'interop';
    const raw = new Redis(TEST_REDIS_URL);
    const bus = makeBus();
    try {
      await bus.ensureGroup(stream, 'g');
      // What the Upstash edge publisher sends: one field, STREAM_PAYLOAD_FIELD, holding JSON text.
      await raw.call('XADD', prefix + stream, '*', STREAM_PAYLOAD_FIELD, '{"signalId":"s-1","size":2}');
      const garbled = (await raw.call(
        'XADD',
        prefix + stream,
        '*',
        STREAM_PAYLOAD_FIELD,
        'not json',
      )) as string;
      const missing = (await raw.call('XADD', prefix + stream, '*', 'other', '{}')) as string;
      const got = await bus.readGroup(stream, 'g', 'c');
      expect(got.map((e) => e.payload)).toEqual([{ signalId: 's-1', size: 2 }]);
      const dead = await bus.deadLetters(stream);
      expect(dead.map((d) => [d.payload.originId, d.payload.payload])).toEqual([
        [garbled, { fields: { [STREAM_PAYLOAD_FIELD]: 'not json' } }],
        [missing, { fields: { other: '{}' } }],
      ]);
      expect(dead.every((d) => d.payload.reason.startsWith('unreadable entry: '))).toBe(true);
      expect((await bus.pending(stream, 'g')).count).toBe(1);
    } finally {
      await bus.close();
      await raw.quit();
    }
  });

  it('trims approximately to maxLen without ever going below it', async () => {
    const bus = makeBus();
    try {
      for (let i = 0; i < 300; i++) await bus.append('trimmed', { i }, { maxLen: 50 });
      const length = await bus.length('trimmed');
      expect(length).toBeGreaterThanOrEqual(50);
      expect(length).toBeLessThan(300);
    } finally {
      await bus.close();
    }
  });

  it('keeps key prefixes apart: another prefix sees neither streams nor events', async () => {
    const other = randomPrefix();
    const a = makeBus();
    const b = createRedisBus({ url: TEST_REDIS_URL, keyPrefix: other, logger: silent });
    try {
      await a.append('shared-name', { from: 'a' });
      expect(await b.length('shared-name')).toBe(0);
      const seen: string[] = [];
      await b.subscribe('events:*', (_, channel) => {
        seen.push(`b:${channel}`);
      });
      await a.subscribe('events:*', (_, channel) => {
        seen.push(`a:${channel}`);
      });
      expect(await a.publish('events:ping', { n: 1 })).toBe(1);
      await b.publish('events:pong', { n: 2 });
      await waitFor(() => seen.length === 2);
      expect(seen.sort()).toEqual(['a:events:ping', 'b:events:pong']);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deletePrefix(other);
    }
  });
});
