import { auditVerificationSchema, listOf, toResponse, webhookSourceSchema } from '@enigma/core/api/responses';
import type { EnigmaDb } from '@enigma/db/db-type';
import { verifyAuditLog } from '@enigma/db/repositories/audit';
import {
  createWebhookSource,
  findWebhookSource,
  getWebhookSourceByName,
  listWebhookSources,
  rotateWebhookSecret,
  updateWebhookSource,
} from '@enigma/db/repositories/webhook-sources';
import { WEBHOOK_SOURCE_KINDS } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { auditKeyOf, recordAudit } from '../audit.ts';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { allowlistEntryProblem } from '../security/ip.ts';
import { masterKeyOf } from '../webhooks/master-key.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

const admin = { security: bearerSecurity, middleware: [requireRole('admin')] };
/** An IPv4/IPv6 address or a CIDR block with an explicit prefix (`203.0.113.7/` is refused, not read as /0). */
const AllowlistEntry = z
  .string()
  .min(1)
  .max(64)
  .superRefine((entry, ctx) => {
    const problem = allowlistEntryProblem(entry);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ example: '52.89.214.238', description: 'IPv4/IPv6 address or CIDR block, e.g. 10.0.0.0/8' });
const Policy = z.object({
  ipAllowlist: z.array(AllowlistEntry).max(100).optional(),
  hmacRequired: z.boolean().optional(),
  enabled: z.boolean().optional(),
  rateLimitPerMin: z.number().int().positive().max(100_000).optional(),
  staleAfterSeconds: z.number().int().positive().max(86_400).optional(),
});
const SourceWithSecret = z.object({ source: webhookSourceSchema, secret: z.string() });

const list = createRoute({
  method: 'get',
  path: '/settings/webhook-sources',
  tags: ['settings'],
  summary: 'Webhook sources and their policies (admin); secrets are never listed',
  ...admin,
  responses: {
    200: {
      description: 'Sources',
      content: { 'application/json': { schema: listOf(webhookSourceSchema) } },
    },
    ...errorResponses,
  },
});
const create = createRoute({
  method: 'post',
  path: '/settings/webhook-sources',
  tags: ['settings'],
  summary: 'Create a webhook source (admin); its secret is returned once',
  ...admin,
  request: {
    body: {
      content: {
        'application/json': {
          schema: Policy.extend({
            name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/),
            kind: z.enum(WEBHOOK_SOURCE_KINDS),
          }).strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: SourceWithSecret } } },
    ...errorResponses,
  },
});
const patch = createRoute({
  method: 'patch',
  path: '/settings/webhook-sources/{id}',
  tags: ['settings'],
  summary: 'Change a source policy (admin)',
  ...admin,
  request: {
    params: z.object({ id: z.uuid() }),
    body: { content: { 'application/json': { schema: Policy.strict() } } },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: webhookSourceSchema } } },
    ...errorResponses,
  },
});
const rotate = createRoute({
  method: 'post',
  path: '/settings/webhook-sources/{name}/rotate',
  tags: ['settings'],
  summary: 'Rotate a source secret (admin); the old one stays valid for graceSeconds',
  ...admin,
  request: {
    params: z.object({ name: z.string().min(1).max(64) }),
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              graceSeconds: z
                .number()
                .int()
                .min(0)
                .max(7 * 86_400)
                .default(0),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'New secret',
      content: { 'application/json': { schema: z.object({ secret: z.string() }) } },
    },
    ...errorResponses,
  },
});
const reveal = createRoute({
  method: 'get',
  path: '/settings/webhook-sources/{name}/secret',
  tags: ['settings'],
  summary:
    "Show a source's current secret (admin; audited). `enigma start` prints it only on the start that creates it",
  ...admin,
  request: { params: z.object({ name: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'The current secret',
      content: { 'application/json': { schema: z.object({ secret: z.string() }) } },
    },
    ...errorResponses,
  },
});
const verify = createRoute({
  method: 'get',
  path: '/audit/verify',
  tags: ['audit'],
  summary: 'Verify the audit log hash chain (admin)',
  ...admin,
  responses: {
    200: {
      description: 'Verification: ok, or the first row found edited, deleted or inserted',
      content: { 'application/json': { schema: auditVerificationSchema } },
    },
    ...errorResponses,
  },
});

/** Webhook source settings and audit verification. */
export function registerSettings(api: OpenAPIHono<AppEnv>): void {
  api.openapi(list, async (c) => {
    const items = await listWebhookSources(c.get('deps').db);
    return c.json({ items: items.map((s) => toResponse(webhookSourceSchema, s)) }, 200);
  });

  api.openapi(create, async (c) => {
    const { db, config } = c.get('deps');
    const body = c.req.valid('json');
    const mk = await masterKeyOf(config.masterKey);
    const { source, secret } = await db
      .transaction(async (txRaw) => {
        const tx = txRaw as unknown as EnigmaDb;
        const created = await createWebhookSource(tx, mk, body);
        await recordAudit(tx, config, {
          actor: c.get('auth')!.subject,
          action: 'webhook_source.create',
          entity: 'webhook_source',
          entityId: created.source.id,
          data: { ...body },
          at: new Date(config.now()),
        });
        return created;
      })
      .catch((e: unknown) => {
        if (
          String((e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code) ===
          '23505'
        ) {
          throw new ApiError('conflict', `a webhook source named ${body.name} exists`);
        }
        throw e;
      });
    c.get('deps').sourceCache?.clear();
    return c.json({ source: toResponse(webhookSourceSchema, source), secret }, 201);
  });

  api.openapi(patch, async (c) => {
    const { db, config } = c.get('deps');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const row = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const updated = await updateWebhookSource(tx, id, body);
      if (!updated) throw new ApiError('not_found', 'no such webhook source');
      await recordAudit(tx, config, {
        actor: c.get('auth')!.subject,
        action: 'webhook_source.update',
        entity: 'webhook_source',
        entityId: id,
        data: body,
        at: new Date(config.now()),
      });
      return updated;
    });
    c.get('deps').sourceCache?.clear();
    return c.json(toResponse(webhookSourceSchema, row), 200);
  });

  api.openapi(rotate, async (c) => {
    const { db, config } = c.get('deps');
    const { name } = c.req.valid('param');
    const { graceSeconds } = c.req.valid('json');
    const mk = await masterKeyOf(config.masterKey);
    const { secret } = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const source = await findWebhookSource(tx, name);
      if (!source) throw new ApiError('not_found', 'no such webhook source');
      const rotated = await rotateWebhookSecret(tx, mk, name, { graceSeconds, now: new Date(config.now()) });
      await recordAudit(tx, config, {
        actor: c.get('auth')!.subject,
        action: 'webhook_source.rotate',
        entity: 'webhook_source',
        entityId: source.id,
        data: { name, graceSeconds },
        at: new Date(config.now()),
      });
      return rotated;
    });
    c.get('deps').sourceCache?.clear();
    return c.json({ secret }, 200);
  });

  api.openapi(reveal, async (c) => {
    const { db, config } = c.get('deps');
    const { name } = c.req.valid('param');
    const mk = await masterKeyOf(config.masterKey);
    const secret = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const source = await getWebhookSourceByName(tx, mk, name, new Date(config.now()));
      if (!source) throw new ApiError('not_found', 'no such webhook source');
      const current = source.secrets.find((s) => s.expiresAt === null && s.plaintext !== null)?.plaintext;
      if (!current)
        throw new ApiError('not_found', 'this source has no readable secret: rotate it to get a new one');
      // Showing a secret is recorded like a change: who saw it, and when.
      await recordAudit(tx, config, {
        actor: c.get('auth')!.subject,
        action: 'webhook_source.reveal',
        entity: 'webhook_source',
        entityId: source.id,
        data: { name },
        at: new Date(config.now()),
      });
      return current;
    });
    return c.json({ secret }, 200);
  });

  api.openapi(verify, async (c) => {
    const { db, config } = c.get('deps');
    return c.json(
      toResponse(
        auditVerificationSchema,
        await verifyAuditLog(db, await auditKeyOf(config), {
          anchor: (await c.get('deps').auditAnchor?.read()) ?? null,
        }),
      ),
      200,
    );
  });
}
