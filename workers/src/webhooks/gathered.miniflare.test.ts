import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DbHandle, openDatabase } from '@enigma/db/client';
import { signals } from '@enigma/db/schema/index';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertBody } from '../../bench/load.ts';
import { type IntakeWorker, startIntakeWorker } from '../../bench/workerd-setup.ts';

// The bundled worker in Miniflare as deployed (its compatibility date: workerd resumes a cross-request
// promise resolution in the awaiting request's own context), so concurrent requests gather their budget
// hits and rows (`GatheredCalls`); vitest-pool-workers cannot run this path (it forces that behaviour off).
// Real PostgreSQL and Redis behind the Neon and Upstash stand-ins, which record the requests they serve.

const traceFile = join(tmpdir(), `enigma-gathered-trace-${process.pid}.json`);
let w: IntakeWorker;
let handle: DbHandle;
let closed = false;
/** when the 60 concurrent alerts were sent and all answered (epoch ms) */
const phase = { from: 0, to: 0 };
async function closeAll() {
  if (closed) return;
  closed = true;
  await handle?.close();
  await w?.close();
}
beforeAll(async () => {
  process.env['STANDINS_TRACE'] = traceFile;
  w = await startIntakeWorker();
  delete process.env['STANDINS_TRACE'];
  handle = await openDatabase({ url: w.intake!.databaseUrl });
}, 120_000);
afterAll(async () => {
  await closeAll();
  rmSync(traceFile, { force: true });
});

const post = (body: string) =>
  fetch(w.intake!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
    body,
  });

async function countByStatus(orderIdPrefix: string) {
  const rows = await handle.db
    .select({ status: signals.status, n: sql<number>`count(*)::int` })
    .from(signals)
    .where(sql`${signals.payload}->>'order_id' like ${`${orderIdPrefix}%`}`)
    .groupBy(signals.status);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('intake in Miniflare with calls gathered across requests', () => {
  it('accepts 60 concurrent alerts, each once, and a storm of 30 copies as one signal and 29 duplicates', async () => {
    const now = Date.now();
    const bodies = Array.from({ length: 60 }, (_, i) =>
      alertBody(w.intake!.secret, i, now).replace('"bench-', '"gathered-'),
    );
    // one alert first: the isolate's source and contract caches are filled (cold, every request reads them)
    expect((await post(alertBody(w.intake!.secret, 0, now).replace('"bench-', '"warm-'))).status).toBe(202);
    phase.from = Date.now();
    const answers = await Promise.all(
      bodies.map(async (b) => {
        const res = await post(b);
        return { status: res.status, body: (await res.json()) as { status: string; signalId: string } };
      }),
    );
    phase.to = Date.now();
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
    expect(new Set(answers.map((a) => a.body.signalId)).size).toBe(60);
    expect(await countByStatus('gathered-')).toEqual({ received: 60 });

    const storm = alertBody(w.intake!.secret, 0, now).replace('"bench-', '"storm-');
    const copies = await Promise.all(
      Array.from(
        { length: 30 },
        async () => (await post(storm)).json() as Promise<{ status: string; signalId: string }>,
      ),
    );
    const received = copies.filter((c) => c.status === 'received');
    expect(received).toHaveLength(1);
    expect(
      copies.filter((c) => c.status === 'duplicate' && c.signalId === received[0]!.signalId),
    ).toHaveLength(29);
    expect(await countByStatus('storm-')).toEqual({ received: 1, duplicate: 29 });
  });

  it('sent those alerts’ budget hits and rows in fewer round trips than alerts', async () => {
    await closeAll(); // the stand-ins write their trace when they exit
    const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as { requests: { path: string; s: number }[] };
    const during = trace.requests.filter((r) => r.s >= phase.from && r.s <= phase.to);
    // one INSERT and one INCR per alert would be 60 of each (plus the source and contract look-ups)
    const sqlCalls = during.filter((r) => r.path.startsWith('/sql')).length;
    const upstash = during.filter((r) => !r.path.startsWith('/sql')).length;
    expect(sqlCalls).toBeGreaterThan(0);
    expect(sqlCalls).toBeLessThan(45);
    expect(upstash).toBeLessThan(45);
  });
});
