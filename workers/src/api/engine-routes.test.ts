import { DEFAULT_STRATEGY } from '@enigma/core/engine/strategy';
import { setBreaker } from '@enigma/db/repositories/circuit-breakers';
import { getCommand, listCommands } from '@enigma/db/repositories/commands';
import { getSetting } from '@enigma/db/repositories/settings';
import { outbox } from '@enigma/db/schema/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { bootstrapEmbedded } from '../bootstrap.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let adminToken: string;

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken}`, ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await h.app.request(path, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  return { status: res.status, json: json as never as Record<string, any>, text };
}

beforeAll(async () => {
  h = await nodeHarness();
  const boot = await bootstrapEmbedded(
    {
      db: h.db,
      kv: h.kv,
      bus: h.bus,
      config: h.config,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    },
    { baseUrl: 'http://127.0.0.1:1' },
  );
  const login = await h.app.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: boot.admin!.email, password: boot.admin!.password }),
  });
  adminToken = ((await login.json()) as { accessToken: string }).accessToken;
});
afterAll(() => h.close?.());

describe('commands are idempotent in the database and their outcome is readable', () => {
  it('stores a command once per issuer and key, replays it, refuses the key for another command', async () => {
    const before = h.bus.entries.filter((e) => e.stream === 'commands').length;
    const body = { symbol: 'XBTUSDTM', side: 'buy', orderType: 'market', size: 1 };
    const first = await call('POST', '/api/orders', { body, headers: { 'idempotency-key': 'k-db-1' } });
    expect(first.status).toBe(202);
    const again = await call('POST', '/api/orders', { body, headers: { 'idempotency-key': 'k-db-1' } });
    expect(again.json).toMatchObject({ commandId: first.json.commandId, replayed: true });
    const other = await call('POST', '/api/orders', {
      body: { ...body, size: 2 },
      headers: { 'idempotency-key': 'k-db-1' },
    });
    expect(other.status).toBe(409);
    // one stream entry, one row, and nothing left in the outbox once published
    expect(h.bus.entries.filter((e) => e.stream === 'commands').length).toBe(before + 1);
    const row = await getCommand(h.db, first.json.commandId);
    expect(row).toMatchObject({ type: 'place_order', status: 'pending', idempotencyKey: 'k-db-1' });
    // (this command's entry: the outbox test below leaves its own on purpose)
    expect((await h.db.select().from(outbox)).filter((e) => e.id === first.json.commandId)).toEqual([]);
    const read = await call('GET', `/api/commands/${first.json.commandId}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      commandId: first.json.commandId,
      type: 'place_order',
      status: 'pending',
      reason: null,
    });
    expect(
      (await call('GET', '/api/commands')).json.items.map((i: { commandId: string }) => i.commandId),
    ).toContain(first.json.commandId);
    expect((await call('GET', '/api/commands/6f1c1d1e-3a8b-4f63-9a3e-0c1f2b3a4d5e')).status).toBe(404);
  });

  it('keeps a command in the outbox when the stream append fails, so the relay publishes it', async () => {
    const append = h.bus.append.bind(h.bus);
    h.bus.append = async () => {
      throw new Error('stream down');
    };
    try {
      const r = await call('POST', '/api/orders/cancel-all', {
        body: {},
        headers: { 'idempotency-key': 'k-outbox' },
      });
      expect(r.status).toBe(202);
      const left = await h.db.select().from(outbox);
      const mine = left.filter((e) => e.id === r.json.commandId);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.payload).toMatchObject({
        commandId: r.json.commandId,
        command: { type: 'cancel_all' },
      });
    } finally {
      h.bus.append = append;
    }
  });
});

describe('kill switch, limits, breakers and strategies', () => {
  it('stores the kill switch state and its command in one transaction', async () => {
    const killSwitchCommands = async () => (await listCommands(h.db)).filter((c) => c.type === 'kill_switch');
    const before = (await killSwitchCommands()).length;
    const r = await call('PUT', '/api/risk/kill-switch', {
      body: { on: true, reason: 'drill', flatten: true },
    });
    expect(r.status).toBe(200);
    const stored = (await getSetting(h.db, 'risk.kill_switch')) as Record<string, unknown>;
    expect(stored).toMatchObject({ on: true, reason: 'drill', flatten: true, commandId: r.json.commandId });
    expect(await getCommand(h.db, r.json.commandId)).toMatchObject({
      type: 'kill_switch',
      command: { on: true, flatten: true },
    });
    // an empty body never turns it off
    const empty = await h.app.request('/api/risk/kill-switch', {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(empty.status).toBeGreaterThanOrEqual(400);
    expect(empty.status).toBeLessThan(500);
    expect((await getSetting(h.db, 'risk.kill_switch')) as Record<string, unknown>).toMatchObject({
      on: true,
    });
    const off = await call('PUT', '/api/risk/kill-switch', { body: { on: false, reason: 'drill over' } });
    expect(off.json).toMatchObject({ on: false, reason: 'drill over' });
    expect(await killSwitchCommands()).toHaveLength(before + 2);
  });

  it('takes risk limits with the one schema: percentages where 1 means 1 %, absent means the default', async () => {
    expect(
      (await call('PUT', '/api/settings/risk-limits', { body: { riskPerTradePct: '150' } })).status,
    ).toBe(422);
    expect((await call('PUT', '/api/settings/risk-limits', { body: { maxDailyLoss: 250 } })).status).toBe(
      422,
    );
    expect(
      (
        await call('PUT', '/api/settings/risk-limits', {
          body: { maxDailyLoss: '250', priceCollarPct: '1.5' },
        })
      ).status,
    ).toBe(200);
    const state = await call('GET', '/api/risk');
    expect(state.json.limits).toEqual({ maxDailyLoss: '250', priceCollarPct: '1.5' });
    expect(state.json.effective).toMatchObject({
      maxDailyLoss: '250',
      priceCollarPct: '1.5',
      maxLeverage: 10,
    });
    expect(state.json.limitsError).toBeNull();
  });

  it('resets a tripped breaker only with a reason, audited', async () => {
    await setBreaker(h.db, 'daily_loss', { state: 'halted', reason: 'net -600 USDT today' });
    expect((await call('GET', '/api/risk')).json.breakers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'daily_loss', state: 'halted' })]),
    );
    expect((await call('POST', '/api/risk/breakers/daily_loss/reset', { body: {} })).status).toBe(422);
    expect((await call('POST', '/api/risk/breakers/melted/reset', { body: { reason: 'x' } })).status).toBe(
      422,
    );
    const reset = await call('POST', '/api/risk/breakers/daily_loss/reset', {
      body: { reason: 'reviewed the losses' },
    });
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ name: 'daily_loss', state: 'active', reason: null });
    expect((await call('GET', '/api/audit/verify')).json.ok).toBe(true);
  });

  it('reads and replaces a source strategy with the one schema', async () => {
    expect((await call('GET', '/api/settings/strategies/nobody')).status).toBe(404);
    const target = { ...DEFAULT_STRATEGY, mode: 'target', multiplier: '2' };
    expect((await call('PUT', '/api/settings/strategies/tradingview', { body: target })).status).toBe(200);
    expect((await call('GET', '/api/settings/strategies/tradingview')).json).toMatchObject({
      mode: 'target',
      multiplier: '2',
    });
    expect(
      (await call('PUT', '/api/settings/strategies/tradingview', { body: { ...target, mode: 'yolo' } }))
        .status,
    ).toBe(422);
    expect(
      (await call('PUT', '/api/settings/strategies/tradingview', { body: { ...target, leverage: 0 } }))
        .status,
    ).toBe(422);
  });
});
