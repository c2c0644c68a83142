import { decodePayload } from '@enigma/core/bus/index';
import { type DbHandle, migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { rowsOf } from '@enigma/db/db-type';
import { countOutboxEntries, deleteOutboxEntries } from '@enigma/db/repositories/outbox';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { createApp } from '../app.ts';
import { UpstashBusPublisher } from '../bus/upstash.ts';
import { DEFAULT_CONFIG, silentLogger } from '../deps.ts';
import { MemoryKv } from '../kv/memory.ts';
import { UpstashRest } from '../kv/upstash-rest.ts';
import { GatheredAppends, type WaitUntil } from './gathered-appends.ts';
import { BatchingOutboxDone, relayOutbox } from './outbox.ts';

// The worker's path: the answer follows the commit of the row and its outbox entry; the XADD follows the
// answer, gathered across requests into one Upstash /pipeline call (real Redis behind the Upstash
// bridge, real PostgreSQL). An append that fails releases its entry to a resend or the relay.

const prefix = `enigma_t_gather_${crypto.randomUUID().slice(0, 8)}:`;
const up = useUpstashBridge('gather', { prefix });
const stream = `${prefix}signals:incoming`;

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DbHandle;
let secret: string;
let rest: UpstashRest;
let bus: UpstashBusPublisher;
let appends: GatheredAppends;
let outboxDone: BatchingOutboxDone;
let app: ReturnType<typeof createApp>;
/** What the requests handed to `ctx.waitUntil`: run after their answers. */
const waiting: Promise<unknown>[] = [];
const ctx: WaitUntil = { waitUntil: (p) => void waiting.push(p) };
async function afterAnswers(): Promise<void> {
  while (waiting.length > 0) await Promise.all(waiting.splice(0));
  await outboxDone.flush();
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  const masterKey = generateMasterKey();
  ({ secret } = await createWebhookSource(handle.db, masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
    rateLimitPerMin: 10_000,
  }));
  rest = new UpstashRest(up.bridge.url, 'gather');
  bus = new UpstashBusPublisher(up.redis, prefix, rest);
  appends = new GatheredAppends({
    rest,
    bus,
    db: handle.db,
    logger: silentLogger,
    published: (ids, c) => c.waitUntil(deleteOutboxEntries(handle.db, ids)),
    // long enough that every answer of a test's burst comes before the flush
    delayMs: 300,
  });
  outboxDone = new BatchingOutboxDone(handle.db);
  app = createApp({
    db: handle.db,
    kv: new MemoryKv(),
    bus,
    config: {
      ...DEFAULT_CONFIG,
      jwtSecret: 'test-jwt-secret-test-jwt-secret-0123',
      masterKey,
      now: Date.now,
    },
    logger: silentLogger,
    outboxDone,
    publishLater: (entry) => appends.later(entry, ctx),
    clientIp: () => '127.0.0.1',
  });
});
afterAll(async () => {
  await afterAnswers();
  await handle.close();
  await tdb.drop();
});
beforeEach(async () => {
  await rest.command(['DEL', stream]);
  await afterAnswers();
});

let seq = 0;
function body(): string {
  return JSON.stringify({ secret, symbol: 'XBTUSDTM', action: 'buy', order_id: `gather-${++seq}` });
}

async function post(b: string) {
  const res = await app.request('/webhooks/tradingview', {
    method: 'POST',
    body: b,
    headers: { 'content-type': 'application/json' },
  });
  return { http: res.status, ...((await res.json()) as { status: string; signalId: string }) };
}

async function onStream(): Promise<string[]> {
  const entries = (await rest.command(['XRANGE', stream, '-', '+'])) as [string, string[]][];
  return entries.map(([, fields]) => String(decodePayload(fields[1]!)['signalId']));
}

async function leaseOf(id: string) {
  const [row] = rowsOf<{ released: boolean; last_error: string | null }>(
    await handle.db.execute(
      sql`select lease_until <= now() as released, last_error from outbox where id = ${id}::uuid`,
    ),
  );
  return row;
}

describe('stream appends after the answer, gathered (the worker)', () => {
  it('answers once the row is stored, then appends the burst in one /pipeline call and forgets the entries', async () => {
    const callsBefore = appends.calls;
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body())));
    expect(answers.map((a) => a.http)).toEqual(Array(8).fill(202));
    // Answered before any append: durable in the outbox, not yet on the stream.
    expect(await onStream()).toEqual([]);
    expect(await countOutboxEntries(handle.db)).toBe(8);
    await afterAnswers();
    expect((await onStream()).sort()).toEqual(answers.map((a) => a.signalId).sort());
    expect(appends.calls - callsBefore).toBe(1);
    expect(await countOutboxEntries(handle.db)).toBe(0);
  });

  it('an append that fails releases its entry; the resend and the relay publish each exactly once', async () => {
    // The stream key holds a string: Redis refuses XADD (WRONGTYPE), one reply per command.
    await rest.command(['SET', stream, 'not a stream']);
    const bodies = [body(), body(), body()];
    const first = await Promise.all(bodies.map(post));
    expect(first.map((a) => a.http)).toEqual([202, 202, 202]);
    await afterAnswers();
    for (const a of first) {
      expect(await leaseOf(a.signalId)).toMatchObject({
        released: true,
        last_error: expect.stringMatching(/append failed: WRONGTYPE/),
      });
    }
    await rest.command(['DEL', stream]);
    // TradingView resends the first: its released entry is claimed and published now, same id.
    const resent = await post(bodies[0]!);
    expect(resent).toMatchObject({ http: 202, status: 'received', signalId: first[0]!.signalId });
    // Nobody resends the other two: the relay publishes them.
    expect(await relayOutbox({ db: handle.db, bus })).toEqual({ published: 2, failed: 0 });
    expect(await relayOutbox({ db: handle.db, bus })).toEqual({ published: 0, failed: 0 });
    await afterAnswers();
    expect((await onStream()).sort()).toEqual(first.map((a) => a.signalId).sort());
    expect(await countOutboxEntries(handle.db)).toBe(0);
  });

  it('a /pipeline call that fails as a whole releases every entry it carried', async () => {
    const dead = new GatheredAppends({
      rest: new UpstashRest('http://127.0.0.1:9', 'gather', { retries: 0 }),
      bus,
      db: handle.db,
      logger: silentLogger,
      published: () => {
        throw new Error('nothing was published');
      },
      delayMs: 0,
    });
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    for (const id of ids) {
      await handle.db.execute(sql`insert into outbox (id, stream, payload, lease_until)
        values (${id}::uuid, 'signals:incoming', ${JSON.stringify({ signalId: id })}::jsonb, now() + interval '30 seconds')`);
    }
    for (const id of ids) dead.later({ id, stream: 'signals:incoming', payload: { signalId: id } }, ctx);
    await afterAnswers();
    expect(dead.calls).toBe(1);
    for (const id of ids) expect(await leaseOf(id)).toMatchObject({ released: true });
    expect(await relayOutbox({ db: handle.db, bus })).toEqual({ published: 2, failed: 0 });
    await afterAnswers();
    expect((await onStream()).sort()).toEqual([...ids].sort());
  });
});
