import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Resolve and create the embedded data directory (PGlite files, generated keys). */
export function ensureDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  return abs;
}

/**
 * The master key that wraps per-record data keys. Production passes ENIGMA_MASTER_KEY; the embedded
 * default generates one on first start and keeps it beside the data it protects (mode 0600), so a
 * second start can still decrypt what the first stored.
 */
export function resolveMasterKey(
  dataDir: string,
  fromEnv: string | undefined,
): { key: string; source: 'env' | 'file' | 'generated' } {
  if (fromEnv) return { key: fromEnv, source: 'env' };
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (Buffer.from(key, 'base64').length !== 32)
      throw new Error(`${file} does not hold a 32-byte base64 key`);
    return { key, source: 'file' };
  }
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, source: 'generated' };
}

/** Same idea for the JWT signing secret of the embedded default. */
export function resolveJwtSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'jwt.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
