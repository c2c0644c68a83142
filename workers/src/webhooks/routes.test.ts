import { webhookIdempotencyKey } from '@enigma/core/signals/idempotency';
import { countUnreadAlertNotices } from '@enigma/db/repositories/notices';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { alertNotices, indicatorSnapshots, signals } from '@enigma/db/schema/index';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';

// Each webhook route means what the design says: indicators and alerts are stored and announced,
// never traded; external signals carry their confidence into the signal path.

let h: Awaited<ReturnType<typeof nodeHarness>>;
let secret: string;
let apiSecret: string;

beforeAll(async () => {
  h = await nodeHarness();
  ({ secret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
  }));
  ({ secret: apiSecret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'signals',
    kind: 'api',
  }));
});
afterAll(() => h.close());

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return h.app.request(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function signalCount(): Promise<number> {
  return (await h.db.select({ n: sql<number>`count(*)::int` }).from(signals))[0]!.n;
}

describe('/webhooks/indicators', () => {
  it('stores a snapshot and appends it to indicators:raw, never to signals:incoming', async () => {
    const signalsBefore = await signalCount();
    const res = await post('/webhooks/indicators', {
      secret,
      symbol: 'BINANCE:BTCUSDT.P',
      interval: '15',
      time: new Date(h.clock.now - 1000).toISOString(),
      indicators: { rsi: '28.4', macd: -12.5, close: '64150.5' },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { status: string; snapshotId: number };
    expect(body.status).toBe('received');
    const [row] = await h.db
      .select()
      .from(indicatorSnapshots)
      .where(eq(indicatorSnapshots.id, body.snapshotId));
    expect(row).toMatchObject({
      symbol: 'XBTUSDTM',
      timeframe: '15',
      values: { rsi: 28.4, macd: -12.5, close: 64150.5 },
    });
    const entries = h.bus.entries.filter((e) => e.stream === 'indicators:raw');
    expect(entries.at(-1)?.payload).toMatchObject({
      snapshotId: body.snapshotId,
      symbol: 'XBTUSDTM',
      source: 'tradingview',
    });
    expect(
      h.bus.entries.some((e) => e.stream === 'signals:incoming' && e.payload['route'] === 'indicators'),
    ).toBe(false);
    expect(await signalCount()).toBe(signalsBefore);
    // a repeat delivery writes nothing
    const again = await post('/webhooks/indicators', {
      secret,
      symbol: 'BINANCE:BTCUSDT.P',
      interval: '15',
      time: new Date(h.clock.now - 1000).toISOString(),
      indicators: { rsi: '28.4', macd: -12.5, close: '64150.5' },
    });
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
  });

  it('refuses a trade payload without values, and non-numbers, with 422', async () => {
    expect((await post('/webhooks/indicators', { secret, symbol: 'XBTUSDTM', action: 'buy' })).status).toBe(
      422,
    );
    const bad = await post('/webhooks/indicators', {
      secret,
      symbol: 'XBTUSDTM',
      timeframe: '1h',
      values: { rsi: 'abc' },
    });
    expect(bad.status).toBe(422);
  });
});

describe('/webhooks/alerts', () => {
  it('stores a notice unread and publishes it on events:alerts; nothing is traded', async () => {
    const signalsBefore = await signalCount();
    const unreadBefore = await countUnreadAlertNotices(h.db);
    const res = await post('/webhooks/alerts', {
      secret,
      type: 'volatility',
      symbol: 'XBTUSDTM',
      message: 'ATR doubled in 15 minutes',
      severity: 'WARNING',
    });
    expect(res.status).toBe(202);
    const { alertId } = (await res.json()) as { alertId: string };
    const [row] = await h.db.select().from(alertNotices).where(eq(alertNotices.id, alertId));
    expect(row).toMatchObject({ kind: 'volatility', severity: 'warning', readAt: null });
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await countUnreadAlertNotices(h.db)).toBe(unreadBefore + 1);
    expect(h.bus.published.at(-1)).toMatchObject({
      channel: 'events:alerts',
      event: { type: 'alert', alertId, severity: 'warning', message: 'ATR doubled in 15 minutes' },
    });
    expect(await signalCount()).toBe(signalsBefore);
  });

  it('stores a notice once per delivery, the database deciding: a repeat is a duplicate of the same id, and no cache marker can hide one', async () => {
    const body = { secret, type: 'funding', message: 'funding flipped', severity: 'info' };
    // what a writer killed between its cache marker and its row left behind, before
    await h.kv.setNx(
      `idem:alerts:${webhookIdempotencyKey({ source: 'tradingview', bodySha256: '', explicitKey: 'notice-1' })}`,
      'claimed-by-dead-process',
      86_400,
    );
    const first = await post('/webhooks/alerts', body, { 'idempotency-key': 'notice-1' });
    expect(first.status).toBe(202);
    const { alertId } = (await first.json()) as { alertId: string };
    expect(await h.db.select().from(alertNotices).where(eq(alertNotices.id, alertId))).toHaveLength(1);
    const published = h.bus.published.length;
    const again = await post('/webhooks/alerts', body, { 'idempotency-key': 'notice-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate', alertId });
    expect(h.bus.published.length).toBe(published);
  });

  it('refuses a trade payload (no message) with 422', async () => {
    const res = await post('/webhooks/alerts', { secret, symbol: 'XBTUSDTM', action: 'buy' });
    expect(res.status).toBe(422);
  });
});

describe('/webhooks/signals', () => {
  it('carries the external confidence into signals:incoming, and refuses one out of range', async () => {
    const body = {
      symbol: 'XBTUSDTM',
      action: 'buy',
      confidence: 0.82,
      timestamp: new Date(h.clock.now - 1000).toISOString(),
    };
    const res = await post('/webhooks/signals', body, { 'x-api-key': apiSecret });
    expect(res.status).toBe(202);
    const { signalId } = (await res.json()) as { signalId: string };
    expect(h.bus.entries.find((e) => e.payload['signalId'] === signalId)?.payload).toMatchObject({
      route: 'signals',
      confidence: 0.82,
    });
    const bad = await post('/webhooks/signals', { ...body, confidence: 7_000 }, { 'x-api-key': apiSecret });
    expect(bad.status).toBe(422);
  });
});
