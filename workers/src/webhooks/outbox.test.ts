import { countOutboxEntries } from '@enigma/db/repositories/outbox';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FlakyBus, nodeHarness } from '../../test/node-harness.ts';
import { publishHeldEntry, relayOutbox, startOutboxRelay } from './outbox.ts';

// No accepted alert is ever lost: the signal row and its stream entry are written together (outbox),
// and whatever did not reach the stream is published by a resend or by the relay, once.

let h: Awaited<ReturnType<typeof nodeHarness<FlakyBus>>>;
let secret: string;

beforeAll(async () => {
  h = await nodeHarness({}, { bus: new FlakyBus() });
  ({ secret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
    rateLimitPerMin: 10_000,
  }));
});
afterAll(() => h.close());

/** Each test starts with a healthy bus and an empty outbox, whatever the test before it left. */
beforeEach(async () => {
  h.bus.failing = 0;
  await h.outboxDone.flush();
  let pass = await relayOutbox(h.deps);
  while (pass.published > 0) pass = await relayOutbox(h.deps);
  await h.outboxDone.flush();
});

let seq = 0;
function body(): string {
  seq++;
  return JSON.stringify({
    secret,
    timestamp: new Date(h.clock.now - 1000).toISOString(),
    symbol: 'XBTUSDTM',
    action: seq % 2 ? 'buy' : 'sell',
    order_id: `fault-${seq}`,
  });
}

async function post(b: string) {
  const res = await h.app.request('/webhooks/tradingview', {
    method: 'POST',
    body: b,
    headers: { 'content-type': 'application/json' },
  });
  return { http: res.status, ...((await res.json()) as { status: string; signalId: string }) };
}

function onStream(signalId: string): number {
  return h.bus.entries.filter((e) => e.payload['signalId'] === signalId).length;
}

describe('the stream append fails for the first tries, then recovers', () => {
  it('every accepted alert ends on the stream exactly once, TradingView resends included', async () => {
    const bodies = Array.from({ length: 12 }, body);
    const failuresBefore = h.bus.failures;
    const receivedBefore = (await h.db.select().from(signals).where(eq(signals.status, 'received'))).length;
    h.bus.failing = 5; // the first five appends fail
    const first = [];
    for (const b of bodies) first.push(await post(b));
    // Stored with their outbox entries: accepted, whether or not the append went through.
    expect(first.map((a) => a.http)).toEqual(Array(12).fill(202));
    expect(h.bus.failures - failuresBefore).toBe(5);
    const ids = first.map((a) => a.signalId);
    expect(ids.filter((id) => onStream(id) === 0)).toHaveLength(5);

    // TradingView resends all twelve: the five never published are published by their resend and
    // answered `received` with the original id; the seven others are duplicates.
    const resent = [];
    for (const b of bodies) resent.push(await post(b));
    expect(resent.map((a) => a.signalId)).toEqual(ids);
    expect(resent.filter((a) => a.http === 202 && a.status === 'received')).toHaveLength(5);
    expect(resent.filter((a) => a.http === 200 && a.status === 'duplicate')).toHaveLength(7);
    for (const id of ids) expect(onStream(id)).toBe(1);

    // A third round of resends changes nothing.
    for (const b of bodies) expect((await post(b)).status).toBe('duplicate');

    // Three more alerts while the bus fails again; nobody resends them: the relay publishes them.
    h.bus.failing = 3;
    const late = [];
    for (let i = 0; i < 3; i++) late.push(await post(body()));
    expect(late.map((a) => a.http)).toEqual([202, 202, 202]);
    expect(await relayOutbox(h.deps)).toEqual({ published: 3, failed: 0 });
    expect(await relayOutbox(h.deps)).toEqual({ published: 0, failed: 0 });
    for (const id of [...ids, ...late.map((a) => a.signalId)]) expect(onStream(id)).toBe(1);
    await h.outboxDone.flush();
    expect(await countOutboxEntries(h.db)).toBe(0);
    const stored = await h.db.select().from(signals).where(eq(signals.status, 'received'));
    expect(stored).toHaveLength(receivedBefore + 15);
  });

  it('a relay whose append fails keeps the entry for the next pass', async () => {
    h.bus.failing = 1;
    const a = await post(body()); // inline append fails: released
    expect(onStream(a.signalId)).toBe(0);
    h.bus.failing = 1;
    expect(await relayOutbox(h.deps)).toEqual({ published: 0, failed: 1 });
    expect(await relayOutbox(h.deps)).toEqual({ published: 1, failed: 0 });
    expect(onStream(a.signalId)).toBe(1);
  });

  it('a crash between the insert and the append: the relay publishes the row once its lease runs out', async () => {
    // The process died after committing: the entry is still leased to the dead writer.
    h.bus.failing = 0;
    const id = crypto.randomUUID();
    const payload = {
      signalId: id,
      source: 'tradingview',
      symbol: 'XBTUSDTM',
      action: 'buy',
      interval: null,
      alertTime: null,
      receivedAt: h.clock.now,
      price: null,
      size: null,
      orderId: null,
      indicators: {},
      conditions: {},
      route: 'tradingview',
    };
    await h.db.execute(sql`insert into outbox (id, stream, payload, lease_until)
      values (${id}::uuid, 'signals:incoming', ${JSON.stringify(payload)}::jsonb, now() + interval '30 seconds')`);
    expect(await relayOutbox(h.deps)).toEqual({ published: 0, failed: 0 }); // still leased
    await h.db.execute(
      sql`update outbox set lease_until = now() - interval '1 second' where id = ${id}::uuid`,
    );
    expect(await relayOutbox(h.deps)).toEqual({ published: 1, failed: 0 });
    expect(onStream(id)).toBe(1);
  });

  it('the running relay (Node) publishes within its interval and stops cleanly', async () => {
    h.bus.failing = 1;
    const a = await post(body());
    expect(onStream(a.signalId)).toBe(0);
    const relay = startOutboxRelay({ ...h.deps, logger: h.deps.logger }, { intervalMs: 20 });
    await expect.poll(() => onStream(a.signalId), { timeout: 5_000 }).toBe(1);
    await relay.stop();
  });
});

describe('publishHeldEntry', () => {
  it('reports an entry that reached its stream as published even when forgetting it fails (no 500 for a stored, published alert)', async () => {
    const appended: string[] = [];
    const bus = {
      append: async (stream: string) => {
        appended.push(stream);
        return '1-0';
      },
      publish: async () => {},
    };
    const outboxDone = { done: () => Promise.reject(new Error('database connection lost')) };
    await expect(
      publishHeldEntry(
        { db: {} as never, bus: bus as never, outboxDone },
        {
          id: '00000000-0000-4000-8000-000000000001',
          stream: 'signals:incoming',
          payload: { signalId: 'x' },
        },
      ),
    ).resolves.toBe(true);
    expect(appended).toEqual(['signals:incoming']);
  });
});
