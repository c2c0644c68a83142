import { fromBase64, toBase64 } from '@enigma/db/crypto/encoding';
import { timingSafeEqualText } from '../security/compare.ts';

/** Workers cap PBKDF2 at 100,000 iterations; the format records the count so it can rise later on Node. */
const ITERATIONS = 100_000;

/**
 * Hash a password as a self-describing string `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`
 * (WebCrypto, so the same code runs in workerd and Node).
 *
 * @example const stored = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string, iterations = ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Check a password against a stored hash in constant time; unknown formats never verify. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, iter, salt, hash] = stored.split('$');
  if (alg !== 'pbkdf2-sha256' || !iter || !salt || !hash || !/^\d{1,7}$/.test(iter)) return false;
  const iterations = Number(iter);
  if (iterations < 1000 || iterations > ITERATIONS) return false;
  const derived = await derive(password, fromBase64(salt), iterations);
  return timingSafeEqualText(toBase64(derived), hash);
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}
