import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validate } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from './bus/testing/redis-prefix.ts';

/**
 * long-running/Dockerfile, checked without Docker (base images cannot be pulled on these machines):
 * linted with dockerfile-utils, then its build stage's steps run on this machine in a copy of the build
 * context, the final stage's layout made from the result, and the image's commands started from it.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'long-running/Dockerfile'), 'utf8');
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}
/** Instructions per stage (comments and line continuations handled), in order. */
function stages(text: string): { name: string | null; from: string; steps: Instruction[] }[] {
  const out: { name: string | null; from: string; steps: Instruction[] }[] = [];
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword!.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      out.push({ from: m[1]!, name: m[2] ?? null, steps: [] });
    } else out.at(-1)!.steps.push({ keyword: keyword!.toUpperCase(), args });
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('long-running/Dockerfile', () => {
  it('lints clean (dockerfile-utils) and is a two-stage production build', () => {
    expect(validate(dockerfile)).toEqual([]);
    const [build, final] = stages(dockerfile);
    expect(build!.name).toBe('build');
    expect(
      build!.steps.some((s) => s.keyword === 'RUN' && /\bpnpm\b.*\bdeploy\b.*--prod\b/.test(s.args)),
    ).toBe(true);
    // the image ships the deploy output only: no sources, no workspace, no dev tooling
    expect(final!.steps.filter((s) => s.keyword === 'COPY').map((s) => s.args)).toEqual([
      '--from=build /out ./long-running',
    ]);
    expect(final!.steps.find((s) => s.keyword === 'USER')?.args).toBe('node');
    expect(final!.steps.find((s) => s.keyword === 'ENV')?.args).toBe('NODE_ENV=production');
  });

  it('flags what the linter should (the check is real)', () => {
    expect(validate('FROM node:22\nCMD ["node"]\nCMD ["node"]\n').length).toBeGreaterThan(0);
  });

  describe('its steps, run outside a container', () => {
    const work = mkdtempSync(join(tmpdir(), 'enigma-image-'));
    const prefix = randomPrefix();
    afterAll(async () => {
      rmSync(work, { recursive: true, force: true });
      await deletePrefix(prefix);
    });

    it('builds a production tree without wrangler, CCXT or vitest, whose migrate and gateway start and stop cleanly', {
      timeout: 600_000,
    }, async () => {
      const [build, final] = stages(dockerfile);
      // COPY . . of the build context: the repository's files (what a clean clone has; .dockerignore
      // keeps node_modules and build output out, which git does not track either).
      const context = join(work, 'src');
      const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
        .split('\0')
        .filter((f) => f && existsSync(join(root, f)));
      for (const f of files) {
        mkdirSync(dirname(join(context, f)), { recursive: true });
        cpSync(join(root, f), join(context, f));
      }
      const out = join(work, 'out');
      let pnpm: string | null = null;
      for (const step of build!.steps.filter((s) => s.keyword === 'RUN')) {
        const global = /^npm install -g pnpm@(\S+)$/.exec(step.args);
        if (global) {
          pnpm = global[1]!; // the host runs that pnpm through npx instead of installing it globally
          continue;
        }
        expect(pnpm, 'pnpm is installed before it is used').not.toBeNull();
        const command = step.args.replace(/\/out\b/g, out).replace(/^pnpm\b/, `npx -y pnpm@${pnpm}`);
        await run('bash', ['-c', command], {
          cwd: context,
          env: { ...process.env, npm_config_prefer_offline: 'true', CI: 'true' },
          maxBuffer: 64 * 1024 * 1024,
        });
      }
      // The final stage: WORKDIR /app, COPY --from=build /out ./long-running, the data directory.
      const app = join(work, 'app');
      mkdirSync(app);
      renameSync(out, join(app, 'long-running'));
      mkdirSync(join(app, '.data'));

      const installed = readdirSync(join(app, 'long-running/node_modules/.pnpm'));
      for (const dev of [
        'wrangler',
        'ccxt',
        'vitest',
        'typescript',
        '@biomejs',
        'miniflare',
        'drizzle-kit',
      ]) {
        expect(
          installed.filter((p) => p.startsWith(`${dev.replace('/', '+')}@`) || p.startsWith(`${dev}+`)),
          dev,
        ).toEqual([]);
      }
      for (const pkg of ['core', 'db', 'workers']) {
        // injected copies, not links back into the build context
        expect(existsSync(join(app, `long-running/node_modules/@enigma/${pkg}/package.json`)), pkg).toBe(
          true,
        );
      }
      rmSync(context, { recursive: true, force: true });

      const env = {
        PATH: process.env['PATH'],
        NODE_ENV: 'production',
        ENIGMA_DATA_DIR: join(app, '.data'),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET: 'j'.repeat(40),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      };
      const cmd = JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)![1]!) as string[];
      expect(cmd.slice(0, 2)).toEqual(['node', 'long-running/bin/enigma.js']);
      const enigma = (args: string[]) =>
        run(process.execPath, ['long-running/bin/enigma.js', ...args], { cwd: app, env, encoding: 'utf8' });

      // the CMD's command and fly.toml's release command exist and run
      const help = await enigma(['--help']);
      for (const c of ['engine', 'collector', 'gateway', 'migrate']) expect(help.stdout).toContain(`  ${c} `);
      expect((await enigma([cmd[2]!, '--help'])).stdout).toContain(`usage: enigma ${cmd[2]}`);
      const migrated = await enigma(['migrate']);
      expect(`${migrated.stdout}${migrated.stderr}`).toMatch(/migrat/);

      // a process as fly.toml starts it: healthy, scraped, and gone with exit 0 on SIGTERM
      const port = await freePort();
      const child = spawn(
        process.execPath,
        ['long-running/bin/enigma.js', 'gateway', '--port', String(port)],
        {
          cwd: app,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let log = '';
      child.stdout!.on('data', (d: Buffer) => {
        log += d.toString();
      });
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
      });
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 60_000);
          child.stdout!.on('data', () => {
            if (log.includes('gateway: ws://')) {
              clearTimeout(timer);
              resolve();
            }
          });
          void exit.then((code) => reject(new Error(`gateway exited with ${code}:\n${log}`)));
        });
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
        expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain(
          'enigma_gateway_clients',
        );
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exit).toBe(0);
      expect(final!.from).toBe(build!.from);
    });
  });
});
