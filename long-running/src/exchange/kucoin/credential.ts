import { createHmac } from 'node:crypto';

/** KuCoin API key versions. v1 sends the passphrase in clear; v2/v3 send it HMAC-signed with the secret. */
export type KeyVersion = '1' | '2' | '3';

/** One API key. Never logged: `toJSON` and `toString` redact it. */
export interface KucoinCredential {
  apiKey: string;
  apiSecret: string;
  passphrase: string;
  keyVersion: KeyVersion;
}

/**
 * base64(HMAC-SHA256(secret, message)), the primitive behind KC-API-SIGN and the v2/v3 passphrase.
 *
 * @example hmacBase64('test_api_secret', 'test_plain') // 'jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4='
 */
export function hmacBase64(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64');
}

/**
 * The text KuCoin signs: timestamp + UPPER(method) + path (with the *decoded* query) + body.
 * The query is signed un-URL-encoded (KuCoin docs-new authentication example), in the order sent.
 */
export function prehash(timestampMs: number, method: string, pathWithQuery: string, body: string): string {
  return `${timestampMs}${method.toUpperCase()}${pathWithQuery}${body}`;
}

/**
 * The five KC-API-* headers for one private request.
 *
 * @example
 * signHeaders(cred, 1700000000000, 'GET', '/api/v1/orders?status=active&symbol=XBTUSDTM', '')
 */
export function signHeaders(
  credential: KucoinCredential,
  timestampMs: number,
  method: string,
  pathWithQuery: string,
  body: string,
): Record<string, string> {
  const sign = hmacBase64(credential.apiSecret, prehash(timestampMs, method, pathWithQuery, body));
  const passphrase =
    credential.keyVersion === '1'
      ? credential.passphrase
      : hmacBase64(credential.apiSecret, credential.passphrase);
  return {
    'KC-API-KEY': credential.apiKey,
    'KC-API-SIGN': sign,
    'KC-API-TIMESTAMP': String(timestampMs),
    'KC-API-PASSPHRASE': passphrase,
    'KC-API-KEY-VERSION': credential.keyVersion,
  };
}
