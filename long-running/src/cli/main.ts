import { readFileSync } from 'node:fs';
import { startTracing, type Tracing, tracingConfigFromEnv } from '../runtime/tracing.ts';
import { type CliCommand, parseCommandArgs } from './command.ts';
import { commands } from './commands/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function help(list: CliCommand[]): string {
  const width = Math.max(...list.map((c) => c.name.length), 4);
  return [
    `enigma ${pkg.version}: KuCoin Futures trading infrastructure`,
    '',
    'usage: enigma <command> [options]',
    '',
    'commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options: --help (also per command), --version',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help(commands));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(pkg.version);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`enigma: unknown command "${name}"\n\n${help(commands)}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (error) {
    console.error(`enigma ${command.name}: ${(error as Error).message}\n\n${command.usage}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(`${command.summary}\n\n${command.usage}`);
    return 0;
  }
  // OpenTelemetry tracing when the environment asks for it (runtime/tracing.ts), flushed on the way out.
  let tracing: Tracing;
  try {
    tracing = startTracing(tracingConfigFromEnv(`enigma-${command.name}`));
  } catch (error) {
    console.error(`enigma ${command.name}: ${(error as Error).message}`);
    return 2;
  }
  try {
    return (await command.run(parsed)) ?? 0;
  } catch (error) {
    // A refusal the command could not get past (the embedded database held by `enigma start`, a server
    // not answering) is said in one line, not as a stack trace; LOG_LEVEL=debug shows the stack.
    console.error(`enigma ${command.name}: ${(error as Error).message ?? String(error)}`);
    if (process.env['LOG_LEVEL'] === 'debug') console.error(error);
    return 1;
  } finally {
    await tracing.shutdown();
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
