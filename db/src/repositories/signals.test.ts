import Decimal from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signals } from '../schema/index.ts';
import { openTestDatabase, TEST_DRIVERS_WITH_HTTP, type TestHandle } from '../testing/drivers.ts';
import {
  getSignal,
  insertSignalIdempotent,
  insertSignalRecord,
  listSignals,
  type SignalInput,
  updateSignalStatus,
} from './signals.ts';

const base: SignalInput = {
  source: 'tradingview',
  status: 'received',
  symbol: 'XBTUSDTM',
  rawSymbol: 'BTCUSDT.P',
  action: 'buy',
  interval: '15',
  alertTime: new Date('2026-11-25T08:00:00Z'),
  clientIp: '52.89.214.238',
  payload: { ticker: 'BTCUSDT.P', action: 'buy', nested: { a: 1 } },
  price: new Decimal('97123.4'),
  contracts: '3',
};

describe.each(TEST_DRIVERS_WITH_HTTP)('signals repository (%s)', (kind) => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase(kind);
  });
  afterAll(() => h?.cleanup());

  it('creates a signal once and returns the same row for a repeated key', async () => {
    const first = await insertSignalIdempotent(h.db, { ...base, idempotencyKey: 'tv-once' });
    expect(first.created).toBe(true);
    expect(first.signal.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.signal.price).toBe('97123.4');
    expect(first.signal.payload).toEqual(base.payload);
    const again = await insertSignalIdempotent(h.db, { ...base, idempotencyKey: 'tv-once', price: '1' });
    expect(again).toEqual({ signal: first.signal, created: false });
  });

  it('makes exactly one row from 50 concurrent inserts of the same key', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => insertSignalIdempotent(h.db, { ...base, idempotencyKey: 'tv-race' })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.signal.id)).size).toBe(1);
    const { items } = await listSignals(h.db, { limit: 1000 });
    expect(items.filter((s) => s.idempotencyKey === 'tv-race')).toHaveLength(1);
  });

  it('stores rejected records without a key, any number of times', async () => {
    const a = await insertSignalRecord(h.db, {
      source: 'tradingview',
      status: 'rejected',
      reason: 'bad_secret',
    });
    const b = await insertSignalRecord(h.db, {
      source: 'tradingview',
      status: 'rejected',
      reason: 'bad_secret',
    });
    expect(a.id).not.toBe(b.id);
    expect(a.idempotencyKey).toBeNull();
    const dup = await insertSignalRecord(h.db, { ...base, status: 'duplicate', duplicateOf: a.id });
    expect(dup.duplicateOf).toBe(a.id);
  });

  it('rejects unknown statuses, actions and non-finite numbers before writing', async () => {
    const before = (await listSignals(h.db, { limit: 1000 })).items.length;
    await expect(insertSignalRecord(h.db, { ...base, status: 'weird' as never })).rejects.toThrow(/status/);
    await expect(insertSignalRecord(h.db, { ...base, action: 'hodl' as never })).rejects.toThrow(/action/);
    await expect(insertSignalRecord(h.db, { ...base, price: Number.NaN })).rejects.toThrow(/price/);
    await expect(insertSignalRecord(h.db, { ...base, contracts: 'ten' })).rejects.toThrow(/contracts/);
    expect((await listSignals(h.db, { limit: 1000 })).items.length).toBe(before);
  });

  it('updates status and reason', async () => {
    const { signal } = await insertSignalIdempotent(h.db, { ...base, idempotencyKey: 'tv-status' });
    expect(await updateSignalStatus(h.db, signal.id, 'risk_blocked', 'max_exposure')).toBe(true);
    expect(await getSignal(h.db, signal.id)).toMatchObject({
      status: 'risk_blocked',
      reason: 'max_exposure',
    });
    // written again (a second prepared use on the same handle), then a missing id
    expect(await updateSignalStatus(h.db, signal.id, 'failed', null)).toBe(true);
    expect(await getSignal(h.db, signal.id)).toMatchObject({ status: 'failed', reason: null });
    expect(await updateSignalStatus(h.db, crypto.randomUUID(), 'failed')).toBe(false);
  });

  it('pages newest first by cursor without gaps or repeats, with filters', async () => {
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 7; i++) {
      await insertSignalIdempotent(h.db, {
        ...base,
        idempotencyKey: `page-${i}`,
        symbol: i % 2 ? 'ETHUSDTM' : 'XBTUSDTM',
        status: i < 5 ? 'scored' : 'filled',
        receivedAt: new Date(t0 + (i < 3 ? 0 : i) * 1000),
      });
    }
    const from = new Date(t0);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listSignals>> = await listSignals(h.db, {
        from,
        limit: 3,
        cursor,
      });
      seen.push(...page.items.map((s) => s.idempotencyKey!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen.slice(0, 4)).toEqual(['page-6', 'page-5', 'page-4', 'page-3']);

    const eth = await listSignals(h.db, { from, symbol: 'ETHUSDTM', status: 'scored', limit: 10 });
    expect(eth.items.map((s) => s.idempotencyKey).sort()).toEqual(['page-1', 'page-3']);
    const window = await listSignals(h.db, { from: new Date(t0 + 4000), to: new Date(t0 + 6000), limit: 10 });
    expect(window.items.map((s) => s.idempotencyKey)).toEqual(['page-5', 'page-4']);
    await expect(listSignals(h.db, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(listSignals(h.db, { limit: 5, cursor: "x' or 1=1" })).rejects.toThrow(/cursor/);
  });

  it('keeps the columns intake relies on', () => {
    const cols = Object.keys(signals);
    for (const c of [
      'sourceId',
      'idempotencyKey',
      'status',
      'reason',
      'rawSymbol',
      'duplicateOf',
      'metadata',
    ]) {
      expect(cols).toContain(c);
    }
  });
});
