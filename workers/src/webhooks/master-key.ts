import { importMasterKey, type MasterKey } from '@enigma/db/crypto/envelope';

const cache = new Map<string, Promise<MasterKey>>();

/** Import the master key once per isolate (importing costs a SHA-256 and a WebCrypto import). */
export function masterKeyOf(base64: string): Promise<MasterKey> {
  let key = cache.get(base64);
  if (!key) {
    key = importMasterKey(base64);
    cache.set(base64, key);
  }
  return key;
}
