import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getPosition, getSignal } from '@enigma/db';
import Decimal from 'decimal.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { createLogger } from '../runtime/logger.ts';
import type { Progress } from '../runtime/progress.ts';
import { type RunningSystem, startSystem } from '../runtime/system.ts';
import { waitFor } from '../sim/test-helpers.ts';

const progress: Progress = { step: (_label, work) => work(() => {}) };

describe('enigma start: the printed curl opens a protected paper position', () => {
  let sys: RunningSystem | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'enigma-engine-'));
  afterAll(() => sys?.close());

  it('turns the TradingView curl into exactly one position with a confirmed stop', {
    timeout: 240_000,
  }, async () => {
    const env = loadEnv({ ENIGMA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    sys = await startSystem({
      env,
      logger: createLogger({ level: 'silent', pretty: false }),
      progress,
      port: 0,
      simPort: 0,
      dashboard: false,
    });
    const at = sys.banner.findIndex((l) => l.startsWith('post a TradingView-style alert'));
    const curl = sys.banner[at + 1]!;
    expect(curl).toMatch(/^curl /);
    // Exactly what a newcomer pastes into a shell.
    const answer = JSON.parse(
      (await promisify(execFile)('bash', ['-c', curl], { encoding: 'utf8' })).stdout,
    ) as {
      status: string;
      signalId: string;
    };
    expect(answer.status).toBe('received');
    const db = sys.db.db;
    const status = await waitFor(async () => {
      const s = (await getSignal(db, answer.signalId))?.status;
      return s && ['protected', 'risk_blocked', 'failed', 'stale', 'ignored', 'rejected'].includes(s)
        ? s
        : undefined;
    }, 90_000);
    const row = await getSignal(db, answer.signalId);
    expect(status, row?.reason ?? '').toBe('protected');
    const accountId = sys.engine.ctx.accountId;
    const pos = (await getPosition(db, accountId, 'XBTUSDTM'))!;
    expect(pos.qty).toBeGreaterThan(0);
    const c = sys.sim.credentials;
    const kucoin = new KucoinHttpClient({
      baseUrl: sys.sim.url,
      credential: { apiKey: c.key, apiSecret: c.secret, passphrase: c.passphrase, keyVersion: '3' },
    });
    try {
      const positions = await kucoin.positions.positions('USDT');
      expect(positions.find((p) => p.symbol === 'XBTUSDTM')?.qty).toBe(pos.qty);
      const stops = (await kucoin.trade.stopOrders({ symbol: 'XBTUSDTM' })).items;
      expect(stops).toHaveLength(1);
      expect(stops[0]).toMatchObject({ side: 'sell', size: pos.qty, reduceOnly: true, stopPriceType: 'MP' });
      // The default stop is never closer than 0.5 % of the entry (a quiet 1m ATR alone put it 0.04 % away,
      // and the newcomer's position was stopped out within seconds).
      const entry = new Decimal(pos.avgEntryPrice!);
      const away = entry.minus(String(stops[0]!.stopPrice)).div(entry);
      expect(away.gte('0.005'), away.toString()).toBe(true);
      expect(away.lt('0.01'), away.toString()).toBe(true);
      // a small fixed notional: 100 USDT at about the market price
      const notional = Number(pos.avgEntryPrice) * 0.001 * pos.qty;
      expect(notional).toBeLessThanOrEqual(100);
      expect(notional).toBeGreaterThan(20);
    } finally {
      await kucoin.close();
    }
    // Intake refuses a contract the exchange does not list (one source of truth with the engine).
    const other = curl.replace('"symbol":"XBTUSDTM"', '"symbol":"XRPUSDTM"');
    const refused = JSON.parse(
      (await promisify(execFile)('bash', ['-c', other], { encoding: 'utf8' })).stdout,
    ) as {
      error: { code: string; details?: { known?: string[] } };
    };
    expect(refused.error.code).toBe('unknown_symbol');
    expect(refused.error.details?.known?.sort()).toEqual([...sys.sim.engine.markets.keys()].sort());
  });

  it('keeps the paper position and its stop across a restart, with nothing to correct', {
    timeout: 240_000,
  }, async () => {
    const before = sys!;
    const accountId = before.engine.ctx.accountId;
    const pos = (await getPosition(before.db.db, accountId, 'XBTUSDTM'))!;
    expect(pos.qty).toBeGreaterThan(0);
    await before.close();
    sys = undefined;
    const env = loadEnv({ ENIGMA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    sys = await startSystem({
      env,
      logger: createLogger({ level: 'silent', pretty: false }),
      progress,
      port: 0,
      simPort: 0,
      dashboard: false,
    });
    // The engine reconciled before trading: the exchange (restored paper account) and the database agree.
    const report = sys.engine.statusReport().lastReconcile!;
    expect(report.positionsAdopted).toEqual([]);
    expect(report.positionsCorrected).toEqual([]);
    expect(report.orphanStopsCancelled).toBe(0);
    const after = (await getPosition(sys.db.db, accountId, 'XBTUSDTM'))!;
    expect(after.qty).toBe(pos.qty);
    const c = sys.sim.credentials;
    const kucoin = new KucoinHttpClient({
      baseUrl: sys.sim.url,
      credential: { apiKey: c.key, apiSecret: c.secret, passphrase: c.passphrase, keyVersion: '3' },
    });
    try {
      expect((await kucoin.positions.positions('USDT')).find((p) => p.symbol === 'XBTUSDTM')?.qty).toBe(
        pos.qty,
      );
      const stops = (await kucoin.trade.stopOrders({ symbol: 'XBTUSDTM' })).items;
      expect(stops).toHaveLength(1);
      expect(stops[0]!.id).toBe(after.stopOrderId);
    } finally {
      await kucoin.close();
    }
  });
});
