import type { Bus } from '@enigma/core/bus/index';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBusCommand } from './cli.ts';
import { createMemoryBus } from './memory.ts';

describe('enigma bus', () => {
  let bus: Bus;
  let lines: string[];
  const run = (args: string[], values: Record<string, string | boolean | string[]> = {}) =>
    runBusCommand(bus, args, values, (l) => lines.push(l));

  beforeEach(async () => {
    bus = createMemoryBus({ logger: pino({ level: 'silent' }) });
    lines = [];
    await bus.ensureGroup('signals:incoming', 'engine');
    for (let i = 0; i < 3; i++) await bus.append('signals:incoming', { i });
    const entries = await bus.readGroup('signals:incoming', 'engine', 'e1');
    await bus.deadLetter('signals:incoming', 'engine', entries[0]!, 'validation: size: expected number');
    await bus.deadLetter(
      'signals:incoming',
      'engine',
      entries[1]!,
      'handler failed 5 times; last error: boom',
    );
  });
  afterEach(() => bus.close());

  it('reports stream length, DLQ length and pending per group, including missing groups', async () => {
    expect(await run(['stats', 'signals:incoming', 'engine', 'nobody'], { json: true })).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      length: 3,
      deadLetters: 2,
      groups: { engine: { count: 1, consumers: { e1: 1 } }, nobody: null },
    });
  });

  it('lists dead letters with their reasons', async () => {
    expect(await run(['dlq', 'signals:incoming'])).toBe(0);
    expect(lines[0]).toContain('reason: validation: size: expected number');
    expect(lines[0]).toContain('reason: handler failed 5 times; last error: boom');
  });

  it('redrives only the chosen dead letters', async () => {
    const [first] = await bus.deadLetters('signals:incoming');
    expect(await run(['redrive', 'signals:incoming'], { id: [first!.id], json: true })).toBe(0);
    expect(JSON.parse(lines[0]!)).toEqual({ stream: 'signals:incoming', redriven: 1 });
    expect((await bus.deadLetters('signals:incoming')).map((d) => d.payload.payload)).toEqual([{ i: 1 }]);
    expect((await bus.readGroup('signals:incoming', 'engine', 'e1')).map((e) => e.payload)).toEqual([
      { i: 0 },
    ]);
  });

  it('rejects a bad --count and unknown actions without touching the DLQ', async () => {
    await expect(run(['redrive', 'signals:incoming'], { count: '-1' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await run(['explode', 'signals:incoming'])).toBe(2);
    expect(await run([])).toBe(2);
    expect(await bus.deadLetters('signals:incoming')).toHaveLength(2);
  });
});
