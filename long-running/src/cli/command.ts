import { type ParseArgsConfig, parseArgs } from 'node:util';

/** One `enigma <name>` sub-command. Register it in `commands/index.ts`; `--help` lists exactly those. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Usage lines shown by `enigma <name> --help`. */
  usage: string;
  options?: ParseArgsConfig['options'];
  /** Resolve when the command is done; long-running commands resolve on shutdown. Return an exit code. */
  run(args: {
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
  }): Promise<number | undefined>;
}

export function parseCommandArgs(command: CliCommand, argv: string[]) {
  return parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, ...command.options },
    allowPositionals: true,
    strict: true,
  });
}
