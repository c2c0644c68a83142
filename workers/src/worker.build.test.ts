import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { rootScript } from '../../scripts/root-script.ts';

// The worker as `pnpm deploy:edge <env>` (scripts/deploy.ts) ships it, bundled by wrangler offline.
const root = fileURLToPath(new URL('../..', import.meta.url));
const environments = Object.keys(
  (parse(readFileSync(join(root, 'wrangler.toml'), 'utf8')) as { env?: Record<string, unknown> }).env ?? {},
);

/**
 * Cloudflare's Workers size limit on the gzip-compressed upload: 3 MiB on the Free plan, 10 MiB on
 * Workers Paid. We enforce the Free limit so every environment deploys on the entry plan (docs/deploy.md).
 */
const WORKER_GZIP_LIMIT_BYTES = 3 * 1024 * 1024;

/** The size Cloudflare checks, measured as wrangler does: gzip over the concatenated modules (no source maps). */
function uploadGzipBytes(outdir: string): { files: string[]; bytes: number; gzipBytes: number } {
  const files = readdirSync(outdir)
    .filter((f) => !f.endsWith('.map') && f !== 'README.md')
    .sort();
  const all = Buffer.concat(files.map((f) => readFileSync(join(outdir, f))));
  return { files, bytes: all.length, gzipBytes: gzipSync(all).length };
}

function deploy(args: string[], env: NodeJS.ProcessEnv = {}) {
  const path = [dirname(process.execPath), join(root, 'node_modules', '.bin'), process.env.PATH].join(
    delimiter,
  );
  const { CLOUDFLARE_API_TOKEN: _token, ...inherited } = process.env;
  return promisify(execFile)(process.execPath, [...rootScript('deploy:edge'), ...args], {
    cwd: root,
    env: { ...inherited, PATH: path, WRANGLER_SEND_METRICS: 'false', ...env },
    timeout: 120_000,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe('pnpm deploy:edge <env> --dry-run (wrangler deploy --dry-run --outdir)', () => {
  it('reads the environments from wrangler.toml', () => {
    expect(environments).toEqual(['dev', 'staging', 'production']);
  });

  it('bundles the worker for every environment under the Workers Free size limit', async () => {
    for (const env of environments) {
      const out = mkdtempSync(join(tmpdir(), 'enigma-wrangler-'));
      try {
        const run = await deploy([env, '--dry-run', '--outdir', out]);
        expect(run.code, run.stderr).toBe(0);
        // wrangler resolved this environment's own config, not the top level.
        expect(run.stdout).toContain(`env.REDIS_KEY_PREFIX ("${env === 'production' ? '' : `${env}:`}")`);
        const size = uploadGzipBytes(out);
        expect(size.files).toContain('worker.js');
        // keep_names = false (wrangler.toml): no esbuild `__name` wrapper runs per function or class made
        expect(readFileSync(join(out, 'worker.js'), 'utf8')).not.toContain('__name(');
        console.log(
          `worker bundle [${env}]: ${(size.bytes / 1024).toFixed(0)} KiB, gzip ${(size.gzipBytes / 1024).toFixed(0)} KiB` +
            ` of the ${WORKER_GZIP_LIMIT_BYTES / 1024 / 1024} MiB Workers Free limit`,
        );
        expect(size.gzipBytes, `gzip size of the ${env} bundle`).toBeLessThanOrEqual(WORKER_GZIP_LIMIT_BYTES);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }, 180_000);

  it('measures the gzip size of the modules and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enigma-size-'));
    try {
      writeFileSync(join(dir, 'worker.js'), 'a'.repeat(1000));
      writeFileSync(join(dir, 'worker.js.map'), 'x'.repeat(100_000));
      writeFileSync(join(dir, 'README.md'), 'not uploaded');
      const size = uploadGzipBytes(dir);
      expect(size.files).toEqual(['worker.js']);
      expect(size.bytes).toBe(1000);
      expect(size.gzipBytes).toBe(gzipSync(Buffer.from('a'.repeat(1000))).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pnpm deploy:edge refuses before running wrangler', () => {
  it('without an environment, listing the ones wrangler.toml defines', async () => {
    const run = await deploy([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the environment is missing');
    expect(run.stderr).toContain('dev, staging, production');
  });

  it('with an environment wrangler.toml does not define', async () => {
    const run = await deploy(['prod']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'unknown environment "prod": wrangler.toml defines dev, staging, production',
    );
  });

  it('without CLOUDFLARE_API_TOKEN, saying nothing was deployed', async () => {
    const run = await deploy(['staging']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CLOUDFLARE_API_TOKEN is not set');
    expect(run.stderr).toContain('Nothing was deployed.');
    expect(run.stderr).not.toContain('> ');
  });

  it('with a second --env that would override the first argument', async () => {
    const run = await deploy(['staging', '--env', 'production'], { CLOUDFLARE_API_TOKEN: 'x' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no --env');
  });
});
