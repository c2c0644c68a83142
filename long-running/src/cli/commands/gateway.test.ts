import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../../bus/testing/redis-prefix.ts';

const bin = fileURLToPath(new URL('../../../bin/enigma.js', import.meta.url));

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

describe('enigma gateway (alone, as production runs it)', () => {
  const prefix = randomPrefix();
  afterAll(() => deletePrefix(prefix));

  it('serves its own /metrics: clients, queue depth of its consumer group, event-loop delay; exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bin, 'gateway', '--port', String(port), '--group', 'gw-metrics'], {
      env: {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET: 'x'.repeat(40),
        ENIGMA_DATA_DIR: mkdtempSync(join(tmpdir(), 'enigma-gw-')),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gateway did not come up:\n${out}`)), 60_000);
        child.stdout!.on('data', () => {
          if (out.includes('gateway: ws://')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exit.then((code) => reject(new Error(`gateway exited with ${code}:\n${out}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/^enigma_gateway_clients\{app="enigma"\} 0$/m);
      expect(text).toMatch(
        /^enigma_bus_pending\{stream="signals:incoming",group="gw-metrics",app="enigma"\} 0$/m,
      );
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{app="enigma"\} [0-9.e+-]+$/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
  }, 90_000);
});
