import { STREAMS } from '@enigma/core/bus/index';
import type { CommandEnvelope } from '@enigma/core/signals/commands';
import type { EnigmaDb } from '@enigma/db/db-type';
import { appendAudit } from '@enigma/db/repositories/audit';
import { circuitBreakers, settings } from '@enigma/db/schema/index';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { inArray } from 'drizzle-orm';
import type { AppEnv } from '../deps.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { bearerSecurity, errorResponses, jsonRow, RowSchema } from './openapi.ts';

/** Settings keys the risk endpoints own. */
export const RISK_LIMITS_KEY = 'risk.limits';
export const KILL_SWITCH_KEY = 'risk.kill_switch';

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string');
/** Risk limits an admin may set; the engine reads the same settings row. */
export const RiskLimits = z
  .object({
    maxPositionLots: z.record(z.string(), z.number().int().positive()).optional(),
    maxLeverage: z.number().int().min(1).max(125).optional(),
    maxDailyLoss: decimal.optional(),
    riskPerTradePct: decimal.optional(),
    maxOpenPositions: z.number().int().min(0).max(100).optional(),
  })
  .strict()
  .openapi('RiskLimits');

const KillSwitch = z.object({
  on: z.boolean(),
  reason: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
const RiskState = z
  .object({ limits: RiskLimits, killSwitch: KillSwitch, breakers: z.array(RowSchema) })
  .openapi('RiskState');

const getRisk = createRoute({
  method: 'get',
  path: '/risk',
  tags: ['risk'],
  summary: 'Risk limits, kill switch and circuit-breaker state',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  responses: {
    200: { description: 'Risk state', content: { 'application/json': { schema: RiskState } } },
    ...errorResponses,
  },
});

const putKill = createRoute({
  method: 'put',
  path: '/risk/kill-switch',
  tags: ['risk'],
  summary: 'Turn the kill switch on or off (admin): audited and sent to the engine',
  security: bearerSecurity,
  middleware: [requireRole('admin')],
  request: {
    body: {
      content: {
        'application/json': { schema: z.object({ on: z.boolean(), reason: z.string().min(1).max(500) }) },
      },
    },
  },
  responses: {
    200: { description: 'New state', content: { 'application/json': { schema: KillSwitch } } },
    ...errorResponses,
  },
});

const putLimits = createRoute({
  method: 'put',
  path: '/settings/risk-limits',
  tags: ['settings'],
  summary: 'Replace the risk limits (admin), audited',
  security: bearerSecurity,
  middleware: [requireRole('admin')],
  request: { body: { content: { 'application/json': { schema: RiskLimits } } } },
  responses: {
    200: { description: 'Stored limits', content: { 'application/json': { schema: RiskLimits } } },
    ...errorResponses,
  },
});

async function readSettings(db: EnigmaDb) {
  const rows = await db
    .select()
    .from(settings)
    .where(inArray(settings.key, [RISK_LIMITS_KEY, KILL_SWITCH_KEY]));
  return new Map(rows.map((r) => [r.key, r]));
}

async function upsertSetting(db: EnigmaDb, key: string, value: unknown, by: string) {
  await db
    .insert(settings)
    .values({ key, value, updatedBy: by })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedBy: by } });
}

/** Risk state, kill switch and risk limits. */
export function registerRisk(api: OpenAPIHono<AppEnv>): void {
  api.openapi(getRisk, async (c) => {
    const db = c.get('deps').db;
    const s = await readSettings(db);
    const limits = RiskLimits.safeParse(s.get(RISK_LIMITS_KEY)?.value ?? {});
    const kill = s.get(KILL_SWITCH_KEY);
    const killValue = (kill?.value ?? {}) as { on?: unknown; reason?: unknown };
    const breakers = await db.select().from(circuitBreakers);
    return c.json(
      {
        limits: limits.success ? limits.data : {},
        killSwitch: {
          on: killValue.on === true,
          reason: typeof killValue.reason === 'string' ? killValue.reason : null,
          updatedBy: kill?.updatedBy ?? null,
          updatedAt: kill?.updatedAt.toISOString() ?? null,
        },
        breakers: breakers.map(jsonRow),
      },
      200,
    );
  });

  api.openapi(putKill, async (c) => {
    const { db, bus, config } = c.get('deps');
    const auth = c.get('auth')!;
    const { on, reason } = c.req.valid('json');
    const now = new Date(config.now());
    await upsertSetting(db, KILL_SWITCH_KEY, { on, reason }, auth.subject);
    await appendAudit(db, {
      actor: auth.subject,
      action: on ? 'kill_switch.on' : 'kill_switch.off',
      entity: 'risk',
      entityId: 'kill_switch',
      data: { reason },
      at: now,
    });
    const commandId = crypto.randomUUID();
    const envelope: CommandEnvelope = {
      commandId,
      issuedBy: auth.subject,
      issuedAt: now.getTime(),
      idempotencyKey: commandId,
      command: { type: 'kill_switch', on, reason },
    };
    await bus.append(STREAMS.commands, envelope as unknown as Record<string, unknown>);
    return c.json({ on, reason, updatedBy: auth.subject, updatedAt: now.toISOString() }, 200);
  });

  api.openapi(putLimits, async (c) => {
    const { db, config } = c.get('deps');
    const auth = c.get('auth')!;
    const limits = c.req.valid('json');
    await upsertSetting(db, RISK_LIMITS_KEY, limits, auth.subject);
    await appendAudit(db, {
      actor: auth.subject,
      action: 'risk_limits.set',
      entity: 'settings',
      entityId: RISK_LIMITS_KEY,
      data: limits,
      at: new Date(config.now()),
    });
    return c.json(limits, 200);
  });
}
