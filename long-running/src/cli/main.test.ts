import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';

const bin = fileURLToPath(new URL('../../bin/enigma.js', import.meta.url));
const run = (...args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { encoding: 'utf8' }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('enigma CLI', () => {
  it('--help lists exactly the registered commands', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    const listed = stdout
      .split('\n')
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(commands.map((c) => c.name));
  });

  it('prints the version', async () => {
    const { code, stdout } = await run('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses an unknown command or option with exit code 2 and says why', async () => {
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const badOption = await run('migrate', '--no-such-option');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--no-such-option');
  });
});
