import { webhookIdempotencyKey } from '@enigma/core/signals/idempotency';
import { countUnreadAlertNotices, insertIndicatorSnapshot } from '@enigma/db/repositories/notices';
import { countOutboxEntries } from '@enigma/db/repositories/outbox';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { alertNotices, indicatorSnapshots, signals } from '@enigma/db/schema/index';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHarness } from '../../test/node-harness.ts';
import { deliveryIdOf } from './intake.ts';

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

describe('/webhooks/indicators: a delivery is stored once, never lost', () => {
  const snapshot = (timeframe: string) => ({
    secret,
    symbol: 'XBTUSDTM',
    timeframe,
    time: new Date(h.clock.now - 1000).toISOString(),
    values: { rsi: 55.5 },
  });
  async function snapshotsOf(timeframe: string) {
    return h.db.select().from(indicatorSnapshots).where(eq(indicatorSnapshots.timeframe, timeframe));
  }
  async function waitUntil(what: string, done: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`timed out waiting until ${what}`);
  }
  /** Backends waiting for a lock on the snapshot table (the test holds it). */
  async function writersWaiting(): Promise<number[]> {
    const rows = await h.db.execute(sql`select pid from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and query ilike '%indicator_snapshots%'`);
    return (rows as unknown as { rows: { pid: number }[] }).rows.map((r) => r.pid);
  }

  it('stores a resend that came while the first write was still running, when that write then fails', async () => {
    // The sender times out and resends while the first copy waits in the database; then the first
    // copy's write fails (its query cancelled). The resend must be the one that stores it — answering
    // it `duplicate` (the cache's claim, before) lost the snapshot: the sender never sends it again.
    const body = snapshot('resend-1');
    const key = { 'idempotency-key': 'snapshot-resend-1' };
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = h.db.transaction(async (tx) => {
      await tx.execute(sql`lock table indicator_snapshots in exclusive mode`);
      locked();
      await released;
    });
    await isLocked;
    const first = post('/webhooks/indicators', body, key);
    await waitUntil(
      'the first copy waits in the database',
      async () => (await writersWaiting()).length === 1,
    );
    const [firstWriter] = await writersWaiting();
    let resendAnswered = false;
    const resend = Promise.resolve(post('/webhooks/indicators', body, key)).finally(() => {
      resendAnswered = true;
    });
    await waitUntil(
      'the resend is answered or waits in the database',
      async () => resendAnswered || (await writersWaiting()).length === 2,
    );
    await h.db.execute(sql`select pg_cancel_backend(${firstWriter}::int)`);
    expect((await first).status).toBe(500);
    release();
    await holder;
    const answer = await resend;
    expect(answer.status).toBe(202);
    const { snapshotId } = (await answer.json()) as { snapshotId: number };
    expect((await snapshotsOf('resend-1')).map((r) => r.id)).toEqual([snapshotId]);
    expect(h.bus.entries.some((e) => e.payload['snapshotId'] === snapshotId)).toBe(true);
  });

  it('stores a delivery whose earlier copy left only a cache claim (its writer killed before its row)', async () => {
    // what a writer killed between its cache claim and its row left behind, before
    await h.kv.setNx(
      `idem:indicators:${webhookIdempotencyKey({ source: 'tradingview', bodySha256: '', explicitKey: 'snapshot-killed-1' })}`,
      crypto.randomUUID(),
      86_400,
    );
    const res = await post('/webhooks/indicators', snapshot('killed-1'), {
      'idempotency-key': 'snapshot-killed-1',
    });
    expect(res.status).toBe(202);
    expect(await snapshotsOf('killed-1')).toHaveLength(1);
  });

  it('answers a repeat after success `duplicate` with exactly one row, also once its stream entry is gone', async () => {
    const body = snapshot('repeat-1');
    const key = { 'idempotency-key': 'snapshot-repeat-1' };
    // a copy that does not know the secret claims nothing (authentication comes first)
    const forged = await post('/webhooks/indicators', { ...body, secret: 'wrong' }, key);
    expect(forged.status).toBe(401);
    const first = await post('/webhooks/indicators', body, key);
    expect(first.status).toBe(202);
    const { snapshotId } = (await first.json()) as { snapshotId: number };
    await h.outboxDone.flush();
    expect(await countOutboxEntries(h.db)).toBe(0);
    const entries = h.bus.entries.length;
    for (const _ of [1, 2]) {
      const again = await post('/webhooks/indicators', body, key);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ status: 'duplicate', snapshotId });
    }
    expect((await snapshotsOf('repeat-1')).map((r) => r.id)).toEqual([snapshotId]);
    expect(h.bus.entries.length).toBe(entries);
  });

  it('publishes a stored delivery whose writer died before appending it, when it is resent after its lease', async () => {
    const body = snapshot('died-1');
    const key = 'snapshot-died-1';
    // what a writer killed between its commit and its append left: the row and its held entry
    const entryId = await deliveryIdOf(
      'indicators',
      webhookIdempotencyKey({ source: 'tradingview', bodySha256: '', explicitKey: key }),
    );
    const stored = await insertIndicatorSnapshot(
      h.db,
      { symbol: 'XBTUSDTM', timeframe: 'died-1', at: new Date(h.clock.now - 1000), values: { rsi: 55.5 } },
      {
        id: entryId,
        stream: 'indicators:raw',
        payload: { snapshotId: 1, source: 'tradingview', symbol: 'XBTUSDTM', timeframe: 'died-1' },
      },
    );
    if ('duplicate' in stored) throw new Error('not stored');
    const entries = h.bus.entries.length;
    // within its lease the entry is still its writer's: a resend is a duplicate and appends nothing
    const early = await post('/webhooks/indicators', body, { 'idempotency-key': key });
    expect(await early.json()).toEqual({ status: 'duplicate', snapshotId: stored.snapshotId });
    expect(h.bus.entries.length).toBe(entries);
    await h.db.execute(
      sql`update outbox set lease_until = now() - interval '1 second' where id = ${entryId}::uuid`,
    );
    const resend = await post('/webhooks/indicators', body, { 'idempotency-key': key });
    expect(resend.status).toBe(202);
    expect(await resend.json()).toEqual({ status: 'received', snapshotId: stored.snapshotId });
    expect(h.bus.entries.slice(entries).map((e) => e.payload['snapshotId'])).toEqual([stored.snapshotId]);
    expect((await snapshotsOf('died-1')).map((r) => r.id)).toEqual([stored.snapshotId]);
  });

  it('makes one row of 10 concurrent copies', async () => {
    const body = snapshot('concurrent-1');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        post('/webhooks/indicators', body, { 'idempotency-key': 'snapshot-c-1' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(await snapshotsOf('concurrent-1')).toHaveLength(1);
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
