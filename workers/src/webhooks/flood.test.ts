import type { AddressInfo } from 'node:net';
import { createWebhookSource } from '@enigma/db/repositories/webhook-sources';
import { signals } from '@enigma/db/schema/index';
import { serve } from '@hono/node-server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floodRowBound, runFlood } from '../../bench/flood.ts';
import { alertBody } from '../../bench/load.ts';
import { nodeHarness } from '../../test/node-harness.ts';

// Issue #13's flood: 500 wrong-secret requests per second while real alerts arrive at 10/s. The rate
// is kept; the duration is 6 s by default (FLOOD_SECONDS=30 for the full run).
const SECONDS = Number(process.env['FLOOD_SECONDS'] ?? 6);
/** wrong-secret refusals per address and minute before 429 */
const IP_LIMIT = 50;

let h: Awaited<ReturnType<typeof nodeHarness>>;
let secret: string;
let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  // A refusal budget the flood passes within its first fraction of a second, however busy the
  // machine: the 429 defence is reached by the count of requests sent, not by an achieved rate.
  h = await nodeHarness({ now: () => Date.now(), ipRateLimitPerMin: IP_LIMIT });
  ({ secret } = await createWebhookSource(h.db, h.config.masterKey, {
    name: 'tradingview',
    kind: 'tradingview',
    // the real sender's own budget (10/s = 600/min, with room); the flood must not touch it
    rateLimitPerMin: 1_000,
  }));
  server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(() => r(undefined)));
  await h.close();
});

describe('flood of wrong secrets', () => {
  it(
    `500/s for ${SECONDS} s beside real alerts at 10/s: every real alert accepted, flood rows bounded`,
    async () => {
      const before = (await h.db.select({ n: sql<number>`count(*)::int` }).from(signals))[0]!.n;
      const result = await runFlood({
        url,
        seconds: SECONDS,
        badBody: (i) => alertBody(`wrong-secret-${i}`, i, Date.now()),
        goodBody: (i) => alertBody(secret, 1_000_000 + i, Date.now()),
      });
      expect(result.goodSent).toBe(SECONDS * 10);
      expect(result.goodStatuses).toEqual({ 202: result.goodSent });
      expect(result.goodAccepted).toBe(result.goodSent);
      // The flood was offered at 500/s; the generator shares one event loop (and the machine's cores)
      // with the server, so how many went out depends on the load and is not asserted as a rate.
      // What is asserted are counts: every wrong-secret request sent was answered, 401 until the
      // address passed its refusal budget and 429 after it (the defence was reached); never 5xx.
      expect(result.badSent).toBeGreaterThan(IP_LIMIT);
      const answered = Object.values(result.badStatuses).reduce((a, b) => a + b, 0);
      expect(answered).toBe(result.badSent);
      for (const status of Object.keys(result.badStatuses)) expect(['401', '429']).toContain(status);
      expect(result.badStatuses['401'] ?? 0).toBeGreaterThanOrEqual(IP_LIMIT);
      expect(result.badStatuses['429'] ?? 0).toBeGreaterThanOrEqual(1);
      const received = await h.db
        .select({ id: signals.id })
        .from(signals)
        .where(eq(signals.status, 'received'));
      expect(received).toHaveLength(result.goodSent);
      const after = (await h.db.select({ n: sql<number>`count(*)::int` }).from(signals))[0]!.n;
      const floodRows = after - before - result.goodSent;
      // One address, ≤ 2 minute windows for ≤ 60 s: at most 2 × 5 = 10 rows (the 1st, 10th, 100th,
      // 1000th and 10000th refusal of each window) whatever the flood's length.
      // (far fewer than were sent: a row per refusal would break the bound)
      expect(result.badSent).toBeGreaterThan(floodRowBound(SECONDS, 500));
      expect(floodRows).toBeLessThanOrEqual(floodRowBound(SECONDS, 500));
      expect(floodRowBound(30, 500)).toBe(10);
      expect(floodRows).toBeGreaterThanOrEqual(1);
    },
    SECONDS * 1000 + 60_000,
  );
});
