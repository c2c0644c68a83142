import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveJwtSecret, resolveMasterKey } from './data-dir.ts';

describe('resolveMasterKey', () => {
  it('generates a 32-byte key once, private to the owner, and reuses it on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enigma-key-'));
    const first = resolveMasterKey(dir, undefined);
    expect(first.source).toBe('generated');
    expect(Buffer.from(first.key, 'base64')).toHaveLength(32);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    const second = resolveMasterKey(dir, undefined);
    expect(second).toEqual({ key: first.key, source: 'file' });
  });

  it('prefers the environment and refuses a damaged key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enigma-key-'));
    expect(resolveMasterKey(dir, 'from-env').source).toBe('env');
    writeFileSync(join(dir, 'master.key'), 'not-a-key');
    expect(() => resolveMasterKey(dir, undefined)).toThrow(/32-byte/);
  });

  it('keeps the JWT secret stable across starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enigma-jwt-'));
    const a = resolveJwtSecret(dir, undefined);
    expect(resolveJwtSecret(dir, undefined)).toBe(a);
    expect(readFileSync(join(dir, 'jwt.secret'), 'utf8').trim()).toBe(a);
  });
});
