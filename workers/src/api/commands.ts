import { commandAcceptedSchema, commandOutcomeSchema } from '@enigma/core/api/responses';
import { STREAMS } from '@enigma/core/bus/index';
import {
  type CommandEnvelope,
  cancelAllCommand,
  cancelOrderCommand,
  closePositionCommand,
  type OperatorCommand,
  ORDER_TYPES,
  placeOrderCommand,
  setTpSlCommand,
  TICKET_EXECUTION_STYLES,
} from '@enigma/core/signals/commands';
import { checkStreamPayload } from '@enigma/core/streams/catalog';
import type { EnigmaDb } from '@enigma/db/db-type';
import { type CommandRow, getCommand, insertCommand, listCommands } from '@enigma/db/repositories/commands';
import { holdOutboxEntry } from '@enigma/db/repositories/outbox';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { recordAudit } from '../audit.ts';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { requireRole } from '../middleware/auth/index.ts';
import { sha256Hex } from '../security/compare.ts';
import { refuseUntradableSymbol } from '../tradable.ts';
import { publishHeldEntry } from '../webhooks/outbox.ts';
import { bearerSecurity, ErrorSchema, errorResponses } from './openapi.ts';

const Accepted = commandAcceptedSchema;
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

/**
 * The order ticket's body as documented: POST /api/orders and POST /api/orders/preview take the same
 * fields, and both are validated by core's one schema (`orderTicketSchema` / `placeOrderCommand`), whose
 * issues name the field.
 */
export const OrderTicketBody = z
  .object({
    symbol: z.string().openapi({ example: 'XBTUSDTM' }),
    side: z.enum(['buy', 'sell']),
    orderType: z.enum(ORDER_TYPES),
    size: z.number().int().openapi({ description: 'integer lots' }),
    price: z.string().optional().openapi({ description: 'limit price (limit, stop_limit)' }),
    stopPrice: z.string().optional().openapi({
      description: 'trigger on the mark price (stop_market, stop_limit): up above the mark, down below',
    }),
    reduceOnly: z.boolean().optional(),
    postOnly: z.boolean().optional().openapi({ description: 'maker only (limit orders)' }),
    marginMode: z
      .enum(['isolated', 'cross'])
      .optional()
      .openapi({ description: "the symbol's margin mode, isolated by default; switched before the order" }),
    leverage: z.number().int().optional(),
    stopLoss: z.string().optional(),
    takeProfit: z.string().optional(),
    execution: z
      .union([z.enum(TICKET_EXECUTION_STYLES), z.record(z.string(), z.unknown())])
      .optional()
      .openapi({
        description:
          "the smart order router's style for a market order (auto, market, limit_chase, twap, iceberg) or a whole execution block (docs/router.md)",
      }),
  })
  // A misspelt field is refused by name, never dropped (a dropped `reduceOnly` opens a position).
  .strict()
  .openapi('OrderTicket');

const place = createRoute({
  method: 'post',
  path: '/orders',
  summary:
    'Place an order (market, limit, stop market, stop limit; a router style for market orders; integer lots, decimal-string prices)',
  ...trader,
  request: { headers: idempotencyHeader, body: bodyOf(OrderTicketBody) },
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
  summary:
    'Cancel every open entry and manual order, optionally of one contract (protective stops, take-profits and exits stay)',
  ...trader,
  request: { headers: idempotencyHeader, body: bodyOf(z.object({ symbol: z.string().optional() }).strict()) },
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
      z
        .object({ takeProfit: z.string().nullable().optional(), stopLoss: z.string().nullable().optional() })
        // a misspelt stop-loss is refused by name, never dropped (the trader would think it set)
        .strict(),
    ),
  },
  responses,
});

/**
 * Validate with the shared command schema, then record it: the command row (idempotent per caller and
 * key IN THE DATABASE), its audit row and its outbox entry in one transaction, so a command is either
 * stored, audited and bound for the engine, or not at all. A command for a contract intake would refuse
 * (not on the exchange's published list) is a 422 `unknown_symbol` naming `symbol`, and nothing is stored. The entry is appended to `commands` at once;
 * if that fails the outbox relay publishes it. The engine does the work; the API answers 202 with the
 * command id, and `GET /api/commands/{id}` tells its outcome.
 */
export async function submitCommand(
  c: Context<AppEnv>,
  raw: Record<string, unknown>,
  schema: z.ZodType<OperatorCommand>,
) {
  const command = validated(schema, raw, 'invalid command');
  const key = c.req.header('idempotency-key');
  if (!key) throw new ApiError('bad_request', 'the Idempotency-Key header is required');
  // a contract the exchange does not list: refused here, nothing stored (the engine would reject it)
  if ('symbol' in command && command.symbol !== undefined)
    await refuseUntradableSymbol(c.get('deps'), command.symbol);
  const result = await recordCommand(c.get('deps'), c.get('auth')!.subject, key, command);
  return c.json({ commandId: result.commandId, status: 'accepted' as const, replayed: result.replayed }, 202);
}

/** Parse with a core schema; a refusal is a 422 whose issues name each field (the ticket shows them in place). */
export function validated<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new ApiError(
    'validation_failed',
    `${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

/**
 * Store a command with its audit row and outbox entry in one transaction (plus `alongside`, e.g. the
 * kill switch's own state), then publish it. A repeat of (issuer, key) with the same command is a
 * replay (the first id); with another command it is a 409.
 */
export async function recordCommand(
  deps: AppDeps,
  issuedBy: string,
  idempotencyKey: string,
  command: OperatorCommand,
  alongside?: (tx: EnigmaDb, at: Date, commandId: string) => Promise<void>,
): Promise<{ commandId: string; replayed: boolean }> {
  const fingerprint = await sha256Hex(JSON.stringify(command));
  const at = new Date(deps.config.now());
  const envelope: CommandEnvelope = {
    commandId: crypto.randomUUID(),
    issuedBy,
    issuedAt: at.getTime(),
    idempotencyKey,
    command,
  };
  const payload = checkStreamPayload('commands', envelope);
  const stored = await deps.db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as EnigmaDb;
    const inserted = await insertCommand(tx, {
      id: envelope.commandId,
      issuedBy,
      idempotencyKey,
      type: command.type,
      command: command as unknown as Record<string, unknown>,
      fingerprint,
    });
    if (!inserted.created) return inserted;
    await alongside?.(tx, at, envelope.commandId);
    await recordAudit(tx, deps.config, {
      actor: issuedBy,
      action: `command.${command.type}`,
      entity: 'command',
      entityId: envelope.commandId,
      data: command,
      at,
    });
    await holdOutboxEntry(tx, { id: envelope.commandId, stream: STREAMS.commands, payload });
    return inserted;
  });
  if (!stored.created) {
    if (stored.conflict)
      throw new ApiError('conflict', 'this Idempotency-Key was used for a different command');
    return { commandId: stored.command.id, replayed: true };
  }
  // Published now; if the append fails, the outbox relay publishes it after the lease.
  await publishHeldEntry(
    { db: deps.db, bus: deps.bus },
    { id: envelope.commandId, stream: STREAMS.commands, payload },
  );
  return { commandId: envelope.commandId, replayed: false };
}

const CommandOutcome = commandOutcomeSchema;

const getOne = createRoute({
  method: 'get',
  path: '/commands/{commandId}',
  summary:
    "A command's outcome: pending until the engine has run it, then done, failed or rejected with the reason",
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  tags: ['orders'],
  request: { params: z.object({ commandId: z.uuid() }) },
  responses: {
    200: { description: 'The command', content: { 'application/json': { schema: CommandOutcome } } },
    ...errorResponses,
  },
});
const list = createRoute({
  method: 'get',
  path: '/commands',
  summary: 'The latest operator commands with their outcomes',
  security: bearerSecurity,
  middleware: [requireRole('viewer')],
  tags: ['orders'],
  responses: {
    200: {
      description: 'Commands, newest first',
      content: { 'application/json': { schema: z.object({ items: z.array(CommandOutcome) }) } },
    },
    ...errorResponses,
  },
});

const outcomeOf = (r: CommandRow) => ({
  commandId: r.id,
  type: r.type,
  status: r.status,
  reason: r.reason,
  result: r.result ?? null,
  issuedBy: r.issuedBy,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

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
  api.openapi(getOne, async (c) => {
    const row = await getCommand(c.get('deps').db, c.req.valid('param').commandId);
    if (!row) throw new ApiError('not_found', 'no such command');
    return c.json(outcomeOf(row), 200);
  });
  api.openapi(list, async (c) =>
    c.json({ items: (await listCommands(c.get('deps').db, 100)).map(outcomeOf) }, 200),
  );
  api.openapi(tpsl, (c) =>
    submitCommand(
      c,
      { ...c.req.valid('json'), symbol: c.req.valid('param').symbol, type: 'set_tpsl' },
      setTpSlCommand,
    ),
  );
}
