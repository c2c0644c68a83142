import { type DbHandle, getFundingRates, getMarkSamples, migrate, openDatabase } from '@enigma/db';
import Decimal from 'decimal.js';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorMetrics } from './metrics.ts';
import { BatchedSampleWriter, dbSampleStore, fundingKindOfPush, type SampleStore } from './sample-store.ts';

const M = 60_000;
const T0 = Date.UTC(2025, 4, 5, 10, 0);
const mark = (i: number, price = `97000.${i}`) => ({
  symbol: 'XBTUSDTM',
  markPrice: new Decimal(price),
  indexPrice: new Decimal('96999.5'),
  time: T0 + i * M,
});

let handle: DbHandle;
let store: SampleStore;

beforeAll(async () => {
  handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' });
  await migrate(handle);
  store = dbSampleStore(handle.db);
});

afterAll(async () => {
  await handle?.close();
});

async function metricsText(registry: Registry): Promise<string> {
  return registry.metrics();
}

describe('fundingKindOfPush', () => {
  it('reads the 1-minute granularity as a prediction and the funding interval as the current rate', () => {
    expect(fundingKindOfPush(60_000)).toBe('predicted');
    expect(fundingKindOfPush(28_800_000)).toBe('current');
  });
});

describe('BatchedSampleWriter (PGlite)', () => {
  it('writes queued marks and funding pushes in one batch each, keeping the two kinds of rate apart', async () => {
    const registry = new Registry();
    const writer = new BatchedSampleWriter(store, {
      flushEveryMs: 3_600_000,
      metrics: collectorMetrics(registry),
    });
    writer.markSample(mark(0));
    writer.markSample(mark(1));
    writer.fundingRate({ symbol: 'XBTUSDTM', rate: new Decimal('0.0001'), granularityMs: 60_000, time: T0 });
    writer.fundingRate({
      symbol: 'XBTUSDTM',
      rate: new Decimal('0.0002'),
      granularityMs: 28_800_000,
      time: T0,
    });
    expect(writer.pending).toBe(4);
    await writer.close();
    expect(writer.pending).toBe(0);
    const marks = await getMarkSamples(handle.db, 'XBTUSDTM', new Date(T0), new Date(T0 + 10 * M));
    expect(marks.map((m) => [m.ts.getTime() - T0, m.markPrice, m.indexPrice])).toEqual([
      [0, '97000', '96999.5'],
      [M, '97000.1', '96999.5'],
    ]);
    const rates = await getFundingRates(handle.db, 'XBTUSDTM', new Date(T0), new Date(T0 + 1));
    expect(rates.map((r) => [r.kind, r.rate, r.granularityMs])).toEqual([
      ['current', '0.0002', 28_800_000],
      ['predicted', '0.0001', 60_000],
    ]);
    const text = await metricsText(registry);
    expect(text).toMatch(/enigma_collector_samples_stored_total\{kind="mark"\} 2/);
    expect(text).toMatch(/enigma_collector_samples_stored_total\{kind="funding"\} 2/);
  });

  it('refuses a non-finite sample on arrival and still writes the good ones', async () => {
    const registry = new Registry();
    const writer = new BatchedSampleWriter(store, {
      flushEveryMs: 3_600_000,
      metrics: collectorMetrics(registry),
    });
    writer.markSample({ ...mark(20), markPrice: new Decimal(Number.NaN) });
    writer.fundingRate({
      symbol: 'XBTUSDTM',
      rate: new Decimal(Number.POSITIVE_INFINITY),
      granularityMs: 60_000,
      time: T0 + 20 * M,
    });
    writer.markSample(mark(21));
    expect(writer.pending).toBe(1);
    await writer.close();
    const stored = await getMarkSamples(handle.db, 'XBTUSDTM', new Date(T0 + 20 * M), new Date(T0 + 22 * M));
    expect(stored.map((s) => s.ts.getTime())).toEqual([T0 + 21 * M]);
    const text = await metricsText(registry);
    expect(text).toMatch(/enigma_collector_samples_dropped_total\{kind="mark",reason="invalid"\} 1/);
    expect(text).toMatch(/enigma_collector_samples_dropped_total\{kind="funding",reason="invalid"\} 1/);
  });

  it('keeps rows queued while writes fail, bounded by maxQueue, and never throws', async () => {
    const registry = new Registry();
    let down = true;
    const flaky: SampleStore = {
      async upsertMarks(rows) {
        if (down) throw new Error('connection refused');
        await store.upsertMarks(rows);
      },
      upsertFunding: (rows) => store.upsertFunding(rows),
    };
    const writer = new BatchedSampleWriter(flaky, {
      flushEveryMs: 3_600_000,
      maxBatch: 2,
      maxQueue: 3,
      metrics: collectorMetrics(registry),
    });
    for (let i = 30; i < 35; i++) writer.markSample(mark(i));
    await writer.flush(); // resolves although the store is down
    expect(writer.pending).toBe(3);
    expect(writer.failures).toBeGreaterThanOrEqual(1);
    const text = await metricsText(registry);
    expect(text).toMatch(/enigma_collector_sample_write_failures_total\{kind="mark"\} [1-9]/);
    expect(text).toMatch(/enigma_collector_samples_dropped_total\{kind="mark",reason="queue_full"\} 2/);
    down = false;
    await writer.close();
    const stored = await getMarkSamples(handle.db, 'XBTUSDTM', new Date(T0 + 30 * M), new Date(T0 + 35 * M));
    // the newest three survived the outage
    expect(stored.map((s) => (s.ts.getTime() - T0) / M)).toEqual([32, 33, 34]);
  });
});
