/**
 * A SIGKILL in the middle of a TWAP and of a limit chase, then a restart: no child order is sent twice
 * and none is lost, checked against the simulator's own orders by clientOid. The engine runs in a child
 * process (crash-child.ts) against PostgreSQL, Redis and the router's job queue in the database; it kills
 * itself right after the exchange answered a chosen child (the row still says `intent`, the worst spot).
 */
import { strategyKey } from '@enigma/core/engine/strategy';
import { DEFAULT_RISK_LIMITS } from '@enigma/core/risk/limits';
import { RISK_LIMITS_KEY } from '@enigma/core/settings/keys';
import { getIntentBySignal, getSignal, ordersOfSignal, putSetting } from '@enigma/db';
import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisBus } from '../bus/redis.ts';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../bus/testing/redis-prefix.ts';
import type { CrashPoint } from '../engine/context.ts';
import { type Child, CRASH_TUNING, startChild, stopChild } from '../engine/testing/crash-harness.ts';
import { postAlert } from '../engine/testing/post-alert.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { RunningSimulator } from '../sim/server.ts';
import { startTestSimulator, waitFor } from '../sim/test-helpers.ts';
import { routedStrategy } from './testing.ts';

const credential = {
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  passphrase: 'sim-pass',
  keyVersion: '3' as const,
};
const SYMBOL = 'XBTUSDTM';

describe('the router survives a SIGKILL mid-algorithm (PostgreSQL, Redis, database job queue)', {
  timeout: 120_000,
}, () => {
  let sim: RunningSimulator;
  let h: TestHandle;
  let prefix: string;
  let bus: ReturnType<typeof createRedisBus>;
  let kucoin: KucoinHttpClient;
  const children: Child[] = [];

  beforeEach(async () => {
    sim = await startTestSimulator({ initialBalance: 100_000, symbols: [SYMBOL] });
    h = await openTestDatabase('pg');
    prefix = randomPrefix();
    bus = createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix, logger: pino({ level: 'silent' }) });
    kucoin = new KucoinHttpClient({ baseUrl: sim.url, credential });
    await putSetting(h.db, RISK_LIMITS_KEY, { ...DEFAULT_RISK_LIMITS, maxConsecutiveLosses: 1000 });
  }, 60_000);

  afterEach(async () => {
    for (const c of children.splice(0)) await stopChild(c);
    await kucoin.close();
    await bus.close();
    await sim.close();
    await h.cleanup();
    await deletePrefix(prefix);
  });

  const child = (holder: string, point?: CrashPoint, oidPrefix?: string) => {
    const c = startChild({
      databaseUrl: h.url!,
      redisUrl: TEST_REDIS_URL,
      keyPrefix: prefix,
      simUrl: sim.url,
      accountName: 'default',
      holder,
      tuning: CRASH_TUNING,
      jobs: true,
      jobLeaseMs: 2_000,
      ...(point ? { point, nth: 1, oidPrefix } : {}),
    });
    children.push(c);
    return c;
  };

  /** Each clientOid of the signal's entry children exists at the exchange exactly once. */
  async function expectOncePerClientOid(signalId: string): Promise<string[]> {
    const rows = (await ordersOfSignal(h.db, signalId)).filter((o) => o.purpose === 'entry');
    const exchange = [
      ...(await kucoin.trade.orders({ status: 'done', symbol: SYMBOL })).items,
      ...(await kucoin.trade.orders({ status: 'active', symbol: SYMBOL })).items,
    ];
    const oids = rows.map((r) => r.clientOid);
    for (const oid of oids)
      expect(
        exchange.filter((o) => o.clientOid === oid),
        oid,
      ).toHaveLength(1);
    // and nothing at the exchange that the database does not know as one of its entries
    const entryLike = exchange.filter((o) => !o.reduceOnly && !o.stop);
    expect(entryLike.map((o) => o.clientOid).sort()).toEqual([...oids].sort());
    // the position is exactly what the children filled
    const filled = rows.reduce((n, r) => n + r.filledSize, 0);
    const ex = (await kucoin.positions.positions('USDT')).find((p) => p.symbol === SYMBOL);
    expect(ex?.qty ?? 0).toBe(filled);
    return oids;
  }

  /** The signal's final status, once its routed leg has ended too ('protected' comes with the first fill). */
  const finalStatus = async (signalId: string) => {
    const status = await waitFor(async () => {
      const s = await getSignal(h.db, signalId);
      return s && !['received', 'scored', 'ordered', 'filled'].includes(s.status) ? s.status : undefined;
    }, 60_000);
    await waitFor(
      async () => ((await getIntentBySignal(h.db, signalId))?.status === 'done' ? true : undefined),
      60_000,
    );
    return status;
  };

  it('TWAP: killed right after the exchange answered slice 1; the restarted engine sends slices 1 and 2 once each', async () => {
    await putSetting(
      h.db,
      strategyKey('twap'),
      routedStrategy({ style: 'twap', twap: { slices: 3, durationSeconds: 3 } }, 3),
    );
    const first = child('first', 'after_answer', 'a');
    await first.trading;
    const { signalId } = await postAlert(h.db, bus, { action: 'buy', symbol: SYMBOL }, { source: 'twap' });
    expect(await first.exited).toBe('SIGKILL');
    expect(first.lines.some((l) => l.startsWith('killing after_answer'))).toBe(true);
    const second = child('second');
    await second.trading;
    expect(await finalStatus(signalId)).toBe('protected');
    const oids = await waitFor(async () => {
      const rows = (await ordersOfSignal(h.db, signalId)).filter((o) => o.purpose === 'entry');
      return rows.length === 3 && rows.every((r) => ['filled', 'canceled'].includes(r.status))
        ? rows
        : undefined;
    }, 30_000);
    expect(oids.map((r) => r.size)).toEqual([1, 1, 1]);
    await expectOncePerClientOid(signalId);
  });

  it('limit chase: killed right after the exchange answered its first attempt; the restart follows it, never re-sends it', async () => {
    await putSetting(
      h.db,
      strategyKey('chase'),
      routedStrategy(
        {
          style: 'limit_chase',
          chase: { maxTicks: 10_000, maxSeconds: 3, repriceMs: 200, fallback: 'taker' },
        },
        2,
      ),
    );
    const first = child('first', 'after_answer', 'o');
    await first.trading;
    const { signalId } = await postAlert(h.db, bus, { action: 'buy', symbol: SYMBOL }, { source: 'chase' });
    expect(await first.exited).toBe('SIGKILL');
    const second = child('second');
    await second.trading;
    expect(await finalStatus(signalId)).toBe('protected');
    await waitFor(async () => {
      const rows = (await ordersOfSignal(h.db, signalId)).filter((o) => o.purpose === 'entry');
      return rows.every((r) => ['filled', 'canceled', 'rejected'].includes(r.status)) ? true : undefined;
    }, 30_000);
    const oids = await expectOncePerClientOid(signalId);
    expect(oids[0]!.startsWith('o')).toBe(true);
  });
});
