import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseWorkerEnv } from './env.ts';
import worker from './worker.ts';

const valid = {
  DATABASE_URL: 'postgres://u:p@db.example/neondb',
  UPSTASH_REDIS_REST_URL: 'https://example.upstash.io',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  JWT_SECRET: 'j'.repeat(32),
  ENIGMA_MASTER_KEY: 'A'.repeat(43) + '=',
};

afterEach(() => vi.restoreAllMocks());

describe('worker environment', () => {
  it('applies defaults to optional vars', () => {
    expect(parseWorkerEnv(valid)).toMatchObject({
      REDIS_KEY_PREFIX: '',
      MAX_BODY_BYTES: 65536,
      LOG_LEVEL: 'info',
    });
  });

  it('names every bad binding without echoing values', () => {
    const bad = { ...valid, JWT_SECRET: 'too-short-but-secret', DATABASE_URL: 'mysql://secret-host' };
    const err = (() => {
      try {
        parseWorkerEnv(bad);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toContain('JWT_SECRET');
    expect(err?.message).toContain('DATABASE_URL');
    expect(err?.message).not.toContain('too-short-but-secret');
    expect(err?.message).not.toContain('secret-host');
  });

  it('answers 503 with the error envelope when bindings are missing, and logs no values', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => {
      logged.push(line);
    });
    const res = await worker.fetch(
      new Request('http://edge.test/healthz'),
      { JWT_SECRET: 'leaky-value' },
      { waitUntil() {} },
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(logged.join('\n')).toContain('DATABASE_URL');
    expect(logged.join('\n')).not.toContain('leaky-value');
  });
});
