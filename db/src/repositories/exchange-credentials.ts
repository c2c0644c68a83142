import { asc, eq } from 'drizzle-orm';
import { type MasterKey, openRecord, sealRecord, toMasterKey } from '../crypto/envelope.ts';
import type { EnigmaDb } from '../db-type.ts';
import { exchangeCredentials } from '../schema/index.ts';

const TABLE = 'exchange_credentials';

/** Plaintext exchange API credentials as the exchange adapter needs them. */
export interface ExchangeCredential {
  id: string;
  accountId: string | null;
  name: string;
  apiKey: string;
  apiSecret: string;
  passphrase: string;
  keyVersion: number;
}

/** Input of `storeExchangeCredential`. */
export interface NewExchangeCredential {
  accountId?: string | null;
  name: string;
  apiKey: string;
  apiSecret: string;
  passphrase: string;
  keyVersion: number;
}

function requireText(value: string, field: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${field} must be a non-empty string`);
}

/**
 * Envelope-encrypt and store exchange credentials; returns the new row id. Nothing is stored in plaintext.
 *
 * @example const id = await storeExchangeCredential(db, env.ENIGMA_MASTER_KEY, { name: 'main', apiKey, apiSecret, passphrase, keyVersion: 3 });
 */
export async function storeExchangeCredential(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  input: NewExchangeCredential,
): Promise<{ id: string }> {
  requireText(input.name, 'name');
  requireText(input.apiKey, 'apiKey');
  requireText(input.apiSecret, 'apiSecret');
  requireText(input.passphrase, 'passphrase');
  if (!Number.isInteger(input.keyVersion) || input.keyVersion < 1) {
    throw new RangeError('keyVersion must be a positive integer');
  }
  const mk = await toMasterKey(masterKey);
  const id = crypto.randomUUID();
  const sealed = await sealRecord(
    mk,
    { table: TABLE, id },
    { api_key: input.apiKey, api_secret: input.apiSecret, passphrase: input.passphrase },
  );
  await db.insert(exchangeCredentials).values({
    id,
    accountId: input.accountId ?? null,
    name: input.name,
    keyVersion: input.keyVersion,
    masterKeyId: sealed.masterKeyId,
    dataKey: sealed.dataKey,
    apiKeyCt: sealed.fields.api_key,
    apiSecretCt: sealed.fields.api_secret,
    passphraseCt: sealed.fields.passphrase,
  });
  return { id };
}

/**
 * Load and decrypt credentials by id; null when absent. Throws DecryptionError when the master key is wrong
 * or the ciphertexts were edited or moved from another row.
 */
export async function loadExchangeCredential(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  id: string,
): Promise<ExchangeCredential | null> {
  const [row] = await db.select().from(exchangeCredentials).where(eq(exchangeCredentials.id, id));
  if (!row) return null;
  const plain = await openRecord(
    await toMasterKey(masterKey),
    { table: TABLE, id: row.id },
    {
      masterKeyId: row.masterKeyId,
      dataKey: row.dataKey,
      fields: { api_key: row.apiKeyCt, api_secret: row.apiSecretCt, passphrase: row.passphraseCt },
    },
  );
  return {
    id: row.id,
    accountId: row.accountId,
    name: row.name,
    apiKey: plain.api_key,
    apiSecret: plain.api_secret,
    passphrase: plain.passphrase,
    keyVersion: row.keyVersion,
  };
}

/** What may be shown of stored credentials: never a key, secret or passphrase. */
export interface ExchangeCredentialSummary {
  id: string;
  accountId: string | null;
  name: string;
  keyVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Store credentials under `name`, replacing any stored under it (a new id and a new data key; the old
 * ciphertexts are deleted). Run it in the transaction that records the change.
 */
export async function replaceExchangeCredential(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  input: NewExchangeCredential,
): Promise<{ id: string; replaced: boolean }> {
  requireText(input.name, 'name');
  const removed = await db
    .delete(exchangeCredentials)
    .where(eq(exchangeCredentials.name, input.name))
    .returning({ id: exchangeCredentials.id });
  const { id } = await storeExchangeCredential(db, masterKey, input);
  return { id, replaced: removed.length > 0 };
}

/** Stored credentials by name, without any secret (the settings page lists these). */
export async function listExchangeCredentials(db: EnigmaDb): Promise<ExchangeCredentialSummary[]> {
  return db
    .select({
      id: exchangeCredentials.id,
      accountId: exchangeCredentials.accountId,
      name: exchangeCredentials.name,
      keyVersion: exchangeCredentials.keyVersion,
      createdAt: exchangeCredentials.createdAt,
      updatedAt: exchangeCredentials.updatedAt,
    })
    .from(exchangeCredentials)
    .orderBy(asc(exchangeCredentials.name));
}
