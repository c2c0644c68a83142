import { migrate, openDatabase, upsertCandles } from '@enigma/db';
import { createTestDatabase } from '@enigma/db/testing/pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scoreCommand } from '../cli/commands/score.ts';
import { lastBars, readCandleCsv } from './candles-csv.ts';

const csv = new URL('../../../../shared/data/candles/binance-futures/SOLUSDT-1m.csv', import.meta.url)
  .pathname;

describe('enigma score --symbol (candles from PostgreSQL)', () => {
  let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
  const saved = process.env.DATABASE_URL;
  const recent = lastBars(readCandleCsv(csv), 3000);

  beforeAll(async () => {
    tdb = await createTestDatabase();
    const handle = await openDatabase({ url: tdb.url });
    try {
      await migrate(handle);
      await upsertCandles(
        handle.db,
        Array.from(recent.time, (t, i) => ({
          symbol: 'SOLUSDTM',
          timeframe: '1m',
          openTime: new Date(t),
          open: String(recent.open[i]),
          high: String(recent.high[i]),
          low: String(recent.low[i]),
          close: String(recent.close[i]),
          volume: String(recent.volume[i]),
        })),
      );
    } finally {
      await handle.close();
    }
    process.env.DATABASE_URL = tdb.url;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    await tdb?.drop();
  });

  it('scores the latest stored minutes with the model', async () => {
    const lines: string[] = [];
    const log = vi
      .spyOn(console, 'log')
      .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      expect(await scoreCommand.run({ values: { symbol: 'SOLUSDTM' }, positionals: [] })).toBe(0);
    } finally {
      log.mockRestore();
    }
    const out = lines.join('\n');
    expect(out).toContain(`SOLUSDTM at ${new Date(recent.time.at(-1)! + 60_000).toISOString()}`);
    expect(out).toMatch(/model: signal-model@[0-9a-f]{12}/);
  });

  it('says so when the database has no candles for the symbol', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await scoreCommand.run({ values: { symbol: 'NOPEUSDTM' }, positionals: [] })).toBe(1);
      expect(err).toHaveBeenCalledWith('enigma score: no 1m candles for NOPEUSDTM in the database');
    } finally {
      err.mockRestore();
    }
  });
});
