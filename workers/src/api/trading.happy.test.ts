import {
  candleSchema,
  closedTradeSchema,
  orderSchema,
  positionSchema,
  webhookSourceSchema,
} from '@enigma/core/api/responses';
import { LIVE_ORDER_STATES, ORDER_STATES } from '@enigma/core/engine/order-state';
import { candles, closedTrades, orders, positions } from '@enigma/db/schema/index';
import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiCaller } from '../../test/api-client.ts';
import { nodeHarness } from '../../test/node-harness.ts';
import { bootstrapEmbedded } from '../bootstrap.ts';
import { CSV_PAGE_ROWS } from './trading.ts';

// The read routes answer exactly the fields of their response schema (core/src/api/responses.ts),
// no stored column more (e.g. an order's raw exchange answer, a position's stop clientOid).

let h: Awaited<ReturnType<typeof nodeHarness>>;
let token: string;
const call = apiCaller(() => h.app);

const keysOf = (schema: z.ZodObject) => Object.keys(schema.shape).sort();

beforeAll(async () => {
  h = await nodeHarness();
  const boot = await bootstrapEmbedded(
    { db: h.db, kv: h.kv, bus: h.bus, config: h.config, logger: h.deps.logger },
    { baseUrl: 'http://127.0.0.1:1' },
  );
  const r = await call('POST', '/api/auth/login', { body: boot.admin! });
  token = r.json.accessToken;
  const at = new Date(h.clock.now - 60_000);
  await h.db.insert(positions).values({
    symbol: 'XBTUSDTM',
    qty: 3,
    avgEntryPrice: '64000.5',
    leverage: '5',
    marginMode: 'ISOLATED',
    stopPrice: '63000',
    stopClientOid: 'internal-stop-oid',
    takeProfits: [{ level: 1, price: '65000', lots: 1, clientOid: 'tp-1' }],
    openedAt: at,
  });
  await h.db.insert(orders).values({
    clientOid: 'oid-1',
    symbol: 'XBTUSDTM',
    side: 'buy',
    type: 'market',
    size: 3,
    filledSize: 3,
    status: 'filled',
    raw: { secretish: 'exchange answer' },
    fence: 7,
  });
  await h.db.insert(closedTrades).values({
    symbol: 'XBTUSDTM',
    side: 'short',
    size: 2,
    entryPrice: '64000',
    exitPrice: '63900',
    grossPnl: '0.2',
    netPnl: '0.15',
    openedAt: at,
    closedAt: new Date(h.clock.now),
  });
  await h.db.insert(candles).values({
    symbol: 'XBTUSDTM',
    timeframe: '1m',
    openTime: at,
    open: '64000',
    high: '64100',
    low: '63900',
    close: '64050',
    volume: '12.5',
  });
});
afterAll(() => h.close());

describe('exact response fields', () => {
  it('GET /api/positions', async () => {
    const r = await call('GET', '/api/positions', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.items[0]).sort()).toEqual(keysOf(positionSchema));
    expect(positionSchema.parse(r.json.items[0])).toMatchObject({ qty: 3, avgEntryPrice: '64000.5' });
    expect(r.text).not.toContain('internal-stop-oid');
  });

  it('GET /api/orders', async () => {
    const r = await call('GET', '/api/orders', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.items[0]).sort()).toEqual(keysOf(orderSchema));
    expect(r.json.items[0]).toMatchObject({ clientOid: 'oid-1', size: 3, status: 'filled' });
    expect(r.text).not.toContain('exchange answer');
  });

  it('GET /api/trades', async () => {
    const r = await call('GET', '/api/trades', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.items[0]).sort()).toEqual(keysOf(closedTradeSchema));
    // no leverage stored: the return on margin is unknown, not guessed; on notional 0.15 / 128
    expect(r.json.items[0]).toMatchObject({
      side: 'short',
      netPnl: '0.15',
      leverage: null,
      roiOnNotional: '0.001171875',
      roiOnMargin: null,
    });
  });

  it('GET /api/candles', async () => {
    const from = new Date(h.clock.now - 3_600_000).toISOString();
    const to = new Date(h.clock.now).toISOString();
    const r = await call('GET', `/api/candles?symbol=XBTUSDTM&timeframe=1m&from=${from}&to=${to}`, { token });
    expect(r.status).toBe(200);
    expect(r.json.items.map((c: unknown) => candleSchema.parse(c))).toHaveLength(1);
    expect(Object.keys(r.json.items[0]).sort()).toEqual(keysOf(candleSchema));
  });

  it('GET /api/settings/webhook-sources', async () => {
    const r = await call('GET', '/api/settings/webhook-sources', { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.items[0]).sort()).toEqual(keysOf(webhookSourceSchema));
  });
});

describe('GET /api/orders?live=true', () => {
  it('answers every order that may still trade, intent and unknown too, however many newer ones ended', async () => {
    // one older order in each state (2024), then 5 newer finished ones: a plain newest-first read of 5
    // rows sees only those
    await h.db.insert(orders).values(
      ORDER_STATES.map((status, i) => ({
        clientOid: `live-check-${status}`,
        symbol: 'ETHUSDTM',
        side: 'sell' as const,
        type: 'limit',
        price: '3000',
        size: 1,
        status,
        createdAt: new Date(Date.UTC(2024, 0, 1 + i)),
      })),
    );
    await h.db.insert(orders).values(
      [1, 2, 3, 4, 5].map((i) => ({
        clientOid: `live-check-done-${i}`,
        symbol: 'ETHUSDTM',
        side: 'buy' as const,
        type: 'market',
        size: 1,
        filledSize: 1,
        status: 'filled' as const,
        createdAt: new Date(Date.UTC(2024, 1, i)),
      })),
    );
    const plain = await call('GET', '/api/orders?symbol=ETHUSDTM&limit=5', { token });
    expect(plain.json.items.map((o: { status: string }) => o.status)).toEqual(Array(5).fill('filled'));
    const live = await call('GET', '/api/orders?symbol=ETHUSDTM&live=true&limit=5', { token });
    expect(live.status).toBe(200);
    const statuses = live.json.items.map((o: { status: string }) => o.status).sort();
    expect(statuses).toEqual([...LIVE_ORDER_STATES].sort());
    expect(statuses).toEqual(['intent', 'open', 'partially_filled', 'submitting', 'unknown']);
    const all = await call('GET', '/api/orders?symbol=ETHUSDTM&live=false&limit=50', { token });
    expect(all.json.items).toHaveLength(ORDER_STATES.length + 5);
    expect((await call('GET', '/api/orders?live=yes', { token })).status).toBe(422);
  });
});

describe('the OpenAPI document names each response', () => {
  it('lists use named component schemas, not loose records', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json;
    const itemsRef = (path: string) =>
      doc.paths[path].get.responses['200'].content['application/json'].schema.properties.items.items.$ref;
    expect(itemsRef('/positions')).toBe('#/components/schemas/Position');
    expect(itemsRef('/orders')).toBe('#/components/schemas/Order');
    expect(itemsRef('/trades')).toBe('#/components/schemas/ClosedTrade');
    expect(itemsRef('/candles')).toBe('#/components/schemas/Candle');
    expect(itemsRef('/settings/webhook-sources')).toBe('#/components/schemas/WebhookSource');
    expect(itemsRef('/alerts')).toBe('#/components/schemas/AlertNotice');
    expect(doc.components.schemas.Position.properties.qty.type).toBe('integer');
  });

  it('no 2xx response holds a loose record anywhere, except the fields listed as still open', async () => {
    const doc = (await call('GET', '/api/openapi.json')).json;
    type Schema = {
      $ref?: string;
      type?: string | string[];
      properties?: Record<string, Schema>;
      additionalProperties?: unknown;
      items?: Schema;
      anyOf?: Schema[];
      oneOf?: Schema[];
    };
    const loose: string[] = [];
    const walk = (s: Schema | undefined, at: string, seen: Set<string>): void => {
      if (!s) return;
      if (s.$ref) {
        const name = s.$ref.split('/').pop()!;
        if (!seen.has(name)) walk(doc.components.schemas[name], at, new Set([...seen, name]));
        return;
      }
      const types = Array.isArray(s.type) ? s.type : [s.type];
      const values = s.additionalProperties as Schema | boolean | undefined;
      const untyped = values === true || (typeof values === 'object' && Object.keys(values).length === 0);
      if (types.includes('object') && !s.properties && untyped) loose.push(at);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${at}.${k}`, seen);
      walk(s.items, `${at}[]`, seen);
      for (const v of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) walk(v, at, seen);
    };
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { responses: object }>>,
    ))
      for (const [method, op] of Object.entries(ops))
        for (const [status, res] of Object.entries(op.responses as Record<string, { content?: object }>)) {
          if (!status.startsWith('2')) continue;
          const json = (res.content as Record<string, { schema: Schema }> | undefined)?.['application/json'];
          walk(json?.schema, `${method.toUpperCase()} ${path}`, new Set());
        }
    // What is left loose (docs/intake.md "Response schemas"): free-form JSON the sender or the engine
    // wrote (signal metadata, model features, risk-event data, command results), the effective risk
    // limits (the engine's resolved object). Everything else is a named schema.
    expect(loose.sort()).toEqual([
      'GET /commands.items[].result',
      'GET /commands/{commandId}.result',
      'GET /risk.effective',
      'GET /risk/events.items[].data',
      'GET /signals/{id}.commands[].result',
      'GET /signals/{id}.metadata',
      'GET /signals/{id}.riskEvents[].data',
      'GET /signals/{id}.scores[].features',
    ]);
  });
});

describe('GET /api/trades.csv streams every trade', () => {
  beforeAll(async () => {
    // 2,499 more trades over three pages, with ties on closed_at (every 700th) and microseconds
    await h.db.execute(sql`insert into closed_trades
        (symbol, side, size, entry_price, exit_price, gross_pnl, net_pnl, opened_at, closed_at)
      select 'ETHUSDTM', 'long', 1 + g % 5, '3000', '3001.5', '1.5', '1.25',
        timestamptz '2024-05-01 10:00:00+00',
        timestamptz '2024-05-01 11:00:00+00' - (g % 700) * interval '1 second' + (g % 7) * interval '1 microsecond'
      from generate_series(1, 2499) g`);
  });

  it('answers every matching trade exactly once, newest first, in pages', async () => {
    const r = await call('GET', '/api/trades.csv', { token });
    expect(r.status).toBe(200);
    const lines = r.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,symbol,side,size,entryPrice,exitPrice,grossPnl,fees,funding,netPnl,openedAt,closedAt,exitReason,signalId,exchangePnl,exchangeFees,exchangeFunding,leverage,roiOnNotional,roiOnMargin',
    );
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    const stored = await h.db
      .select({ id: closedTrades.id })
      .from(closedTrades)
      .orderBy(desc(closedTrades.closedAt), desc(closedTrades.id));
    expect(stored.length).toBeGreaterThan(2 * CSV_PAGE_ROWS);
    expect(ids).toEqual(stored.map((s) => s.id));
    const eth = await call('GET', '/api/trades.csv?symbol=ETHUSDTM', { token });
    expect(eth.text.trimEnd().split('\r\n')).toHaveLength(2500);
  });

  it('reads the database only as the client reads the stream', async () => {
    // its own trades (a contract no other test lists), so deleting them leaves the other tests' rows
    await h.db.execute(sql`insert into closed_trades
        (symbol, side, size, entry_price, exit_price, gross_pnl, net_pnl, opened_at, closed_at)
      select 'SOLUSDTM', 'long', 1, '150', '151', '1', '0.9',
        timestamptz '2024-05-01 09:00:00+00', timestamptz '2024-05-01 10:00:00+00' - g * interval '1 second'
      from generate_series(1, ${3 * CSV_PAGE_ROWS}) g`);
    const res = await h.app.request('/api/trades.csv?symbol=SOLUSDTM', {
      headers: { authorization: `Bearer ${token}` },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value!, { stream: true });
    // the rest is gone before the client asks for it: what it gets next is read now, not buffered
    await h.db.delete(closedTrades).where(eq(closedTrades.symbol, 'SOLUSDTM'));
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += decoder.decode(chunk.value, { stream: true });
    expect(text.trimEnd().split('\r\n')).toHaveLength(1 + CSV_PAGE_ROWS);
  });
});
