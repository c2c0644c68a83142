/**
 * AES-256-GCM envelope encryption with WebCrypto (runs in Node and Cloudflare Workers).
 *
 * Each record gets a fresh random 256-bit data key. Every secret field of the record is encrypted with that
 * data key; the data key itself is encrypted ("wrapped") with the master key. The additional authenticated
 * data (AAD) of each ciphertext names the table, the row id and the field, so a ciphertext (or a whole set of
 * columns) copied to another row, table or field fails authentication instead of decrypting.
 *
 * Stored strings are `v1.<base64(iv ‖ ciphertext ‖ tag)>` with a 12-byte random IV.
 */
import { fromBase64, fromUtf8, sha256Hex, toBase64, utf8 } from './encoding.ts';

/** WebCrypto key type without depending on the DOM or Node global type declarations. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** An imported master key plus a short fingerprint stored beside each record it wraps. */
export interface MasterKey {
  key: CryptoKey;
  /** first 16 hex chars of SHA-256(key bytes): identifies the key, reveals nothing usable */
  id: string;
}

/** Where a sealed record lives; bound into every ciphertext's AAD. */
export interface RecordRef {
  table: string;
  id: string;
}

/** What is stored for one sealed record. */
export interface SealedRecord<F extends string = string> {
  masterKeyId: string;
  dataKey: string;
  fields: Record<F, string>;
}

/** Decryption failed: wrong master key, tampered ciphertext, or a ciphertext moved to another row/field. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * Import a base64 master key (exactly 32 bytes, e.g. ENIGMA_MASTER_KEY). Throws on any other length.
 *
 * @example const mk = await importMasterKey(env.ENIGMA_MASTER_KEY);
 */
export async function importMasterKey(base64: string): Promise<MasterKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(base64.trim());
  } catch {
    throw new RangeError('master key is not valid base64');
  }
  if (raw.length !== 32) throw new RangeError(`master key must be 32 bytes, got ${raw.length}`);
  const key = await crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const id = (await sha256Hex(`enigma-master-key:${base64.trim()}`)).slice(0, 16);
  return { key, id };
}

/** Accept either an imported key or its base64 form. */
export async function toMasterKey(masterKey: MasterKey | string): Promise<MasterKey> {
  return typeof masterKey === 'string' ? importMasterKey(masterKey) : masterKey;
}

/** A new random 32-byte master key in base64, for `enigma` setup and tests. */
export function generateMasterKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

function aad(ref: RecordRef, field: string): Uint8Array<ArrayBuffer> {
  return utf8(`enigma/${VERSION}|${ref.table}|${ref.id}|${field}`);
}

async function encrypt(key: CryptoKey, plaintext: Uint8Array<ArrayBuffer>, ad: Uint8Array<ArrayBuffer>) {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, key, plaintext),
  );
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return `${VERSION}.${toBase64(out)}`;
}

async function decrypt(key: CryptoKey, stored: string, ad: Uint8Array<ArrayBuffer>) {
  const [version, body] = stored.split('.');
  if (version !== VERSION || !body) throw new DecryptionError('unknown ciphertext format');
  const bytes = fromBase64(body);
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: ad },
        key,
        bytes.slice(IV_BYTES),
      ),
    );
  } catch {
    throw new DecryptionError('ciphertext failed authentication');
  }
}

/** Encrypt `fields` of the record `ref` under a fresh data key wrapped by the master key. */
export async function sealRecord<F extends string>(
  masterKey: MasterKey,
  ref: RecordRef,
  fields: Record<F, string>,
): Promise<SealedRecord<F>> {
  const rawDataKey = crypto.getRandomValues(new Uint8Array(32));
  const dataKey = await crypto.subtle.importKey('raw', rawDataKey, { name: 'AES-GCM' }, false, ['encrypt']);
  const sealed = {} as Record<F, string>;
  for (const [field, value] of Object.entries(fields) as [F, string][]) {
    sealed[field] = await encrypt(dataKey, utf8(value), aad(ref, field));
  }
  const wrapped = await encrypt(masterKey.key, rawDataKey, aad(ref, 'data_key'));
  rawDataKey.fill(0);
  return { masterKeyId: masterKey.id, dataKey: wrapped, fields: sealed };
}

/** Decrypt a sealed record; throws DecryptionError if anything was swapped, edited or keyed differently. */
export async function openRecord<F extends string>(
  masterKey: MasterKey,
  ref: RecordRef,
  sealed: SealedRecord<F>,
): Promise<Record<F, string>> {
  if (sealed.masterKeyId !== masterKey.id) {
    throw new DecryptionError(`record was sealed with master key ${sealed.masterKeyId}, not ${masterKey.id}`);
  }
  const rawDataKey = await decrypt(masterKey.key, sealed.dataKey, aad(ref, 'data_key'));
  const dataKey = await crypto.subtle.importKey('raw', rawDataKey, { name: 'AES-GCM' }, false, ['decrypt']);
  rawDataKey.fill(0);
  const out = {} as Record<F, string>;
  for (const [field, value] of Object.entries(sealed.fields) as [F, string][]) {
    out[field] = fromUtf8(await decrypt(dataKey, value, aad(ref, field)));
  }
  return out;
}
