const encoder = new TextEncoder();

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
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** SHA-256 of UTF-8 text as lower-case hex (how API keys and api-kind source secrets are stored). */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text));
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
