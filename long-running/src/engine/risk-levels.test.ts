/**
 * `RiskLevels` against the simulator (its reads are real KuCoin requests): what a pushed risk-limit
 * adjustment (`position.adjustRiskLimit`, handed to `adjusted` as the engine's socket does) changes, and
 * what it does not. The engine's own test of the push end to end is in risk-levels.sim.test.ts.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { RunningSimulator } from '../sim/server.ts';
import { startTestSimulator, waitFor } from '../sim/test-helpers.ts';
import { DEFAULT_TUNING, type EngineContext, systemClock } from './context.ts';
import { RiskLevels } from './risk-levels.ts';
import { SIM_CREDENTIAL } from './testing/sim-engine.ts';

const XBT = 'XBTUSDTM';

describe('RiskLevels and pushed risk-limit adjustments', () => {
  let sim: RunningSimulator;
  let kucoin: KucoinHttpClient;
  let levels: RiskLevels;
  const watched: string[] = [];
  beforeAll(async () => {
    sim = await startTestSimulator();
    kucoin = new KucoinHttpClient({ baseUrl: sim.url, credential: SIM_CREDENTIAL });
    // What RiskLevels reads of the engine's context: the client, the clock, the tuning, the log.
    const ctx = {
      kucoin,
      clock: systemClock,
      // readings kept an hour: only a push (or a read asked for) changes them here
      tuning: { ...DEFAULT_TUNING, riskLevelMaxAgeMs: 3_600_000 },
      log: pino({ level: 'silent' }),
    } as unknown as EngineContext;
    levels = new RiskLevels(ctx);
  });
  afterAll(async () => {
    sim.faults.reset();
    await kucoin.close();
    await sim.close();
  });

  const selected = async () => {
    const rl = await levels.of(XBT, 'ISOLATED');
    if ('code' in rl) throw new Error(rl.message);
    return rl.selected;
  };

  it('listens for each contract whose level is read, from its first read', async () => {
    levels.listen((symbol) => watched.push(symbol));
    expect((await selected()).level).toBe(1);
    await selected();
    expect(watched).toEqual([XBT]);
    // a later listener is told of the contracts already read
    const late: string[] = [];
    levels.listen((symbol) => late.push(symbol));
    expect(late).toEqual([XBT]);
  });

  it('selects a pushed level at once, at its rate and cap in the table; a failed adjustment changes nothing', async () => {
    levels.adjusted({ symbol: XBT, success: false, riskLimitLevel: 3 });
    expect((await selected()).level).toBe(1);
    levels.adjusted({ symbol: XBT, success: true, riskLimitLevel: 3 });
    const s = await selected();
    expect(s.level).toBe(3);
    expect(s.maintainMargin?.toString()).toBe('0.007');
    expect(s.maxNotional?.toString()).toBe('1000000');
  });

  it('keeps a pushed level over the answer of a read that was on its way when the push came', async () => {
    levels.forget(XBT); // the next entry reads the level
    // the exchange is at level 1; its answer to the read takes 600 ms
    sim.faults.set({ delayAfterMs: 600, pathPrefix: '/api/v1/position' });
    try {
      const reading = selected();
      await new Promise((r) => setTimeout(r, 200));
      // meanwhile the level is changed (set on the simulator, its push handed over as the socket would)
      sim.engine.settingsOf(XBT).riskLimitLevel = 5;
      levels.adjusted({ symbol: XBT, success: true, riskLimitLevel: 5 });
      expect((await reading).level).toBe(5);
      expect((await selected()).level).toBe(5);
    } finally {
      sim.faults.reset();
    }
  });

  it('reads every level again after a reconnect (a push sent while the socket was down is lost)', async () => {
    // changed on the exchange with no push reaching us
    sim.engine.settingsOf(XBT).riskLimitLevel = 2;
    expect((await selected()).level).toBe(5);
    levels.readAgainSoon();
    await waitFor(async () => ((await selected()).level === 2 ? true : undefined), 5_000);
  });
});
