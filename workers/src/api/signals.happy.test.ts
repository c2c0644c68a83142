import { signalDetailSchema, signalPageSchema, signalSchema } from '@enigma/core/api/responses';
import { signals } from '@enigma/db/schema/index';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiHarness } from '../../test/node-harness.ts';

// GET /api/signals and GET /api/signals/{id}: exactly the Signal, SignalPage and SignalDetail schemas.

const t = useApiHarness('viewer');
const base = Date.UTC(2024, 4, 1, 12, 0, 0);
/** three signals, oldest first */
const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];

beforeAll(async () => {
  for (const [i, id] of ids.entries()) {
    await t.h.db.insert(signals).values({
      id,
      source: 'tradingview',
      status: i === 1 ? 'rejected' : 'received',
      reason: i === 1 ? 'invalid_secret: secret does not match' : null,
      symbol: i === 2 ? 'ETHUSDTM' : 'XBTUSDTM',
      rawSymbol: i === 2 ? 'ETHUSDT.P' : 'XBTUSDTM',
      action: 'buy',
      interval: '15',
      alertTime: new Date(base + i * 60_000 - 1_000),
      receivedAt: new Date(base + i * 60_000),
      clientIp: '52.89.214.238',
      payload: { action: 'buy', contracts: '2' },
      price: '64150.5',
      contracts: '2',
      metadata: { route: 'tradingview' },
    });
  }
});

const expected = (i: number) => ({
  id: ids[i],
  source: 'tradingview',
  status: i === 1 ? 'rejected' : 'received',
  reason: i === 1 ? 'invalid_secret: secret does not match' : null,
  symbol: i === 2 ? 'ETHUSDTM' : 'XBTUSDTM',
  rawSymbol: i === 2 ? 'ETHUSDT.P' : 'XBTUSDTM',
  action: 'buy',
  interval: '15',
  alertTime: new Date(base + i * 60_000 - 1_000).toISOString(),
  receivedAt: new Date(base + i * 60_000).toISOString(),
  clientIp: '52.89.214.238',
  price: '64150.5',
  contracts: '2',
  duplicateOf: null,
  score: null,
  payload: { action: 'buy', contracts: '2' },
});

describe('signals: happy paths', () => {
  it('GET /api/signals: newest first, exactly the SignalPage schema', async () => {
    const r = await t.call('GET', '/api/signals', { token: t.token });
    expect(r.status).toBe(200);
    expect(signalPageSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({ items: [expected(2), expected(1), expected(0)], nextCursor: null });
    expect(Object.keys(r.json.items[0]).sort()).toEqual(Object.keys(signalSchema.shape).sort());
  });

  it('filters by status, symbol and time, and pages by cursor', async () => {
    const rejected = await t.call('GET', '/api/signals?status=rejected,invalid', { token: t.token });
    expect(rejected.json.items).toEqual([expected(1)]);
    const eth = await t.call('GET', '/api/signals?symbol=ETHUSDTM', { token: t.token });
    expect(eth.json.items).toEqual([expected(2)]);
    const from = new Date(base + 30_000).toISOString();
    const to = new Date(base + 90_000).toISOString();
    const window = await t.call('GET', `/api/signals?from=${from}&to=${to}`, { token: t.token });
    expect(window.json.items).toEqual([expected(1)]);
    const page1 = await t.call('GET', '/api/signals?limit=2', { token: t.token });
    expect(page1.json).toEqual({ items: [expected(2), expected(1)], nextCursor: ids[1] });
    const page2 = await t.call('GET', `/api/signals?limit=2&cursor=${page1.json.nextCursor}`, {
      token: t.token,
    });
    expect(page2.json).toEqual({ items: [expected(0)], nextCursor: null });
  });

  it('GET /api/signals/{id}: exactly the SignalDetail schema (nothing computed yet: empty lists)', async () => {
    const r = await t.call('GET', `/api/signals/${ids[0]}`, { token: t.token });
    expect(r.status).toBe(200);
    expect(signalDetailSchema.parse(r.json)).toEqual(r.json);
    expect(r.json).toEqual({
      signal: expected(0),
      metadata: { route: 'tradingview' },
      indicators: [],
      scores: [],
      riskEvents: [],
      intent: null,
      orders: [],
      fills: [],
      commands: [],
    });
  });
});
