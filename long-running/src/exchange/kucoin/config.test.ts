import { describe, expect, it } from 'vitest';
import { KucoinConfigError, kucoinHttpOptions } from './config.ts';

describe('KuCoin client configuration from env', () => {
  it('defaults to the production host and no credential', () => {
    expect(kucoinHttpOptions({})).toEqual({ baseUrl: 'https://api-futures.kucoin.com' });
  });

  it('builds a credential when key, secret and passphrase are all set', () => {
    const o = kucoinHttpOptions({
      KUCOIN_API_KEY: 'k',
      KUCOIN_API_SECRET: 's',
      KUCOIN_API_PASSPHRASE: 'p',
      KUCOIN_KEY_VERSION: '3',
      KUCOIN_FUTURES_URL: 'http://127.0.0.1:9999',
    });
    expect(o).toEqual({
      baseUrl: 'http://127.0.0.1:9999',
      credential: { apiKey: 'k', apiSecret: 's', passphrase: 'p', keyVersion: '3' },
    });
  });

  it('refuses a partial key, naming what is missing', () => {
    expect(() => kucoinHttpOptions({ KUCOIN_API_KEY: 'k' })).toThrow(KucoinConfigError);
    expect(() => kucoinHttpOptions({ KUCOIN_API_KEY: 'k' })).toThrow(
      /KUCOIN_API_SECRET, KUCOIN_API_PASSPHRASE/,
    );
  });
});
