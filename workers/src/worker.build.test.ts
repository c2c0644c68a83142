import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const workersDir = fileURLToPath(new URL('..', import.meta.url));

describe('wrangler deploy --dry-run', () => {
  it('bundles the worker from the root wrangler.toml for every environment', async () => {
    const wrangler = join(workersDir, 'node_modules', '.bin', 'wrangler');
    for (const env of ['dev', 'staging', 'production']) {
      const out = mkdtempSync(join(tmpdir(), 'enigma-wrangler-'));
      try {
        await promisify(execFile)(
          wrangler,
          ['deploy', '--dry-run', '--outdir', out, '-c', '../wrangler.toml', '--env', env],
          { cwd: workersDir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, timeout: 120_000 },
        );
        expect(existsSync(join(out, 'worker.js'))).toBe(true);
        expect(readdirSync(out).some((f) => f.endsWith('.js'))).toBe(true);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }, 300_000);
});
