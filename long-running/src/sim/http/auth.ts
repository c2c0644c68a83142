import { createHmac, timingSafeEqual } from 'node:crypto';
import { SimError } from '../errors.ts';

/** The API credentials the simulator accepts. */
export interface SimCredentials {
  key: string;
  secret: string;
  passphrase: string;
}

/** KuCoin's accepted clock skew for KC-API-TIMESTAMP. */
export const TIMESTAMP_WINDOW_MS = 5_000;

const sign = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The prehash KuCoin signs: timestamp + METHOD + path + ("?" + percent-decoded query, in the order
 * received) + raw body. Clients differ in whether they percent-encode the query on the wire, but all
 * sign the decoded form.
 */
export function prehash(
  timestamp: string,
  method: string,
  path: string,
  rawQuery: string,
  body: string,
): string {
  let query = rawQuery;
  try {
    query = decodeURIComponent(rawQuery);
  } catch {
    // A malformed escape is signed as sent.
  }
  return `${timestamp}${method.toUpperCase()}${path}${query ? `?${query}` : ''}${body}`;
}

/**
 * Verify a private request exactly as KuCoin's gateway does; throws the gateway error
 * (400001…400005, 400009) with its HTTP status.
 */
export function verifyRequest(args: {
  headers: (name: string) => string | undefined;
  method: string;
  path: string;
  rawQuery: string;
  body: string;
  now: number;
  credentials: SimCredentials;
}): void {
  const h = args.headers;
  const key = h('kc-api-key');
  const signature = h('kc-api-sign');
  const timestamp = h('kc-api-timestamp');
  const passphrase = h('kc-api-passphrase');
  if (!key || !signature || !timestamp || !passphrase)
    throw new SimError(
      '400001',
      'Please check the header of your request for KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE',
      401,
    );
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(args.now - ts) > TIMESTAMP_WINDOW_MS)
    throw new SimError('400002', 'Invalid KC-API-TIMESTAMP', 400);
  if (!same(key, args.credentials.key)) throw new SimError('400003', 'KC-API-KEY not exists', 401);
  const version = h('kc-api-key-version') ?? '1';
  if (!['1', '2', '3'].includes(version)) throw new SimError('400009', 'Invalid KC-API-KEY-VERSION', 400);
  const expectedPass =
    version === '1'
      ? args.credentials.passphrase
      : sign(args.credentials.secret, args.credentials.passphrase);
  if (!same(passphrase, expectedPass)) throw new SimError('400004', 'Invalid KC-API-PASSPHRASE', 401);
  const expected = sign(
    args.credentials.secret,
    prehash(timestamp, args.method, args.path, args.rawQuery, args.body),
  );
  if (!same(signature, expected)) throw new SimError('400005', 'Invalid KC-API-SIGN', 401);
}

/** Sign a request the way KuCoin clients do (tests, the mirror source). */
export function signRequest(
  credentials: SimCredentials,
  method: string,
  pathWithQuery: string,
  body: string,
  timestamp: number,
): Record<string, string> {
  const ts = String(timestamp);
  const [path = '', query = ''] = pathWithQuery.split('?', 2);
  return {
    'KC-API-KEY': credentials.key,
    'KC-API-SIGN': sign(credentials.secret, prehash(ts, method, path, query, body)),
    'KC-API-TIMESTAMP': ts,
    'KC-API-PASSPHRASE': sign(credentials.secret, credentials.passphrase),
    'KC-API-KEY-VERSION': '2',
    'Content-Type': 'application/json',
  };
}
