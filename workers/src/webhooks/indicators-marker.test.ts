import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DbHandle, migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { indicatorSnapshots } from '@enigma/db/schema/index';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingBus } from '../../test/node-harness.ts';
import { useUpstashBridge } from '../../test/upstash-bridge.ts';
import { createApp } from '../app.ts';
import { DEFAULT_CONFIG, silentLogger } from '../deps.ts';
import { UpstashKv } from '../kv/upstash.ts';
import { UpstashRest } from '../kv/upstash-rest.ts';
import { BatchingOutboxDone } from './outbox.ts';

// An indicator snapshot's repeat marker over the worker's Upstash REST client (real Redis behind the
// Upstash bridge, real PostgreSQL), with a network that loses the reply to one SET NX: the client
// resends it (as it does every request the network lost) and Redis, which applied the first, answers
// the resend "not set". The writer that set the marker must not take that for another copy's.

const prefix = `enigma_t_indmark_${crypto.randomUUID().slice(0, 8)}:`;
const up = useUpstashBridge('indmark', { prefix });

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let handle: DbHandle;
let secret: string;
let lossy: Server;
/** how many replies to a marker's SET NX the network still loses (the request reaches Redis) */
let loseMarkerReplies = 0;
let markerSets = 0;
const bus = new RecordingBus();
let outboxDone: BatchingOutboxDone;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  tdb = await createTestDatabase();
  handle = await openDatabase({ url: tdb.url });
  await migrate(handle);
  const masterKey = generateMasterKey();
  ({ secret } = await createWebhookSource(handle.db, masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
  }));
  // between the client and the bridge: forwards every request; loses the reply to a marker's SET NX
  // (the connection drops after the bridge answered) while `loseMarkerReplies` says so
  lossy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = await fetch(up.bridge.url + (req.url ?? '/'), {
        method: 'POST',
        headers: { authorization: String(req.headers.authorization), 'content-type': 'application/json' },
        body,
      });
      const text = await answer.text();
      const command = JSON.parse(body) as unknown[];
      const isMarkerSet =
        command[0] === 'SET' &&
        String(command[1]).includes('idem:indicators:stored:') &&
        command.includes('NX');
      if (isMarkerSet) markerSets++;
      if (isMarkerSet && loseMarkerReplies > 0) {
        loseMarkerReplies--;
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((r) => lossy.listen(0, '127.0.0.1', r));
  const rest = new UpstashRest(`http://127.0.0.1:${(lossy.address() as AddressInfo).port}`, 'indmark', {
    backoffMs: () => 5,
  });
  outboxDone = new BatchingOutboxDone(handle.db);
  app = createApp({
    db: handle.db,
    kv: new UpstashKv(up.redis, prefix, Date.now, rest),
    bus,
    config: {
      ...DEFAULT_CONFIG,
      jwtSecret: 'test-jwt-secret-test-jwt-secret-0123',
      masterKey,
      now: Date.now,
    },
    logger: silentLogger,
    outboxDone,
    clientIp: () => '127.0.0.1',
  });
});
afterAll(async () => {
  await outboxDone?.flush();
  lossy?.closeAllConnections();
  await new Promise<void>((r) => (lossy ? lossy.close(() => r()) : r()));
  await handle?.close();
  await tdb?.drop();
});

function postSnapshot(timeframe: string, key: string) {
  return app.request('/webhooks/indicators', {
    method: 'POST',
    body: JSON.stringify({
      secret,
      symbol: 'XBTUSDTM',
      timeframe,
      time: new Date(Date.now() - 1000).toISOString(),
      values: { rsi: 55.5 },
    }),
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
  });
}

describe('/webhooks/indicators: the repeat marker over a network that loses a reply', () => {
  it('keeps a snapshot whose own marker was set by a request whose reply was lost (the resend says "not set")', async () => {
    loseMarkerReplies = 1;
    markerSets = 0;
    const res = await postSnapshot('lost-reply-1', 'snapshot-lost-reply-1');
    // the lost reply was resent: Redis saw the SET NX twice
    expect(markerSets).toBe(2);
    expect(res.status).toBe(202);
    const { snapshotId } = (await res.json()) as { snapshotId: number };
    const rows = await handle.db
      .select()
      .from(indicatorSnapshots)
      .where(eq(indicatorSnapshots.timeframe, 'lost-reply-1'));
    expect(rows.map((r) => r.id)).toEqual([snapshotId]);
    expect(bus.entries.filter((e) => e.payload['snapshotId'] === snapshotId)).toHaveLength(1);
    // and a repeat is still a duplicate, storing nothing
    const again = await postSnapshot('lost-reply-1', 'snapshot-lost-reply-1');
    expect(again.status).toBe(200);
    expect(
      await handle.db
        .select()
        .from(indicatorSnapshots)
        .where(eq(indicatorSnapshots.timeframe, 'lost-reply-1')),
    ).toHaveLength(1);
  });
});
