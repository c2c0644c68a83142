import { commandAcceptedSchema, commandOutcomeSchema } from '@enigma/core/api/responses';
import { STREAMS } from '@enigma/core/bus/index';
import { auditLog, commands } from '@enigma/db/schema/index';
import { desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loginAs, useApiHarness } from '../../test/node-harness.ts';

// The operator command routes: each stores its command, audit row and outbox entry in one
// transaction, appends the envelope to `commands` and answers exactly CommandAccepted; the command
// read routes answer exactly CommandOutcome.

const t = useApiHarness('trader');
let key = 0;
const fresh = () => ({ 'idempotency-key': `happy-${++key}-${crypto.randomUUID()}` });

async function accepted(method: string, path: string, body: unknown, command: Record<string, unknown>) {
  const before = t.h.bus.entries.length;
  const r = await t.call(method, path, { token: t.token, headers: fresh(), ...(body ? { body } : {}) });
  expect(r.status, `${method} ${path}`).toBe(202);
  expect(commandAcceptedSchema.parse(r.json)).toEqual(r.json);
  expect(r.json).toEqual({ commandId: expect.any(String), status: 'accepted', replayed: false });
  const [row] = await t.h.db.select().from(commands).where(eq(commands.id, r.json.commandId));
  expect(row).toMatchObject({ type: command['type'], status: 'pending', command });
  const [audit] = await t.h.db.select().from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  expect(audit).toMatchObject({ action: `command.${command['type']}`, entityId: r.json.commandId });
  const appended = t.h.bus.entries.slice(before);
  expect(appended).toEqual([
    {
      stream: STREAMS.commands,
      payload: {
        commandId: r.json.commandId,
        issuedBy: row!.issuedBy,
        issuedAt: t.h.clock.now,
        idempotencyKey: row!.idempotencyKey,
        command,
      },
    },
  ]);
  return r.json.commandId as string;
}

describe('commands: happy paths', () => {
  it('POST /api/orders: a limit order, its price in canonical form', async () => {
    await accepted(
      'POST',
      '/api/orders',
      { symbol: 'XBTUSDTM', side: 'buy', orderType: 'limit', size: 2, price: '64000.50', stopLoss: '63000' },
      {
        type: 'place_order',
        symbol: 'XBTUSDTM',
        side: 'buy',
        orderType: 'limit',
        size: 2,
        price: '64000.5',
        reduceOnly: false,
        postOnly: false,
        marginMode: 'isolated',
        stopLoss: '63000',
      },
    );
  });

  it('POST /api/orders: a stop limit in cross margin, and a market order with a router style', async () => {
    await accepted(
      'POST',
      '/api/orders',
      {
        symbol: 'XBTUSDTM',
        side: 'sell',
        orderType: 'stop_limit',
        size: 1,
        stopPrice: '62000.0',
        price: '61990',
        marginMode: 'cross',
        leverage: 3,
      },
      {
        type: 'place_order',
        symbol: 'XBTUSDTM',
        side: 'sell',
        orderType: 'stop_limit',
        size: 1,
        stopPrice: '62000',
        price: '61990',
        reduceOnly: false,
        postOnly: false,
        marginMode: 'cross',
        leverage: 3,
      },
    );
    await accepted(
      'POST',
      '/api/orders',
      { symbol: 'XBTUSDTM', side: 'buy', orderType: 'market', size: 10, execution: 'twap' },
      {
        type: 'place_order',
        symbol: 'XBTUSDTM',
        side: 'buy',
        orderType: 'market',
        size: 10,
        reduceOnly: false,
        postOnly: false,
        marginMode: 'isolated',
        execution: 'twap',
      },
    );
  });

  it('DELETE /api/orders/{orderId}, POST /api/orders/cancel-all, POST /api/positions/{symbol}/close', async () => {
    await accepted('DELETE', '/api/orders/ord-123', undefined, { type: 'cancel_order', orderId: 'ord-123' });
    await accepted(
      'POST',
      '/api/orders/cancel-all',
      { symbol: 'ETHUSDTM' },
      { type: 'cancel_all', symbol: 'ETHUSDTM' },
    );
    await accepted('POST', '/api/orders/cancel-all', {}, { type: 'cancel_all' });
    await accepted('POST', '/api/positions/XBTUSDTM/close', undefined, {
      type: 'close_position',
      symbol: 'XBTUSDTM',
    });
  });

  it('PUT /api/positions/{symbol}/tpsl sets one and clears the other', async () => {
    await accepted(
      'PUT',
      '/api/positions/XBTUSDTM/tpsl',
      { takeProfit: '70000', stopLoss: null },
      { type: 'set_tpsl', symbol: 'XBTUSDTM', takeProfit: '70000', stopLoss: null },
    );
  });

  it('a retry with the same Idempotency-Key and body is a replay: the first id, nothing new stored or sent', async () => {
    const headers = fresh();
    const body = { symbol: 'XBTUSDTM', side: 'sell', orderType: 'market', size: 1 };
    const first = await t.call('POST', '/api/orders', { token: t.token, headers, body });
    const before = t.h.bus.entries.length;
    const again = await t.call('POST', '/api/orders', { token: t.token, headers, body });
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ commandId: first.json.commandId, status: 'accepted', replayed: true });
    expect(t.h.bus.entries.length).toBe(before);
  });

  it('GET /api/commands/{id} and GET /api/commands answer exactly CommandOutcome', async () => {
    const id = await accepted('DELETE', '/api/orders/ord-9', undefined, {
      type: 'cancel_order',
      orderId: 'ord-9',
    });
    const { token } = await loginAs(t.h, 'viewer');
    const one = await t.call('GET', `/api/commands/${id}`, { token });
    expect(one.status).toBe(200);
    expect(commandOutcomeSchema.parse(one.json)).toEqual(one.json);
    const [row] = await t.h.db.select().from(commands).where(eq(commands.id, id));
    expect(one.json).toEqual({
      commandId: id,
      type: 'cancel_order',
      status: 'pending',
      reason: null,
      result: null,
      issuedBy: row!.issuedBy,
      createdAt: row!.createdAt.toISOString(),
      updatedAt: row!.updatedAt.toISOString(),
    });
    const list = await t.call('GET', '/api/commands', { token });
    expect(list.status).toBe(200);
    expect(Object.keys(list.json)).toEqual(['items']);
    for (const item of list.json.items) expect(commandOutcomeSchema.parse(item)).toEqual(item);
    expect(list.json.items[0]).toEqual(one.json);
  });
});
