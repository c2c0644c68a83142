import { type Bus, BusError, dlqStreamOf } from '@enigma/core/bus/index';
import type { CliCommand } from '../cli/command.ts';
import { loadEnv } from '../env.ts';
import { createLogger } from '../runtime/logger.ts';
import { createRedisBus } from './redis.ts';

const USAGE = [
  'usage: enigma bus stats <stream> [<group>...]   length, DLQ length and what each group has pending',
  '       enigma bus dlq <stream> [--count N]      list dead letters (oldest first)',
  '       enigma bus redrive <stream> [--id ID]... [--count N]',
  '                                                move dead letters back into the stream',
  'options: --json, --prefix <keyPrefix>. Needs REDIS_URL (the in-process bus lives inside `enigma start`).',
].join('\n');

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * The `enigma bus` sub-commands against any bus; `write` receives each output line. Returns the exit code.
 *
 * @example await runBusCommand(bus, ['dlq', 'signals:incoming'], { json: true }, console.log)
 */
export async function runBusCommand(
  bus: Bus,
  positionals: string[],
  values: Values,
  write: (line: string) => void,
): Promise<number> {
  const [action, stream, ...rest] = positionals;
  if (!action || !stream) {
    write(USAGE);
    return 2;
  }
  const count = parseCount(values['count']);
  const out = (human: string, data: unknown) => write(values['json'] ? JSON.stringify(data) : human);

  if (action === 'stats') {
    const length = await bus.length(stream);
    const dlq = await bus.length(dlqStreamOf(stream));
    const groups: Record<string, unknown> = {};
    const lines = [`${stream}: ${length} entries, ${dlq} dead letters`];
    for (const group of rest) {
      try {
        const p = await bus.pending(stream, group);
        groups[group] = p;
        const who = Object.entries(p.consumers).map(([c, n]) => `${c}=${n}`);
        lines.push(`  group ${group}: ${p.count} pending${who.length ? ` (${who.join(', ')})` : ''}`);
      } catch (error) {
        if (!(error instanceof BusError && error.code === 'NO_GROUP')) throw error;
        groups[group] = null;
        lines.push(`  group ${group}: does not exist`);
      }
    }
    out(lines.join('\n'), { stream, length, deadLetters: dlq, groups });
    return 0;
  }
  if (action === 'dlq') {
    const dead = await bus.deadLetters(stream, { count: count ?? 100 });
    const human = dead.length
      ? dead
          .map(
            (d) =>
              `${d.id}  ${d.payload.deadLetteredAt}  group=${d.payload.group} origin=${d.payload.originId} ` +
              `deliveries=${d.payload.deliveries}\n    reason: ${d.payload.reason}\n    payload: ${JSON.stringify(d.payload.payload)}`,
          )
          .join('\n')
      : `${dlqStreamOf(stream)} is empty`;
    out(human, dead);
    return 0;
  }
  if (action === 'redrive') {
    const idValue = values['id'];
    const ids =
      idValue === undefined ? undefined : (Array.isArray(idValue) ? idValue : [idValue]).map(String);
    const moved = await bus.redrive(stream, { ids, count });
    out(`redrove ${moved} dead letter(s) into ${stream}`, { stream, redriven: moved });
    return 0;
  }
  write(`unknown action "${action}"\n\n${USAGE}`);
  return 2;
}

function parseCount(value: Values[string]): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1) {
    throw new BusError('INVALID_ARGUMENT', `--count must be a positive integer, got ${String(value)}`);
  }
  return n;
}

/** `enigma bus`: inspect streams, list and redrive dead letters on the Redis bus. */
export const busCommand: CliCommand = {
  name: 'bus',
  summary: 'inspect bus streams, list and redrive dead letters (Redis)',
  usage: USAGE,
  options: {
    json: { type: 'boolean' },
    count: { type: 'string' },
    id: { type: 'string', multiple: true },
    prefix: { type: 'string' },
  },
  async run({ values, positionals }) {
    const env = loadEnv();
    if (!env.REDIS_URL) {
      console.error(
        'enigma bus: REDIS_URL is not set (the in-process bus only exists inside `enigma start`)',
      );
      return 2;
    }
    const prefix = typeof values['prefix'] === 'string' ? values['prefix'] : '';
    const bus = createRedisBus({
      url: env.REDIS_URL,
      keyPrefix: prefix,
      logger: createLogger({ level: env.LOG_LEVEL, name: 'bus', pretty: false }),
    });
    try {
      return await runBusCommand(bus, positionals, values, (line) => console.log(line));
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      console.error(`enigma bus: ${error.message}`);
      return 2;
    } finally {
      await bus.close();
    }
  },
};
