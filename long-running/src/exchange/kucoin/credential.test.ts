import { describe, expect, it } from 'vitest';
import { hmacBase64, prehash, signHeaders } from './credential.ts';

// Vectors from KUCOIN.md §1.4 (the universal SDK's unit test and locally recomputed examples).
const docSecret = 'f03a5284-5c39-4aaa-9b20-dea10bdcf8e3';

describe('KuCoin request signing', () => {
  it('matches the universal SDK signer vector', () => {
    expect(hmacBase64('test_api_secret', 'test_plain')).toBe('jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4=');
  });

  it('signs a GET with its query in the path and an empty body', () => {
    const text = prehash(1700000000000, 'get', '/api/v1/orders?status=active&symbol=XBTUSDTM', '');
    expect(text).toBe('1700000000000GET/api/v1/orders?status=active&symbol=XBTUSDTM');
    expect(hmacBase64(docSecret, text)).toBe('0CFAVrx0dYNWOUZlLV1xcoZV3kwVrK9rWvxmt+X9ukk=');
  });

  it('signs a POST over the exact JSON body', () => {
    const body =
      '{"clientOid":"abc-1","side":"buy","symbol":"XBTUSDTM","type":"limit","leverage":3,"price":"60000","size":1}';
    expect(hmacBase64(docSecret, prehash(1700000000000, 'POST', '/api/v1/orders', body))).toBe(
      'C2gQwT2petkjT08wf23qtBLx+qUmJWV8U521btmwHJs=',
    );
  });

  it('signs the passphrase for key versions 2 and 3 but sends it in clear for version 1', () => {
    const cred = { apiKey: 'k', apiSecret: 'test_api_secret', passphrase: 'test_passphrase' };
    for (const keyVersion of ['2', '3'] as const) {
      const h = signHeaders({ ...cred, keyVersion }, 1, 'GET', '/api/v1/timestamp', '');
      expect(h['KC-API-PASSPHRASE']).toBe('Ikr9KjwgA4urCb5Az1TNKgQELW10z84iOq+wsZsRRz0=');
      expect(h['KC-API-KEY-VERSION']).toBe(keyVersion);
    }
    const v1 = signHeaders({ ...cred, keyVersion: '1' }, 1, 'GET', '/api/v1/timestamp', '');
    expect(v1['KC-API-PASSPHRASE']).toBe('test_passphrase');
  });

  it('puts the same timestamp in the header and in the signed text', () => {
    const cred = { apiKey: 'key', apiSecret: docSecret, passphrase: 'p', keyVersion: '2' as const };
    const h = signHeaders(cred, 1700000000000, 'GET', '/api/v1/orders?status=active&symbol=XBTUSDTM', '');
    expect(h).toMatchObject({
      'KC-API-KEY': 'key',
      'KC-API-TIMESTAMP': '1700000000000',
      'KC-API-SIGN': '0CFAVrx0dYNWOUZlLV1xcoZV3kwVrK9rWvxmt+X9ukk=',
    });
  });
});
