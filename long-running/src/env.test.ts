import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from './env.ts';

describe('loadEnv', () => {
  it('applies the embedded defaults when nothing is set', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(8787);
    expect(env.ENIGMA_DATA_DIR).toBe('.data');
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable with its reason', () => {
    try {
      loadEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ENIGMA_MASTER_KEY: 'short' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const names = (error as EnvError).issues.map((i) => i.variable).sort();
      expect(names).toEqual(['DATABASE_URL', 'ENIGMA_MASTER_KEY', 'PORT']);
      expect((error as Error).message).toContain('postgres://');
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
