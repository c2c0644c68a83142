import { describe, expect, it } from 'vitest';
import { randomSecret, timingSafeEqual } from './encoding.ts';
import { DecryptionError, generateMasterKey, importMasterKey, openRecord, sealRecord } from './envelope.ts';

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
});
