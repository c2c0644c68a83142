import { STREAMS } from '@enigma/core/bus/index';
import {
  type CommandEnvelope,
  cancelAllCommand,
  cancelOrderCommand,
  closePositionCommand,
  type OperatorCommand,
  placeOrderCommand,
  setTpSlCommand,
} from '@enigma/core/signals/commands';
import { appendAudit } from '@enigma/db/repositories/audit';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { sha256Hex } from '../security/compare.ts';
import { bearerSecurity, ErrorSchema, errorResponses } from './openapi.ts';

/** How long an Idempotency-Key is remembered per caller. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const Accepted = z
  .object({ commandId: z.string(), status: z.literal('accepted'), replayed: z.boolean() })
  .openapi('CommandAccepted');
const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(128)
    .openapi({ description: 'unique per intended command; a retry with the same key is not executed twice' }),
});
const responses = {
  202: {
    description: 'Published to the commands stream',
    content: { 'application/json': { schema: Accepted } },
  },
  409: {
    description: 'Idempotency-Key reused with a different body',
    content: { 'application/json': { schema: ErrorSchema } },
  },
  ...errorResponses,
};
const trader = { security: bearerSecurity, middleware: [requireRole('trader')], tags: ['orders'] };

/** Body schemas without the `type` discriminator, which the route implies. */
const bodyOf = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const place = createRoute({
  method: 'post',
  path: '/orders',
  summary: 'Place an order (market or limit, integer lots, decimal-string prices)',
  ...trader,
  request: {
    headers: idempotencyHeader,
    body: bodyOf(
      z.object({
        symbol: z.string(),
        side: z.enum(['buy', 'sell']),
        orderType: z.enum(['market', 'limit']),
        size: z.number().int(),
        price: z.string().optional(),
        reduceOnly: z.boolean().optional(),
        leverage: z.number().int().optional(),
        stopLoss: z.string().optional(),
        takeProfit: z.string().optional(),
      }),
    ),
  },
  responses,
});
const cancel = createRoute({
  method: 'delete',
  path: '/orders/{orderId}',
  summary: 'Cancel one order',
  ...trader,
  request: { headers: idempotencyHeader, params: z.object({ orderId: z.string().min(1).max(64) }) },
  responses,
});
const cancelAll = createRoute({
  method: 'post',
  path: '/orders/cancel-all',
  summary: 'Cancel every open order, optionally of one contract',
  ...trader,
  request: { headers: idempotencyHeader, body: bodyOf(z.object({ symbol: z.string().optional() })) },
  responses,
});
const close = createRoute({
  method: 'post',
  path: '/positions/{symbol}/close',
  summary: 'Close a position (reduce-only market order)',
  ...trader,
  request: { headers: idempotencyHeader, params: z.object({ symbol: z.string().min(1).max(32) }) },
  responses,
});
const tpsl = createRoute({
  method: 'put',
  path: '/positions/{symbol}/tpsl',
  summary: 'Set or clear take-profit and stop-loss of a position',
  ...trader,
  request: {
    headers: idempotencyHeader,
    params: z.object({ symbol: z.string().min(1).max(32) }),
    body: bodyOf(
      z.object({ takeProfit: z.string().nullable().optional(), stopLoss: z.string().nullable().optional() }),
    ),
  },
  responses,
});

/**
 * Validate with the shared command schema, make it idempotent per caller and key, audit it and
 * publish it to `commands`. The engine does the work; the API answers 202 with the command id.
 */
export async function submitCommand(
  c: Context<AppEnv>,
  raw: Record<string, unknown>,
  schema: z.ZodType<OperatorCommand>,
) {
  const deps = c.get('deps');
  const auth = c.get('auth')!;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new ApiError(
      'validation_failed',
      `invalid command: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  const command = parsed.data;
  const key = c.req.header('idempotency-key');
  if (!key) throw new ApiError('bad_request', 'the Idempotency-Key header is required');
  const fingerprint = await sha256Hex(JSON.stringify(command));
  const commandId = crypto.randomUUID();
  const kvKey = `cmd:${auth.subject}:${await sha256Hex(key)}`;
  if (!(await deps.kv.setNx(kvKey, `${commandId}|${fingerprint}`, IDEMPOTENCY_TTL_SECONDS))) {
    const [originalId, originalPrint] = ((await deps.kv.get(kvKey)) ?? '').split('|');
    if (originalPrint !== fingerprint) {
      throw new ApiError('conflict', 'this Idempotency-Key was used for a different command');
    }
    return c.json({ commandId: originalId ?? commandId, status: 'accepted' as const, replayed: true }, 202);
  }
  const envelope: CommandEnvelope = {
    commandId,
    issuedBy: auth.subject,
    issuedAt: deps.config.now(),
    idempotencyKey: key,
    command,
  };
  try {
    await appendAudit(deps.db, {
      actor: auth.subject,
      action: `command.${command.type}`,
      entity: 'command',
      entityId: commandId,
      data: command,
      at: new Date(deps.config.now()),
    });
    await deps.bus.append(STREAMS.commands, envelope as unknown as Record<string, unknown>);
  } catch (e) {
    await deps.kv.del(kvKey).catch(() => {});
    throw e;
  }
  return c.json({ commandId, status: 'accepted' as const, replayed: false }, 202);
}

/** Order and position commands. */
export function registerCommands(api: OpenAPIHono<AppEnv>): void {
  api.openapi(place, (c) =>
    submitCommand(c, { ...c.req.valid('json'), type: 'place_order' }, placeOrderCommand),
  );
  api.openapi(cancelAll, (c) =>
    submitCommand(c, { ...c.req.valid('json'), type: 'cancel_all' }, cancelAllCommand),
  );
  api.openapi(cancel, (c) =>
    submitCommand(c, { orderId: c.req.valid('param').orderId, type: 'cancel_order' }, cancelOrderCommand),
  );
  api.openapi(close, (c) =>
    submitCommand(c, { symbol: c.req.valid('param').symbol, type: 'close_position' }, closePositionCommand),
  );
  api.openapi(tpsl, (c) =>
    submitCommand(
      c,
      { ...c.req.valid('json'), symbol: c.req.valid('param').symbol, type: 'set_tpsl' },
      setTpSlCommand,
    ),
  );
}
