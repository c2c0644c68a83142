import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestHandle } from '../testing/drivers.ts';
import { saveSelectedRiskLevel, selectedRiskLevel } from './risk-limit-levels.ts';
import { ensureAccount } from './trading.ts';

describe('risk_limit_levels: the level selected on each contract, as the engine last read it (PostgreSQL)', () => {
  let h: TestHandle;
  beforeAll(async () => {
    h = await openTestDatabase('pg');
  });
  afterAll(() => h?.cleanup());

  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));

  it('keeps one row per account and contract, replaced by a reading as new or newer, never by an older one', async () => {
    const a = await ensureAccount(h.db, 'a', 'paper');
    const b = await ensureAccount(h.db, 'b', 'paper');
    expect(await selectedRiskLevel(h.db, 'XBTUSDTM')).toBeNull();
    const level = (n: number, rate: string, cap: string) => ({
      level: n,
      maintainMargin: rate,
      maxNotional: cap,
    });
    await saveSelectedRiskLevel(h.db, {
      accountId: a,
      symbol: 'XBTUSDTM',
      ...level(1, '0.004', '200000'),
      at: at(1),
    });
    await saveSelectedRiskLevel(h.db, {
      accountId: a,
      symbol: 'ETHUSDTM',
      ...level(2, '0.005', '400000'),
      at: at(1),
    });
    await saveSelectedRiskLevel(h.db, {
      accountId: a,
      symbol: 'XBTUSDTM',
      ...level(7, '0.025', '7000000'),
      at: at(5),
    });
    // a reading that arrives after a newer one changes nothing
    await saveSelectedRiskLevel(h.db, {
      accountId: a,
      symbol: 'XBTUSDTM',
      ...level(3, '0.007', '1000000'),
      at: at(3),
    });
    expect(await selectedRiskLevel(h.db, 'XBTUSDTM', a)).toEqual({
      accountId: a,
      symbol: 'XBTUSDTM',
      level: 7,
      maintainMargin: '0.025',
      maxNotional: '7000000',
      at: at(5),
    });
    expect((await selectedRiskLevel(h.db, 'ETHUSDTM'))?.level).toBe(2);
    // another account's reading: its own row; without an account, the newest of any
    await saveSelectedRiskLevel(h.db, {
      accountId: b,
      symbol: 'XBTUSDTM',
      ...level(2, '0.005', '400000'),
      at: at(9),
    });
    expect((await selectedRiskLevel(h.db, 'XBTUSDTM', a))?.level).toBe(7);
    expect((await selectedRiskLevel(h.db, 'XBTUSDTM'))?.level).toBe(2);
    // read in cross margin: no isolated level known (stored as nulls, not left standing)
    await saveSelectedRiskLevel(h.db, {
      accountId: a,
      symbol: 'XBTUSDTM',
      level: null,
      maintainMargin: null,
      maxNotional: null,
      at: at(5),
    });
    expect(await selectedRiskLevel(h.db, 'XBTUSDTM', a)).toMatchObject({ level: null, maintainMargin: null });
  });
});
