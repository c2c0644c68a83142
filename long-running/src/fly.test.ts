import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { rootScript } from '../../scripts/root-script.ts';
import { parseCommandArgs } from './cli/command.ts';
import { commands } from './cli/commands/index.ts';

// fly.toml (deployed by `pnpm deploy:long-running`, scripts/deploy.ts) against the CLI it runs.
const root = fileURLToPath(new URL('../..', import.meta.url));
const fly = parse(readFileSync(join(root, 'fly.toml'), 'utf8')) as Record<string, unknown> & {
  processes: Record<string, string>;
  deploy?: { release_command?: string };
  build?: { dockerfile?: string };
  services?: { processes: string[]; internal_port: number; http_checks?: { path: string }[] }[];
  checks?: Record<string, { processes: string[]; port: number; path: string }>;
  metrics?: { processes: string[]; port: number; path: string }[];
};

/** Top-level keys of Fly's app configuration (fly.io/docs/reference/configuration). */
const FLY_KEYS = new Set([
  'app',
  'primary_region',
  'kill_signal',
  'kill_timeout',
  'swap_size_mb',
  'console_command',
  'build',
  'deploy',
  'env',
  'processes',
  'http_service',
  'services',
  'checks',
  'mounts',
  'metrics',
  'statics',
  'files',
  'vm',
  'restart',
  'experimental',
]);

/** The `enigma` sub-command a shell command line runs, checked against the CLI's command table. */
function checkEnigmaCommand(line: string): string {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => w === 'enigma' || w.endsWith('bin/enigma.js'));
  expect(at, `"${line}" runs the enigma CLI`).toBeGreaterThanOrEqual(0);
  if (words[at]!.endsWith('.js')) expect(existsSync(join(root, words[at]!)), words[at]).toBe(true);
  const [name, ...rest] = words.slice(at + 1);
  const command = commands.find((c) => c.name === name);
  expect(command, `"${line}": enigma has no command "${name}"`).toBeDefined();
  expect(() => parseCommandArgs(command!, rest), `"${line}": options`).not.toThrow();
  return name!;
}

describe('fly.toml', () => {
  it('uses only the keys Fly documents', () => {
    expect(Object.keys(fly).filter((k) => !FLY_KEYS.has(k))).toEqual([]);
  });

  it('runs the engine, the collector and the gateway as processes', () => {
    expect(Object.keys(fly.processes).sort()).toEqual(['collector', 'engine', 'gateway']);
  });

  it('names only commands that exist in the enigma CLI, with options it accepts', () => {
    for (const [process, line] of Object.entries(fly.processes)) {
      expect(checkEnigmaCommand(line), `process ${process}`).toBe(process);
    }
    expect(checkEnigmaCommand(fly.deploy!.release_command!)).toBe('migrate');
  });

  it('checks health and scrapes metrics on the port each process listens on', () => {
    const portOf = (process: string) => {
      const words = fly.processes[process]!.split(/\s+/);
      const at = words.indexOf('--port');
      return at < 0 ? undefined : Number(words[at + 1]);
    };
    const targets: { what: string; processes: string[]; port: number; path?: string }[] = [
      ...fly.services!.flatMap((s) =>
        (s.http_checks ?? []).map((c) => ({
          what: 'services.http_checks',
          processes: s.processes,
          port: s.internal_port,
          path: c.path,
        })),
      ),
      ...Object.entries(fly.checks ?? {}).map(([name, c]) => ({ what: `checks.${name}`, ...c })),
      ...(fly.metrics ?? []).map((m) => ({ what: 'metrics', ...m })),
    ];
    expect(
      targets
        .filter((t) => t.path === '/healthz')
        .flatMap((t) => t.processes)
        .sort(),
    ).toEqual(['collector', 'engine', 'gateway']);
    for (const t of targets) {
      for (const process of t.processes) expect(portOf(process), `${t.what} → ${process}`).toBe(t.port);
    }
  });

  it('builds an image whose start command exists in the CLI', () => {
    const dockerfile = readFileSync(join(root, fly.build!.dockerfile!), 'utf8');
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile);
    expect(cmd, 'the Dockerfile has a CMD in exec form').not.toBeNull();
    checkEnigmaCommand((JSON.parse(cmd![1]!) as string[]).join(' '));
  });

  it('fails for a command the CLI does not have', () => {
    expect(() => checkEnigmaCommand('node long-running/bin/enigma.js engines')).toThrow(
      /no command "engines"/,
    );
    expect(() => checkEnigmaCommand('node long-running/bin/enigma.js engine --nope')).toThrow(/options/);
  });
});

describe('README: the enigma CLI table', () => {
  it('lists only commands that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/^\| `enigma ([a-z][\w:-]*)/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !commands.some((c) => c.name === n))).toEqual([]);
  });
});

describe('pnpm deploy:long-running', () => {
  function deploy(env: NodeJS.ProcessEnv, path: string) {
    const { FLY_API_TOKEN: _token, ...inherited } = process.env;
    return promisify(execFile)(process.execPath, rootScript('deploy:long-running'), {
      cwd: root,
      env: { ...inherited, PATH: path, ...env },
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
  }
  const nodeDir = dirname(process.execPath);

  it('refuses without FLY_API_TOKEN, saying nothing was deployed', async () => {
    const run = await deploy({}, nodeDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FLY_API_TOKEN is not set');
    expect(run.stderr).toContain('Nothing was deployed.');
  });

  it('refuses when flyctl is not installed', async () => {
    const run = await deploy({ FLY_API_TOKEN: 'fo1_test' }, nodeDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('flyctl is not on PATH');
  });

  it('runs fly deploy with the root fly.toml from the repository root (the Docker build context)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'enigma-flyctl-'));
    try {
      // A stand-in flyctl that records how it was called.
      writeFileSync(
        join(bin, 'flyctl'),
        `#!/bin/sh\nprintf '%s\\n' "$PWD" "$FLY_API_TOKEN" "$@" > "${join(bin, 'args')}"\n`,
      );
      chmodSync(join(bin, 'flyctl'), 0o755);
      const run = await deploy({ FLY_API_TOKEN: 'fo1_test' }, [bin, nodeDir].join(delimiter));
      expect(run.code, run.stderr).toBe(0);
      expect(readFileSync(join(bin, 'args'), 'utf8').trim().split('\n')).toEqual([
        root.replace(/\/$/, ''),
        'fo1_test',
        'deploy',
        '--config',
        join(root, 'fly.toml'),
        '--remote-only',
      ]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
