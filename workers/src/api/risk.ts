import {
  type Breaker as BreakerRow,
  breakerSchema,
  killSwitchSchema,
  riskStateSchema,
} from '@enigma/core/api/responses';
import { strategyConfigSchema, strategyKey } from '@enigma/core/engine/strategy';
import { BREAKER_NAMES, resolveRiskLimits, riskLimitsSchema } from '@enigma/core/risk/limits';
import { KILL_SWITCH_KEY, RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import type { EnigmaDb } from '@enigma/db/db-type';
import {
  type CircuitBreaker,
  getBreaker,
  listBreakers,
  setBreaker,
} from '@enigma/db/repositories/circuit-breakers';
import { getSetting, getSettingRows, putSetting } from '@enigma/db/repositories/settings';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../audit.ts';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { recordCommand } from './commands.ts';
import { bearerSecurity, errorResponses } from './openapi.ts';

/** The one risk-limits schema (core/src/risk/limits.ts): units in its descriptions, absent = default. */
const RiskLimits = riskLimitsSchema;
const StrategyConfig = strategyConfigSchema;
const KillSwitch = killSwitchSchema;
const Breaker = breakerSchema;
const RiskState = riskStateSchema;

const admin = { security: bearerSecurity, middleware: [requireRole('admin')] };
const json = <T extends z.ZodType>(schema: T) => ({
  content: { 'application/json': { schema } },
  required: true,
});

const getRisk = createRoute({
  method: 'get',
  path: '/risk',
  tags: ['risk'],
  summary: 'Risk limits (stored and in force), kill switch and circuit breakers',
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
  summary:
    'Turn the kill switch on (no new entries, entry orders cancelled, stops kept; `flatten` closes every position) or off (admin, with a reason). The state and its command are stored in one transaction.',
  ...admin,
  request: {
    body: json(
      z
        .object({ on: z.boolean(), reason: z.string().min(1).max(500), flatten: z.boolean().optional() })
        .strict(),
    ),
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
  summary: 'Replace the risk limits (admin), audited; a field left out takes its default, never "unlimited"',
  ...admin,
  request: { body: json(RiskLimits) },
  responses: {
    200: { description: 'Stored limits', content: { 'application/json': { schema: RiskLimits } } },
    ...errorResponses,
  },
});

const resetBreaker = createRoute({
  method: 'post',
  path: '/risk/breakers/{name}/reset',
  tags: ['risk'],
  summary: 'Reset a tripped circuit breaker to active (admin, with a reason), audited',
  ...admin,
  request: {
    params: z.object({ name: z.enum(BREAKER_NAMES) }),
    body: json(z.object({ reason: z.string().min(1).max(500) }).strict()),
  },
  responses: {
    200: { description: 'The breaker', content: { 'application/json': { schema: Breaker } } },
    ...errorResponses,
  },
});

const getStrategy = createRoute({
  method: 'get',
  path: '/settings/strategies/{source}',
  tags: ['settings'],
  summary:
    "A webhook source's strategy: mode (signal or target), sizing, stop, leverage, what may open/close/reverse",
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  request: { params: z.object({ source: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/) }) },
  responses: {
    200: { description: 'The strategy', content: { 'application/json': { schema: StrategyConfig } } },
    ...errorResponses,
  },
});
const putStrategy = createRoute({
  method: 'put',
  path: '/settings/strategies/{source}',
  tags: ['settings'],
  summary: "Replace a webhook source's strategy (admin), audited; the engine reads it within 2 s",
  ...admin,
  request: {
    params: z.object({ source: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/) }),
    body: json(StrategyConfig),
  },
  responses: {
    200: { description: 'Stored strategy', content: { 'application/json': { schema: StrategyConfig } } },
    ...errorResponses,
  },
});

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** A stored breaker row as the API shows it (`Breaker`). */
function breakerOf(b: CircuitBreaker): BreakerRow {
  const peak = (b.data as { equityPeak?: unknown } | null)?.equityPeak;
  return {
    name: b.scope,
    state: b.state as BreakerRow['state'],
    reason: b.reason,
    trippedAt: iso(b.trippedAt),
    resumeAt: iso(b.resumeAt),
    updatedBy: b.updatedBy,
    equityPeak: typeof peak === 'string' && /^\d+(\.\d+)?$/.test(peak) ? peak : null,
  };
}

/**
 * Every breaker the engine keeps, in BREAKER_NAMES' order (one never written is `active`, as the engine
 * reads it), then any other stored name: the dashboard lists all five with their state, not only those
 * that have tripped or stored a figure.
 */
function everyBreaker(rows: CircuitBreaker[]): BreakerRow[] {
  const byName = new Map(rows.map((r) => [r.scope, r]));
  const known = BREAKER_NAMES.map((name): BreakerRow => {
    const row = byName.get(name);
    return row
      ? breakerOf(row)
      : {
          name,
          state: 'active',
          reason: null,
          trippedAt: null,
          resumeAt: null,
          updatedBy: null,
          equityPeak: null,
        };
  });
  const others = rows.filter((r) => !(BREAKER_NAMES as readonly string[]).includes(r.scope)).map(breakerOf);
  return [...known, ...others];
}

/** Risk state, kill switch, risk limits, breakers and strategies. */
export function registerRisk(api: OpenAPIHono<AppEnv>): void {
  api.openapi(getRisk, async (c) => {
    const db = c.get('deps').db;
    const s = await getSettingRows(db, [RISK_LIMITS_KEY, KILL_SWITCH_KEY]);
    const storedLimits = s.get(RISK_LIMITS_KEY)?.value;
    let effective: Record<string, unknown> | null = null;
    let limitsError: string | null = null;
    try {
      effective = resolveRiskLimits(storedLimits) as unknown as Record<string, unknown>;
    } catch (e) {
      limitsError = (e as Error).message;
    }
    const kill = s.get(KILL_SWITCH_KEY);
    const k = (kill?.value ?? {}) as {
      on?: unknown;
      reason?: unknown;
      flatten?: unknown;
      commandId?: unknown;
    };
    const breakers = await listBreakers(db);
    const parsedLimits = riskLimitsSchema.safeParse(storedLimits ?? {});
    return c.json(
      {
        limits: parsedLimits.success ? parsedLimits.data : {},
        effective,
        limitsError,
        killSwitch: {
          on: k.on === true,
          reason: typeof k.reason === 'string' ? k.reason : null,
          flatten: k.flatten === true,
          updatedBy: kill?.updatedBy ?? null,
          updatedAt: iso(kill?.updatedAt),
          commandId: typeof k.commandId === 'string' ? k.commandId : null,
        },
        breakers: everyBreaker(breakers),
      },
      200,
    );
  });

  api.openapi(putKill, async (c) => {
    const deps = c.get('deps');
    const auth = c.get('auth')!;
    const { on, reason, flatten = false } = c.req.valid('json');
    // The state and the command that tells the engine are one transaction: nothing is "on" that the engine was not told.
    let updatedAt = new Date(deps.config.now());
    const { commandId } = await recordCommand(
      deps,
      auth.subject,
      `kill-switch:${crypto.randomUUID()}`,
      { type: 'kill_switch', on, reason, flatten },
      async (tx, at, id) => {
        updatedAt = at;
        await putSetting(tx, KILL_SWITCH_KEY, { on, reason, flatten, commandId: id }, auth.subject, at);
      },
    );
    return c.json(
      {
        on,
        reason,
        flatten,
        updatedBy: auth.subject,
        updatedAt: updatedAt.toISOString(),
        commandId,
      },
      200,
    );
  });

  api.openapi(putLimits, async (c) => {
    const { db, config } = c.get('deps');
    const auth = c.get('auth')!;
    const limits = c.req.valid('json');
    await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      await putSetting(tx, RISK_LIMITS_KEY, limits, auth.subject, new Date(config.now()));
      await recordAudit(tx, config, {
        actor: auth.subject,
        action: 'risk_limits.set',
        entity: 'settings',
        entityId: RISK_LIMITS_KEY,
        data: limits,
        at: new Date(config.now()),
      });
    });
    return c.json(limits, 200);
  });

  api.openapi(resetBreaker, async (c) => {
    const { db, config } = c.get('deps');
    const auth = c.get('auth')!;
    const { name } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const row = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      const before = await getBreaker(tx, name);
      const updated = await setBreaker(tx, name, {
        state: 'active',
        updatedBy: auth.subject,
        now: new Date(config.now()),
      });
      await recordAudit(tx, config, {
        actor: auth.subject,
        action: 'breaker.reset',
        entity: 'breaker',
        entityId: name,
        data: { reason, was: before.state, wasReason: before.reason },
        at: new Date(config.now()),
      });
      return updated;
    });
    return c.json(breakerOf(row), 200);
  });

  api.openapi(getStrategy, async (c) => {
    const { source } = c.req.valid('param');
    const stored = await getSetting(c.get('deps').db, strategyKey(source));
    if (stored === undefined) throw new ApiError('not_found', `no strategy for source ${source}`);
    const parsed = strategyConfigSchema.safeParse(stored);
    if (!parsed.success) throw new ApiError('internal', `the stored strategy of ${source} does not parse`);
    return c.json(parsed.data, 200);
  });

  api.openapi(putStrategy, async (c) => {
    const { db, config } = c.get('deps');
    const auth = c.get('auth')!;
    const { source } = c.req.valid('param');
    const strategy = c.req.valid('json');
    await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as EnigmaDb;
      await putSetting(tx, strategyKey(source), strategy, auth.subject, new Date(config.now()));
      await recordAudit(tx, config, {
        actor: auth.subject,
        action: 'strategy.set',
        entity: 'settings',
        entityId: strategyKey(source),
        data: strategy,
        at: new Date(config.now()),
      });
    });
    return c.json(strategy, 200);
  });
}
