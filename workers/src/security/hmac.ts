import { timingSafeEqualText, toHex } from './compare.ts';

/** Header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.rawBody">` (Stripe's scheme). */
export const SIGNATURE_HEADER = 'enigma-signature';
/** Signatures older or newer than this are refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * HMAC-SHA256 hex of `timestamp + "." + rawBody` with `secret`.
 *
 * @example const header = `t=${t},v1=${await signPayload(secret, t, body)}`
 */
export async function signPayload(secret: string, timestamp: number, rawBody: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${rawBody}`));
  return toHex(new Uint8Array(mac));
}

/**
 * Verify a signature header against any of the source's valid secrets (several during a rotation),
 * within the tolerance around `nowMs`. Every `v1=` value in the header is tried, as Stripe does.
 */
export async function verifySignature(
  header: string | undefined,
  rawBody: string,
  secrets: readonly string[],
  nowMs: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v) signatures.push(v.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0)
    return { ok: false, reason: 'malformed signature header' };
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, reason: `signature timestamp outside the ${toleranceSeconds} s tolerance` };
  }
  let matched = false;
  for (const secret of secrets) {
    const expected = await signPayload(secret, timestamp, rawBody);
    for (const s of signatures) if (await timingSafeEqualText(s, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
