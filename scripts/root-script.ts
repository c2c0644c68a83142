import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/). */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The root package.json script `name` as arguments for this Node (what `pnpm <name>` runs), so a test
 * runs a deploy script exactly as the operator does. Throws when the script is missing or is not a
 * plain `node …` command line.
 */
export function rootScript(name: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, ...args] = (scripts[name] ?? '').split(' ');
  if (node !== 'node')
    throw new Error(`package.json scripts["${name}"] is not a "node …" command: "${scripts[name]}"`);
  return args;
}
