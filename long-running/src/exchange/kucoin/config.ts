import type { KeyVersion, KucoinCredential } from './credential.ts';
import type { KucoinHttpOptions } from './http.ts';

/** The KuCoin settings of the validated env (long-running/src/env.ts owns reading process.env). */
export interface KucoinEnv {
  KUCOIN_API_KEY?: string | undefined;
  KUCOIN_API_SECRET?: string | undefined;
  KUCOIN_API_PASSPHRASE?: string | undefined;
  KUCOIN_KEY_VERSION?: KeyVersion | undefined;
  KUCOIN_FUTURES_URL?: string | undefined;
}

/** Production KuCoin Futures REST host. */
export const KUCOIN_FUTURES_URL = 'https://api-futures.kucoin.com';

/** Missing or partial KuCoin key configuration. */
export class KucoinConfigError extends Error {
  override readonly name = 'KucoinConfigError';
}

/**
 * HTTP client options from env. A credential is set only when key, secret and passphrase are all
 * present; a partial set is an error rather than a silently public-only client.
 *
 * @example new KucoinHttpClient(kucoinHttpOptions(loadEnv()))
 */
export function kucoinHttpOptions(env: KucoinEnv): KucoinHttpOptions {
  const parts = {
    KUCOIN_API_KEY: env.KUCOIN_API_KEY,
    KUCOIN_API_SECRET: env.KUCOIN_API_SECRET,
    KUCOIN_API_PASSPHRASE: env.KUCOIN_API_PASSPHRASE,
  };
  const missing = Object.entries(parts)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  const baseUrl = env.KUCOIN_FUTURES_URL || KUCOIN_FUTURES_URL;
  if (missing.length === 3) return { baseUrl };
  if (missing.length > 0)
    throw new KucoinConfigError(`KuCoin key partly configured: missing ${missing.join(', ')}`);
  const credential: KucoinCredential = {
    apiKey: parts.KUCOIN_API_KEY!,
    apiSecret: parts.KUCOIN_API_SECRET!,
    passphrase: parts.KUCOIN_API_PASSPHRASE!,
    keyVersion: env.KUCOIN_KEY_VERSION ?? '3',
  };
  return { baseUrl, credential };
}
