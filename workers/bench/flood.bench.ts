/**
 * Issue #13's flood on Node (@hono/node-server, real PostgreSQL, memory KV): 500 wrong-secret
 * requests per second from one address for FLOOD_SECONDS (default 30) while real alerts arrive at
 * 10/s. Reports the real alerts accepted (goal: all), their p99, the flood rate the generator
 * achieved (it shares the process with the server) and the rows the flood wrote (goal: ≤ the bound
 * of `floodRowBound`, 10 for 30 s).
 */
import { migrate, openDatabase } from '@enigma/db/client';
import { generateMasterKey } from '@enigma/db/crypto/envelope';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { sql } from 'drizzle-orm';
import type { BenchResult, BenchSuite } from '../../bench/types.ts';
import { createApp } from '../src/app.ts';
import { DEFAULT_CONFIG, silentLogger } from '../src/deps.ts';
import { MemoryKv } from '../src/kv/memory.ts';
import { listen } from '../src/testing/bench-app.ts';
import { floodRowBound, runFlood } from './flood.ts';
import { alertBody } from './load.ts';

const SECONDS = Number(process.env['FLOOD_SECONDS'] ?? 30);

const suite: BenchSuite = {
  name: 'webhook flood (Node)',
  async run(progress) {
    const tdb = await createTestDatabase();
    const handle = await openDatabase({ url: tdb.url });
    await migrate(handle);
    const masterKey = generateMasterKey();
    const { secret } = await createWebhookSource(handle.db, masterKey, {
      name: 'tradingview',
      kind: 'tradingview',
      rateLimitPerMin: 1_000,
    });
    const app = createApp({
      db: handle.db,
      kv: new MemoryKv(),
      bus: { append: async () => '0-0', publish: async () => 0 },
      config: {
        ...DEFAULT_CONFIG,
        jwtSecret: 'bench-jwt-secret-bench-jwt-secret-0',
        masterKey,
        now: Date.now,
      },
      logger: silentLogger,
      clientIp: () => '203.0.113.66',
    });
    const server = await listen(app.fetch);
    const { url } = server;
    try {
      progress(`500 wrong secrets/s + 10 real alerts/s for ${SECONDS} s`);
      const r = await runFlood({
        url,
        seconds: SECONDS,
        badBody: (i) => alertBody(`wrong-${i}`, i, Date.now()),
        goodBody: (i) => alertBody(secret, 1_000_000 + i, Date.now()),
      });
      const [{ n }] = (await handle.db.select({ n: sql<number>`count(*)::int` }).from(signals)) as [
        { n: number },
      ];
      const floodRows = n - r.goodAccepted;
      const bound = floodRowBound(SECONDS, 500);
      const results: BenchResult[] = [
        {
          name: 'real alerts accepted during the flood',
          unit: '%',
          value: (100 * r.goodAccepted) / r.goodSent,
          higherIsBetter: true,
          goal: '100 %',
          goalMet: r.goodAccepted === r.goodSent,
          extra: { sent: r.goodSent, accepted: r.goodAccepted, p99Ms: Math.round(r.goodP99Ms) },
        },
        {
          name: 'rows written by the flood',
          unit: 'rows',
          value: floodRows,
          higherIsBetter: false,
          goal: `<= ${bound}`,
          goalMet: floodRows <= bound,
          extra: {
            floodSent: r.badSent,
            floodRate: Math.round(r.badRateAchieved),
            skippedAt256InFlight: r.skipped,
            ...Object.fromEntries(Object.entries(r.badStatuses).map(([k, v]) => [`answered${k}`, v])),
          },
        },
      ];
      return results;
    } finally {
      await server.close();
      await handle.close();
      await tdb.drop();
    }
  },
};
export default suite;
