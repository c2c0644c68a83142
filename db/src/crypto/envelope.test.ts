import { describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8, randomSecret, timingSafeEqual, toBase64Url, toHex } from './encoding.ts';
import {
  DecryptionError,
  generateMasterKey,
  importMasterKey,
  openRecord,
  sealRecord,
  toMasterKey,
} from './envelope.ts';

describe('envelope encryption', () => {
  const ref = { table: 'exchange_credentials', id: '5b0c7f0e-0000-4000-8000-000000000001' };

  it('round-trips fields and never repeats a ciphertext for the same plaintext', async () => {
    const mk = await importMasterKey(generateMasterKey());
    const a = await sealRecord(mk, ref, { secret: 'hunter2', other: 'ünïcødé ✓' });
    const b = await sealRecord(mk, ref, { secret: 'hunter2', other: 'ünïcødé ✓' });
    expect(a.fields.secret).not.toBe(b.fields.secret);
    expect(a.dataKey).not.toBe(b.dataKey);
    expect(a.fields.secret).toMatch(/^v1\./);
    expect(await openRecord(mk, ref, a)).toEqual({ secret: 'hunter2', other: 'ünïcødé ✓' });
  });

  it('binds each ciphertext to its table, row and field', async () => {
    const mk = await importMasterKey(generateMasterKey());
    const sealed = await sealRecord(mk, ref, { secret: 'hunter2', other: 'x' });
    await expect(openRecord(mk, { ...ref, table: 'webhook_source_secrets' }, sealed)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(openRecord(mk, { ...ref, id: crypto.randomUUID() }, sealed)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    const swapped = { ...sealed, fields: { secret: sealed.fields.other, other: sealed.fields.secret } };
    await expect(openRecord(mk, ref, swapped)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('detects a flipped bit and a foreign master key', async () => {
    const mk = await importMasterKey(generateMasterKey());
    const sealed = await sealRecord(mk, ref, { secret: 'hunter2' });
    const body = sealed.fields.secret.slice(3);
    const flipped = `v1.${body.startsWith('A') ? `B${body.slice(1)}` : `A${body.slice(1)}`}`;
    await expect(openRecord(mk, ref, { ...sealed, fields: { secret: flipped } })).rejects.toBeInstanceOf(
      DecryptionError,
    );
    const other = await importMasterKey(generateMasterKey());
    await expect(openRecord(other, ref, sealed)).rejects.toThrow(/master key/);
    // Even with the fingerprint forged, the wrapped data key does not open under another key.
    await expect(openRecord(other, ref, { ...sealed, masterKeyId: other.id })).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it('accepts only 32-byte base64 master keys', async () => {
    await expect(importMasterKey('not base64!!')).rejects.toThrow(/base64/);
    await expect(importMasterKey(btoa('x'.repeat(16)))).rejects.toThrow(/32 bytes/);
    await expect(importMasterKey(btoa('x'.repeat(32)))).resolves.toHaveProperty('id');
  });

  it('compares secrets by value regardless of length', async () => {
    const s = randomSecret();
    expect(await timingSafeEqual(s, s)).toBe(true);
    expect(await timingSafeEqual(s, `${s}a`)).toBe(false);
    expect(await timingSafeEqual('', s)).toBe(false);
  });

  it('uses a fresh random IV for every field and for the wrapped data key (no GCM nonce reuse)', async () => {
    const mk = await importMasterKey(generateMasterKey());
    const ivOf = (stored: string) => toHex(fromBase64(stored.slice(3)).slice(0, 12));
    const ivs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sealed = await sealRecord(mk, ref, { apiKey: 'k', secret: 'hunter2', passphrase: 'p' });
      ivs.push(ivOf(sealed.dataKey), ...Object.values(sealed.fields).map(ivOf));
    }
    expect(ivs).toHaveLength(12);
    // all 12 distinct: the same IV under one data key for two fields would reuse a GCM nonce
    expect(new Set(ivs).size).toBe(12);
    for (const iv of ivs) {
      expect(iv).toHaveLength(24);
      expect(iv).not.toBe('0'.repeat(24));
    }
    // a random 96-bit IV has, on average, 48 one bits; a counter or constant would not
    const ones = ivs
      .join('')
      .split('')
      .reduce((n, h) => n + Number.parseInt(h, 16).toString(2).split('1').length - 1, 0);
    expect(ones / ivs.length).toBeGreaterThan(30);
    expect(ones / ivs.length).toBeLessThan(66);
  });

  it('opens a record sealed by an independent implementation (fixed vector)', async () => {
    // Made once with /usr/bin/python3 and the `cryptography` package (AESGCM):
    //   K = bytes(range(32)); D = bytes(range(0x40, 0x60))
    //   aad(f) = f"enigma/v1|exchange_credentials|5b0c7f0e-0000-4000-8000-000000000001|{f}"
    //   seal(key, iv, pt, f) = 'v1.' + b64(iv + AESGCM(key).encrypt(iv, pt, aad(f)))
    //   dataKey = seal(K, a1×12, D, 'data_key'); secret = seal(D, b2×12, b'hunter2', 'secret')
    //   passphrase = seal(D, c3×12, 'ünïcødé ✓'.encode(), 'passphrase')
    //   masterKeyId = sha256(f"enigma-master-key:{b64(K)}").hexdigest()[:16]
    const mk = await importMasterKey('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=');
    expect(mk.id).toBe('e28b675693666175');
    const sealed = {
      masterKeyId: 'e28b675693666175',
      dataKey: 'v1.oaGhoaGhoaGhoaGh5YG5HZdbN5OMVOsGpHWJmCFgDxAOvKa/E3KK+4+QvopUDFnajnsbVaWqMaUfntu6',
      fields: {
        secret: 'v1.srKysrKysrKysrKy7pnzHWZvAo8jvxrNwdmEabHs4FScVJs=',
        passphrase: 'v1.w8PDw8PDw8PDw8PDobY+tOrWy3BOjbnKGYd2WMbw/nhaXIUZWkbisR48jw==',
      },
    };
    expect(await openRecord(mk, ref, sealed)).toEqual({ secret: 'hunter2', passphrase: 'ünïcødé ✓' });
    // the same bytes bound to another field name do not open
    await expect(
      openRecord(mk, ref, { ...sealed, fields: { passphrase: sealed.fields.secret } }),
    ).rejects.toBeInstanceOf(DecryptionError);
  });

  it('refuses a stored string of another format, and says which check failed', async () => {
    const mk = await importMasterKey(generateMasterKey());
    const sealed = await sealRecord(mk, ref, { secret: 'hunter2' });
    for (const bad of [`v2.${sealed.fields.secret.slice(3)}`, 'v1.', 'garbage']) {
      const error = await openRecord(mk, ref, { ...sealed, fields: { secret: bad } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DecryptionError);
      expect(error).toMatchObject({ name: 'DecryptionError', message: 'unknown ciphertext format' });
    }
    const body = sealed.fields.secret.slice(3);
    const flipped = `v1.${body.startsWith('A') ? `B${body.slice(1)}` : `A${body.slice(1)}`}`;
    await expect(openRecord(mk, ref, { ...sealed, fields: { secret: flipped } })).rejects.toThrow(
      'ciphertext failed authentication',
    );
  });

  it('takes the master key as base64 (surrounding whitespace ignored) or already imported', async () => {
    const b64 = generateMasterKey();
    const mk = await importMasterKey(b64);
    expect((await importMasterKey(`  ${b64}\n`)).id).toBe(mk.id);
    expect((await toMasterKey(b64)).id).toBe(mk.id);
    expect(await toMasterKey(mk)).toBe(mk);
    const sealed = await sealRecord(await toMasterKey(`${b64}\n`), ref, { secret: 's' });
    expect(await openRecord(mk, ref, sealed)).toEqual({ secret: 's' });
  });

  it('encodes base64url without padding and refuses invalid UTF-8', () => {
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(toBase64Url(Uint8Array.of(0xff))).toBe('_w');
    expect(toBase64Url(Uint8Array.of(1, 2, 3))).toBe('AQID');
    expect(() => fromUtf8(Uint8Array.of(0xc3, 0x28))).toThrow();
    expect(fromUtf8(Uint8Array.of(0xc3, 0xa9))).toBe('é');
  });
});
