import { createHash } from 'node:crypto';

// node:crypto (Node, and workerd with nodejs_compat) hashes synchronously; WebCrypto's digest is a
// queued job whose overhead dominated the intake's CPU profile under load.

/**
 * Compare two secrets in constant time. Both sides are hashed first so neither the position of the
 * first differing byte nor the length of the expected secret leaks through timing.
 *
 * @example await timingSafeEqualText(given, expected) // true | false
 */
export async function timingSafeEqualText(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** SHA-256 of UTF-8 text. */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

/** SHA-256 of UTF-8 text as lower-case hex (how API keys and api-kind source secrets are stored). */
export async function sha256Hex(text: string): Promise<string> {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** A random URL-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...buf))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/**
 * Whether `presented` is one of the secrets whose SHA-256 hex digests are `digests`: one digest of
 * the presented value, then a constant-time comparison with every candidate (no early exit).
 */
export async function secretMatchesDigests(presented: string, digests: readonly string[]): Promise<boolean> {
  const given = await sha256Hex(presented);
  let matched = 0;
  for (const d of digests) {
    let diff = d.length ^ given.length;
    for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ d.charCodeAt(i);
    matched |= diff === 0 ? 1 : 0;
  }
  return matched === 1;
}
