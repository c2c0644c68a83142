// Deploys from the repository root (docs/deploy.md):
//   pnpm deploy:edge <env> [wrangler deploy options…]   the worker, with the root wrangler.toml
//   pnpm deploy:long-running [fly deploy options…]      the long-running app, with the root fly.toml
// Refuses, before running anything, when the environment is not one of wrangler.toml's or the
// provider's API token is missing. `pnpm deploy:edge <env> --dry-run --outdir <dir>` bundles without
// a token (what CI does).
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The environments `[env.<name>]` that the root wrangler.toml defines. */
export function wranglerEnvironments(path = join(root, 'wrangler.toml')): string[] {
  const config = parse(readFileSync(path, 'utf8')) as { env?: Record<string, unknown> };
  return Object.keys(config.env ?? {});
}

function findOnPath(names: string[]): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {}
    }
  }
  return undefined;
}

export type Plan = { ok: true; command: string; args: string[] } | { ok: false; message: string };

const edgeUsage = (envs: string[]) =>
  `usage: pnpm deploy:edge <env> [wrangler deploy options]\n  <env> is one of wrangler.toml's environments: ${envs.join(', ')}`;

export function planEdge(argv: string[], env: NodeJS.ProcessEnv = process.env): Plan {
  const envs = wranglerEnvironments();
  const [name, ...rest] = argv;
  if (!name || name.startsWith('-')) {
    return { ok: false, message: `deploy:edge: the environment is missing\n${edgeUsage(envs)}` };
  }
  if (!envs.includes(name)) {
    return {
      ok: false,
      message: `deploy:edge: unknown environment "${name}": wrangler.toml defines ${envs.join(', ')}\n${edgeUsage(envs)}`,
    };
  }
  if (rest.includes('--env') || rest.includes('-e') || rest.some((a) => a.startsWith('--env='))) {
    return { ok: false, message: 'deploy:edge: give the environment once, as the first argument (no --env)' };
  }
  const dryRun = rest.includes('--dry-run');
  if (!dryRun && !env.CLOUDFLARE_API_TOKEN) {
    return {
      ok: false,
      message:
        'deploy:edge: CLOUDFLARE_API_TOKEN is not set. Create an API token with the "Edit Cloudflare Workers" ' +
        'template (dash.cloudflare.com/profile/api-tokens), export it (and CLOUDFLARE_ACCOUNT_ID if the token ' +
        'sees several accounts), then run this again. Nothing was deployed.',
    };
  }
  return {
    ok: true,
    command: join(root, 'node_modules', '.bin', 'wrangler'),
    args: ['deploy', '--config', join(root, 'wrangler.toml'), '--env', name, ...rest],
  };
}

export function planLongRunning(argv: string[], env: NodeJS.ProcessEnv = process.env): Plan {
  if (argv.includes('--config') || argv.includes('-c')) {
    return { ok: false, message: 'deploy:long-running: the root fly.toml is always used (no --config)' };
  }
  if (!env.FLY_API_TOKEN) {
    return {
      ok: false,
      message:
        'deploy:long-running: FLY_API_TOKEN is not set. Create one with `fly tokens create deploy` ' +
        '(or `fly auth token`), export it, then run this again. Nothing was deployed.',
    };
  }
  const fly = findOnPath(['flyctl', 'fly']);
  if (!fly) {
    return {
      ok: false,
      message:
        'deploy:long-running: flyctl is not on PATH. Install it (curl -L https://fly.io/install.sh | sh), ' +
        'then run this again. Nothing was deployed.',
    };
  }
  // The image is built by Fly's remote builder from the repository root (long-running/Dockerfile).
  const remote = argv.some((a) => a === '--local-only' || a.startsWith('--remote-only'))
    ? []
    : ['--remote-only'];
  return { ok: true, command: fly, args: ['deploy', '--config', join(root, 'fly.toml'), ...remote, ...argv] };
}

async function main(argv: string[]): Promise<number> {
  const [target, ...rest] = argv;
  const plan =
    target === 'edge'
      ? planEdge(rest)
      : target === 'long-running'
        ? planLongRunning(rest)
        : ({ ok: false, message: 'usage: deploy.ts edge <env> | long-running' } as const);
  if (!plan.ok) {
    console.error(plan.message);
    return 2;
  }
  console.error(`> ${plan.command} ${plan.args.join(' ')}`);
  const child = spawn(plan.command, plan.args, { cwd: root, stdio: 'inherit' });
  return await new Promise<number>((resolve) => {
    child.on('error', (error) => {
      console.error(`${target}: could not run ${plan.command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
