import { decodePayload, STREAM_PAYLOAD_FIELD } from '@enigma/core/bus/index';
import { describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { UpstashBusPublisher } from '../bus/upstash.ts';
import { UpstashRest } from './upstash-rest.ts';

const prefix = `enigma_t_rest_${crypto.randomUUID().slice(0, 8)}:`;
const up = useUpstashBridge('rest', { prefix });

describe('UpstashRest (the worker’s plain REST calls)', () => {
  it('runs commands and returns their results as text and numbers', async () => {
    const rest = new UpstashRest(`${up.bridge.url}/`, 'rest');
    expect(await rest.command(['SET', `${prefix}a`, 'héllo ✓', 'NX', 'EX', 30])).toBe('OK');
    expect(await rest.command(['SET', `${prefix}a`, 'other', 'NX', 'EX', 30])).toBeNull();
    expect(await rest.command(['GET', `${prefix}a`])).toBe('héllo ✓');
    expect(await rest.command(['INCR', `${prefix}n`])).toBe(1);
    expect(await rest.command(['INCR', `${prefix}n`])).toBe(2);
    expect(await rest.command(['GET', `${prefix}missing`])).toBeNull();
  });

  it("rejects with Redis's error, and on a wrong token", async () => {
    const rest = new UpstashRest(up.bridge.url, 'rest');
    await rest.command(['XADD', `${prefix}wrong`, '*', 'f', 'v']);
    await expect(rest.command(['INCR', `${prefix}wrong`])).rejects.toThrow(/WRONGTYPE/);
    await expect(new UpstashRest(up.bridge.url, 'bad', { retries: 0 }).command(['GET', 'x'])).rejects.toThrow(
      /Unauthorized/,
    );
  });

  it('retries a request the network lost, then gives up', async () => {
    let attempts = 0;
    const dead = new UpstashRest('http://127.0.0.1:9', 'rest', {
      retries: 2,
      backoffMs: () => {
        attempts++;
        return 1;
      },
    });
    await expect(dead.command(['GET', 'x'])).rejects.toThrow();
    expect(attempts).toBe(2);
  });

  it('appends stream entries the Redis bus reads, with and without MAXLEN, and publishes', async () => {
    const rest = new UpstashRest(up.bridge.url, 'rest');
    const bus = new UpstashBusPublisher(up.redis, prefix, rest);
    const first = await bus.append('s', { signalId: 'x1', price: '64150.5' });
    const second = await bus.append('s', { signalId: 'x2' }, { maxLen: 1000 });
    expect(first).toMatch(/^\d+-\d+$/);
    const entries = (await rest.command(['XRANGE', `${prefix}s`, '-', '+'])) as [string, string[]][];
    expect(entries.map(([id]) => id)).toEqual([first, second]);
    expect(entries.map(([, fields]) => fields[0])).toEqual([STREAM_PAYLOAD_FIELD, STREAM_PAYLOAD_FIELD]);
    const payloads = entries.map(([, fields]) => decodePayload(fields[1]!));
    expect(payloads).toEqual([{ signalId: 'x1', price: '64150.5' }, { signalId: 'x2' }]);
    expect(await bus.publish('events:x', { a: 1 })).toBe(0);
  });
});
