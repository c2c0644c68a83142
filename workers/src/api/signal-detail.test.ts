import { insertCommand } from '@enigma/db/repositories/commands';
import { insertSignalIdempotent, insertSignalRecord } from '@enigma/db/repositories/signals';
import {
  ensureAccount,
  insertFill,
  insertOrderIntent,
  insertRiskEvent,
  upsertIntent,
} from '@enigma/db/repositories/trading';
import { indicatorSnapshots, modelScores } from '@enigma/db/schema/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { createUserWithPassword as createUser } from '../auth/users.ts';

let h: Awaited<ReturnType<typeof nodeHarness>>;
let viewer: string;
const call = apiCaller(() => h.app);

beforeAll(async () => {
  h = await nodeHarness();
  await createUser(h.db, { email: 'viewer@x.test', password: 'viewer-password', role: 'viewer' });
  const login = await call('POST', '/api/auth/login', {
    body: { email: 'viewer@x.test', password: 'viewer-password' },
  });
  viewer = login.json.accessToken;
});
afterAll(() => h.close());

describe('GET /api/signals/{id}', () => {
  it("shows a signal's indicators, model output, risk decisions, intent, orders, fills and commands", async () => {
    const { signal } = await insertSignalIdempotent(h.db, {
      source: 'tradingview',
      idempotencyKey: 'detail-1',
      status: 'filled',
      symbol: 'XBTUSDTM',
      action: 'buy',
      payload: { ticker: 'XBTUSDTM', action: 'buy' },
      price: '60000.5',
      metadata: { ageMs: 42 },
    });
    // another signal's rows must not leak into this one's detail
    const { signal: other } = await insertSignalIdempotent(h.db, {
      source: 'tradingview',
      idempotencyKey: 'detail-2',
      status: 'risk_blocked',
      symbol: 'XBTUSDTM',
    });
    const account = await ensureAccount(h.db, 'sim', 'sim');
    await h.db.insert(indicatorSnapshots).values([
      {
        signalId: signal.id,
        symbol: 'XBTUSDTM',
        timeframe: '1m',
        at: new Date(),
        values: { rsi: 55.5, atr: null },
      },
      { signalId: other.id, symbol: 'XBTUSDTM', timeframe: '1m', at: new Date(), values: { rsi: 1 } },
    ]);
    await h.db.insert(modelScores).values({
      signalId: signal.id,
      modelName: 'scorer',
      modelVersion: 'scorer-only',
      score: '71',
      decision: 'long',
      features: { reasons: ['rsi rising'] },
    });
    await insertRiskEvent(h.db, {
      accountId: account,
      signalId: signal.id,
      code: 'risk_per_trade',
      severity: 'warn',
      message: 'equity unknown',
    });
    await insertRiskEvent(h.db, {
      accountId: account,
      signalId: other.id,
      code: 'kill_switch',
      severity: 'block',
    });
    const { intent } = await upsertIntent(h.db, {
      signalId: signal.id,
      accountId: account,
      symbol: 'XBTUSDTM',
      side: 'buy',
      size: 2,
    });
    const cmd = await insertCommand(h.db, {
      id: crypto.randomUUID(),
      issuedBy: 'admin@x.test',
      idempotencyKey: 'close-1',
      type: 'close_position',
      command: { type: 'close_position', symbol: 'XBTUSDTM' },
      fingerprint: 'f',
    });
    // the entry carries the signal; the stop only its intent; the exit came from an operator's command
    const { order: entry } = await insertOrderIntent(h.db, {
      clientOid: 'detail-entry',
      accountId: account,
      signalId: signal.id,
      intentId: intent.id,
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 2,
    });
    await insertOrderIntent(h.db, {
      clientOid: 'detail-stop',
      accountId: account,
      intentId: intent.id,
      purpose: 'stop',
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'stop_market',
      stopPrice: '59000',
      size: 2,
      reduceOnly: true,
    });
    await insertOrderIntent(h.db, {
      clientOid: 'detail-exit',
      accountId: account,
      signalId: signal.id,
      commandId: cmd.command.id,
      purpose: 'exit',
      symbol: 'XBTUSDTM',
      side: 'sell',
      type: 'market',
      size: 2,
      reduceOnly: true,
    });
    await insertOrderIntent(h.db, {
      clientOid: 'unrelated',
      accountId: account,
      symbol: 'XBTUSDTM',
      side: 'buy',
      type: 'market',
      size: 1,
    });
    await insertFill(h.db, {
      orderId: entry.id,
      accountId: account,
      tradeId: 't-1',
      symbol: 'XBTUSDTM',
      side: 'buy',
      price: '60001',
      size: 2,
      fee: '0.072',
      filledAt: new Date(),
    });

    const r = await call('GET', `/api/signals/${signal.id}`, { token: viewer });
    expect(r.status).toBe(200);
    expect(r.json.signal).toMatchObject({ id: signal.id, status: 'filled', price: '60000.5' });
    expect(r.json.metadata).toEqual({ ageMs: 42 });
    expect(r.json.indicators).toEqual([
      expect.objectContaining({ timeframe: '1m', values: { rsi: 55.5, atr: null } }),
    ]);
    expect(r.json.scores).toEqual([
      expect.objectContaining({ modelName: 'scorer', score: '71', decision: 'long' }),
    ]);
    expect(r.json.riskEvents).toEqual([
      expect.objectContaining({ code: 'risk_per_trade', severity: 'warn', message: 'equity unknown' }),
    ]);
    expect(r.json.intent).toMatchObject({ id: intent.id, size: 2 });
    expect(r.json.orders.map((o: { clientOid: string }) => o.clientOid)).toEqual([
      'detail-entry',
      'detail-stop',
      'detail-exit',
    ]);
    expect(r.json.fills).toEqual([expect.objectContaining({ tradeId: 't-1', price: '60001', fee: '0.072' })]);
    expect(r.json.commands).toEqual([
      expect.objectContaining({ commandId: cmd.command.id, type: 'close_position', status: 'pending' }),
    ]);
  });

  it('shows a refused alert with nothing downstream', async () => {
    const refused = await insertSignalRecord(h.db, {
      source: 'tradingview',
      status: 'rejected',
      reason: 'bad_secret',
    });
    const r = await call('GET', `/api/signals/${refused.id}`, { token: viewer });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      signal: { status: 'rejected', reason: 'bad_secret' },
      indicators: [],
      scores: [],
      riskEvents: [],
      intent: null,
      orders: [],
      fills: [],
      commands: [],
    });
  });

  it('answers 404 for an unknown id, 422 naming the field for a malformed one, 401 without a token', async () => {
    const missing = await call('GET', `/api/signals/${crypto.randomUUID()}`, { token: viewer });
    expect(missing.status).toBe(404);
    const bad = await call('GET', '/api/signals/not-a-uuid', { token: viewer });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json.error)).toContain('id');
    expect((await call('GET', `/api/signals/${crypto.randomUUID()}`)).status).toBe(401);
  });
});
