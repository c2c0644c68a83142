import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { watchChild } from '../testing/child-output.ts';
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

// Each test starts its own `enigma` processes and only reads their output: they run side by side.
describe.concurrent('enigma CLI', () => {
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
    const [unknown, badOption] = await Promise.all([run('frobnicate'), run('migrate', '--no-such-option')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--no-such-option');
  });

  it('stops cleanly on a Ctrl-C under `pnpm enigma`, without ELIFECYCLE', async () => {
    // A Ctrl-C signals the terminal's whole process group: pnpm, the shell running the script, and the
    // command, and pnpm passes its own copy on. The shell died of it after the command's clean stop and
    // pnpm printed `ELIFECYCLE Command failed` (the script now execs node); and a one-time listener let
    // the copy kill the command halfway through its stop (untilStopSignal absorbs it).
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const pnpm = process.env['npm_execpath']?.includes('pnpm')
      ? [process.execPath, process.env['npm_execpath']]
      : ['npx', '-y', 'pnpm@10'];
    const child = spawn(pnpm[0]!, [...pnpm.slice(1), 'enigma', 'sim', '--port', '0'], {
      cwd: root,
      detached: true, // a process group of its own, as a terminal's foreground job
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { out, exit } = watchChild(child);
    try {
      for (let i = 0; i < 600 && !out().includes('simulator: http'); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(out()).toContain('simulator: http');
      process.kill(-child.pid!, 'SIGINT');
      await exit; // pnpm's own status after a Ctrl-C is its business; what it prints is the user's
      expect(out()).toContain('stopped cleanly');
      expect(out()).not.toContain('ELIFECYCLE');
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 60_000);
});
