import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { randomSecret, sha256Hex, timingSafeEqual } from '../crypto/encoding.ts';
import { type MasterKey, openRecord, sealRecord, toMasterKey } from '../crypto/envelope.ts';
import type { EnigmaDb } from '../db-type.ts';
import {
  WEBHOOK_SOURCE_KINDS,
  type WebhookSourceKind,
  webhookSourceSecrets,
  webhookSources,
} from '../schema/index.ts';

const SECRETS_TABLE = 'webhook_source_secrets';

/** A webhook source row (no secret material). */
export type WebhookSource = typeof webhookSources.$inferSelect;

/** Editable policy fields of a source. */
export interface WebhookSourcePolicy {
  ipAllowlist?: string[];
  hmacRequired?: boolean;
  enabled?: boolean;
  rateLimitPerMin?: number;
  staleAfterSeconds?: number;
}

/** One currently valid secret: plaintext for tradingview/custom sources, only a hash for api sources. */
export interface ActiveSecret {
  id: string;
  plaintext: string | null;
  hash: string | null;
  /** null = current secret; otherwise the end of its rotation grace period */
  expiresAt: Date | null;
}

function checkPolicy(p: WebhookSourcePolicy): void {
  const positiveInt = (v: number | undefined, f: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0))
      throw new RangeError(`${f} must be a positive integer`);
  };
  positiveInt(p.rateLimitPerMin, 'rateLimitPerMin');
  positiveInt(p.staleAfterSeconds, 'staleAfterSeconds');
  if (p.ipAllowlist && !p.ipAllowlist.every((ip) => typeof ip === 'string' && ip.trim() !== '')) {
    throw new TypeError('ipAllowlist entries must be non-empty strings');
  }
}

async function insertSecret(
  db: EnigmaDb,
  mk: MasterKey,
  source: { id: string; kind: WebhookSourceKind },
): Promise<string> {
  const secret = randomSecret(32);
  const id = crypto.randomUUID();
  if (source.kind === 'api') {
    await db
      .insert(webhookSourceSecrets)
      .values({ id, sourceId: source.id, secretHash: await sha256Hex(secret) });
  } else {
    const sealed = await sealRecord(mk, { table: SECRETS_TABLE, id }, { secret });
    await db.insert(webhookSourceSecrets).values({
      id,
      sourceId: source.id,
      masterKeyId: sealed.masterKeyId,
      dataKey: sealed.dataKey,
      secretCt: sealed.fields.secret,
    });
  }
  return secret;
}

/**
 * Create a source with a generated secret. The plaintext secret is returned once, here; afterwards it can
 * only be read back (for tradingview/custom) by decrypting with the master key.
 *
 * @example const { source, secret } = await createWebhookSource(db, mk, { name: 'tv-main', kind: 'tradingview' });
 */
export async function createWebhookSource(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  input: { name: string; kind: WebhookSourceKind } & WebhookSourcePolicy,
): Promise<{ source: WebhookSource; secret: string }> {
  if (!input.name || typeof input.name !== 'string') throw new TypeError('name must be a non-empty string');
  if (!WEBHOOK_SOURCE_KINDS.includes(input.kind))
    throw new RangeError(`unknown webhook source kind: ${input.kind}`);
  checkPolicy(input);
  const mk = await toMasterKey(masterKey);
  return db.transaction(async (tx) => {
    const [source] = await tx.insert(webhookSources).values(input).returning();
    const secret = await insertSecret(tx as unknown as EnigmaDb, mk, source!);
    return { source: source!, secret };
  });
}

/** A source by name with its currently valid secrets (decrypted where recoverable); null when absent. */
export async function getWebhookSourceByName(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  name: string,
  now: Date = new Date(),
): Promise<(WebhookSource & { secrets: ActiveSecret[] }) | null> {
  const [source] = await db.select().from(webhookSources).where(eq(webhookSources.name, name));
  if (!source) return null;
  const rows = await db
    .select()
    .from(webhookSourceSecrets)
    .where(
      and(
        eq(webhookSourceSecrets.sourceId, source.id),
        or(isNull(webhookSourceSecrets.expiresAt), gt(webhookSourceSecrets.expiresAt, now)),
      ),
    )
    .orderBy(asc(webhookSourceSecrets.createdAt));
  const mk = await toMasterKey(masterKey);
  const secrets: ActiveSecret[] = [];
  for (const row of rows) {
    let plaintext: string | null = null;
    if (row.secretCt && row.dataKey && row.masterKeyId) {
      const opened = await openRecord(
        mk,
        { table: SECRETS_TABLE, id: row.id },
        {
          masterKeyId: row.masterKeyId,
          dataKey: row.dataKey,
          fields: { secret: row.secretCt },
        },
      );
      plaintext = opened.secret;
    }
    secrets.push({ id: row.id, plaintext, hash: row.secretHash, expiresAt: row.expiresAt });
  }
  return { ...source, secrets };
}

/**
 * Whether `presented` matches one of the source's valid secrets, compared in constant time (every candidate
 * is compared, no early exit).
 */
export async function verifyWebhookSecret(
  source: { secrets: ActiveSecret[] },
  presented: string,
): Promise<boolean> {
  let matched = false;
  const presentedHash = await sha256Hex(presented);
  for (const s of source.secrets) {
    const ok =
      s.plaintext !== null
        ? await timingSafeEqual(s.plaintext, presented)
        : await timingSafeEqual(s.hash ?? '', presentedHash);
    matched = matched || ok;
  }
  return matched;
}

/** A source by name, without its secrets (nothing decrypted); null when absent. */
export async function findWebhookSource(db: EnigmaDb, name: string): Promise<WebhookSource | null> {
  const [source] = await db.select().from(webhookSources).where(eq(webhookSources.name, name));
  return source ?? null;
}

/** All sources, by name, without secrets. */
export async function listWebhookSources(db: EnigmaDb): Promise<WebhookSource[]> {
  return db.select().from(webhookSources).orderBy(asc(webhookSources.name));
}

/**
 * Replace a source's secret. The previous secrets stay valid for `graceSeconds` (default 0: immediately
 * invalid) so senders can be updated without dropped alerts. Returns the new plaintext secret once.
 */
export async function rotateWebhookSecret(
  db: EnigmaDb,
  masterKey: MasterKey | string,
  name: string,
  opts: { graceSeconds?: number; now?: Date } = {},
): Promise<{ secret: string }> {
  const grace = opts.graceSeconds ?? 0;
  if (!Number.isInteger(grace) || grace < 0)
    throw new RangeError('graceSeconds must be a non-negative integer');
  const now = opts.now ?? new Date();
  const mk = await toMasterKey(masterKey);
  return db.transaction(async (tx) => {
    const [source] = await tx
      .select()
      .from(webhookSources)
      .where(eq(webhookSources.name, name))
      .for('update');
    if (!source) throw new Error(`webhook source not found: ${name}`);
    await tx
      .update(webhookSourceSecrets)
      .set({ expiresAt: new Date(now.getTime() + grace * 1000) })
      .where(
        and(
          eq(webhookSourceSecrets.sourceId, source.id),
          or(isNull(webhookSourceSecrets.expiresAt), gt(webhookSourceSecrets.expiresAt, now)),
        ),
      );
    const secret = await insertSecret(tx as unknown as EnigmaDb, mk, source);
    return { secret };
  });
}

/** Change a source's policy (not its name, kind or secret); returns the updated row or null when absent. */
export async function updateWebhookSource(
  db: EnigmaDb,
  id: string,
  patch: WebhookSourcePolicy,
): Promise<WebhookSource | null> {
  checkPolicy(patch);
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) {
    const [row] = await db.select().from(webhookSources).where(eq(webhookSources.id, id));
    return row ?? null;
  }
  const [row] = await db.update(webhookSources).set(set).where(eq(webhookSources.id, id)).returning();
  return row ?? null;
}
