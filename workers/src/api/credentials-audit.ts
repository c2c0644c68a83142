import {
  auditEntrySchema,
  exchangeCredentialSummarySchema,
  listOf,
  toResponse,
} from '@enigma/core/api/responses';
import type { EnigmaDb } from '@enigma/db/db-type';
import { listAuditEntries } from '@enigma/db/repositories/audit';
import {
  listExchangeCredentials,
  replaceExchangeCredential,
} from '@enigma/db/repositories/exchange-credentials';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit.ts';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { masterKeyOf } from '../webhooks/master-key.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const admin = { security: bearerSecurity, middleware: [requireRole('admin')] };
/** A printable secret without surrounding spaces (a pasted trailing newline is refused, not stored). */
const Secret = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^\S(.*\S)?$/, 'no leading or trailing spaces');

const putCredentials = createRoute({
  method: 'put',
  path: '/settings/exchange-credentials',
  tags: ['settings'],
  summary:
    'Store exchange API credentials under a name (admin; write-only: envelope-encrypted, never returned; audited without the secrets)',
  ...admin,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({
            name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
            apiKey: Secret(128),
            apiSecret: Secret(256),
            passphrase: Secret(128),
            /** KuCoin API key version: 2 or 3 decide how the passphrase is signed */
            keyVersion: z.union([z.literal(2), z.literal(3)]),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Stored (replacing any credentials under that name); the secrets are not echoed',
      content: {
        'application/json': {
          schema: z.object({ credential: exchangeCredentialSummarySchema, replaced: z.boolean() }),
        },
      },
    },
    ...errorResponses,
  },
});
const listCredentials = createRoute({
  method: 'get',
  path: '/settings/exchange-credentials',
  tags: ['settings'],
  summary: 'Stored exchange credentials by name (admin): name, key version and times only',
  ...admin,
  responses: {
    200: {
      description: 'Credentials, without any key, secret or passphrase',
      content: { 'application/json': { schema: listOf(exchangeCredentialSummarySchema) } },
    },
    ...errorResponses,
  },
});
const listAudit = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['audit'],
  summary: 'The audit log, newest first (admin); page with beforeSeq',
  ...admin,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      beforeSeq: z.coerce.number().int().min(1).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Audit rows',
      content: { 'application/json': { schema: listOf(auditEntrySchema) } },
    },
    ...errorResponses,
  },
});

/** Write-only exchange credentials and the audit log listing (its verification is in settings.ts). */
export function registerCredentialsAndAudit(api: OpenAPIHono<AppEnv>): void {
  api.openapi(putCredentials, async (c) => {
    const { db, config } = c.get('deps');
    const body = c.req.valid('json');
    const mk = await masterKeyOf(config.masterKey);
    const { id, replaced } = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const stored = await replaceExchangeCredential(tx, mk, body);
      await recordAudit(tx, config, {
        actor: c.get('auth')!.subject,
        action: 'exchange_credentials.store',
        entity: 'exchange_credentials',
        entityId: stored.id,
        // never the key, secret or passphrase
        data: { name: body.name, keyVersion: body.keyVersion, replaced: stored.replaced },
        at: new Date(config.now()),
      });
      return stored;
    });
    const row = (await listExchangeCredentials(db)).find((r) => r.id === id);
    if (!row) throw new Error(`exchange credentials ${id} vanished after being stored`);
    return c.json({ credential: toResponse(exchangeCredentialSummarySchema, { ...row }), replaced }, 200);
  });

  api.openapi(listCredentials, async (c) => {
    const rows = await listExchangeCredentials(c.get('deps').db);
    return c.json({ items: rows.map((r) => toResponse(exchangeCredentialSummarySchema, { ...r })) }, 200);
  });

  api.openapi(listAudit, async (c) => {
    const { limit, beforeSeq } = c.req.valid('query');
    const rows = await listAuditEntries(c.get('deps').db, {
      limit,
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    });
    return c.json({ items: rows.map((r) => toResponse(auditEntrySchema, { ...r })) }, 200);
  });
}
