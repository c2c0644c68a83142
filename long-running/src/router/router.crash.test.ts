/**
 * A SIGKILL in the middle of a TWAP and of a limit chase, then a restart: no child order is sent twice
 * and none is lost, checked against the simulator's own orders by clientOid. The engine runs in a child
 * process (crash-child.ts) against PostgreSQL, Redis and the router's job queue in the database; it kills
 * itself right after the exchange answered a chosen child (the row still says `intent`, the worst spot),
 * or between a child's row and the wire (the restart must risk-check it again before sending it), or the
 * test kills it while a gateway holds its entry (the restart must not give that up while it may land).
 */
import { clientOidFor, MAX_CLIENT_OID_SEQ } from '@enigma/core/engine/client-oid';
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
import {
  type Child,
  CRASH_HTTP,
  CRASH_TUNING,
  startChild,
  stopChild,
} from '../engine/testing/crash-harness.ts';
import { postAlert } from '../engine/testing/post-alert.ts';
import { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import { syntheticSource } from '../sim/market/synthetic.ts';
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

  /**
   * The simulator's default random walk, lifted by `lift` (1: as it is), which grows by `drift` at each
   * sample (every 50 ms) while that is not 0. A test that needs the touch to move away from a resting
   * order moves it itself rather than wait for the walk to (it may not, or may fill the order first).
   */
  let lift = 1;
  let drift = 0;
  beforeEach(async () => {
    lift = 1;
    drift = 0;
    const walk = syntheticSource({ seed: 1, startTime: Date.now() - 120 * 60_000 });
    sim = await startTestSimulator({
      initialBalance: 100_000,
      symbols: [SYMBOL],
      source: {
        kind: 'synthetic',
        sample: (symbol, now) => {
          const s = walk.sample(symbol, now);
          lift *= 1 + drift;
          return s && { ...s, price: s.price * lift };
        },
      },
    });
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

  /**
   * An engine child. `standby`: loaded and waiting (a warm spare: `go` starts it), so a restart costs the
   * lease's takeover, not the loading. The engine fault tests' short timings: the client gives up on a
   * request after 3 s and looks it up twice, and an order the exchange does not know may still land for
   * 1 s more (`unknownOrderGraceMs`).
   */
  const child = (
    holder: string,
    point?: CrashPoint,
    oidPrefix?: string,
    { standby = false, graceMs = 1_000 } = {},
  ) => {
    const c = startChild({
      databaseUrl: h.url!,
      redisUrl: TEST_REDIS_URL,
      keyPrefix: prefix,
      simUrl: sim.url,
      accountName: 'default',
      holder,
      tuning: { ...CRASH_TUNING, unknownOrderGraceMs: graceMs },
      http: CRASH_HTTP,
      jobs: true,
      jobLeaseMs: 2_000,
      standby,
      ...(point ? { point, nth: 1, oidPrefix } : {}),
    });
    children.push(c);
    return c;
  };
  const go = async (spare: Child) => {
    await spare.loaded;
    spare.proc.send('go');
    await spare.trading;
  };
  /** the clientOid the child last reached `step` with (its `point <step> <n> <clientOid>` line) */
  const lastOid = (c: Child, step: CrashPoint) =>
    c.lines
      .filter((l) => l.startsWith(`point ${step} `))
      .at(-1)
      ?.split(' ')[3];
  const exchangeOrders = (clientOid: string) =>
    [...sim.engine.orders.values()].filter((o) => o.clientOid === clientOid);
  const entries = async (signalId: string) =>
    (await ordersOfSignal(h.db, signalId)).filter((o) => o.purpose === 'entry');
  /**
   * A 3-slice TWAP of 3 lots whose engine is killed with slice 1's row written (`intent`) and its request
   * not sent; a warm spare waits to be started.
   */
  async function twapKilledBeforeSlice1() {
    await putSetting(
      h.db,
      strategyKey('twap'),
      routedStrategy({ style: 'twap', twap: { slices: 3, durationSeconds: 3 } }, 3),
    );
    const second = child('second', undefined, undefined, { standby: true });
    const first = child('first', 'before_send', 'a');
    await first.trading;
    const { signalId } = await postAlert(h.db, bus, { action: 'buy', symbol: SYMBOL }, { source: 'twap' });
    expect(await first.exited).toBe('SIGKILL');
    const slice1 = lastOid(first, 'before_send')!;
    expect((await entries(signalId)).find((r) => r.clientOid === slice1)?.status).toBe('intent');
    return { second, signalId, slice1 };
  }

  /**
   * The `chase` source's strategy: a limit chase of `lots`, re-priced every 200 ms, taker after 3 s (or
   * once the touch has moved `maxTicks` against it).
   */
  const chaseStrategy = (lots: number, maxTicks = 10_000) =>
    putSetting(
      h.db,
      strategyKey('chase'),
      routedStrategy(
        {
          style: 'limit_chase',
          chase: { maxTicks, maxSeconds: 3, repriceMs: 200, fallback: 'taker' },
        },
        lots,
      ),
    );

  /**
   * A limit chase of 2 lots that gives up at the first tick against it, whose engine is killed with its
   * taker fallback's row written (`intent`) and its request not sent; a warm spare waits to be started.
   */
  async function chaseKilledBeforeFallback() {
    // at the first tick against it: the run's first child after attempt 0 is the taker fallback
    const { second, signalId, killedOid: fallbackOid } = await chaseKilledBeforeChild(2, 0);
    expect(fallbackOid).toBe(clientOidFor('algo', signalId, MAX_CLIENT_OID_SEQ));
    expect((await entries(signalId)).find((r) => r.clientOid === fallbackOid)?.status).toBe('intent');
    return { second, signalId, fallbackOid };
  }

  /**
   * A limit chase of `lots` (giving up `maxTicks` against it) whose engine is killed before its first
   * child after attempt 0 reaches the wire; a warm spare waits to be started. The market rises 0.01 % every
   * 50 ms from the alert on (a few times the walk's own step): attempt 0, a buy at the touch, is left
   * behind unfilled.
   */
  async function chaseKilledBeforeChild(lots: number, maxTicks?: number) {
    await chaseStrategy(lots, maxTicks);
    const second = child('second', undefined, undefined, { standby: true });
    const first = child('first', 'before_send', 'a');
    await first.trading;
    drift = 0.0001;
    const { signalId } = await postAlert(h.db, bus, { action: 'buy', symbol: SYMBOL }, { source: 'chase' });
    await waitFor(async () => (first.dead ? true : undefined), 20_000);
    drift = 0;
    expect(await first.exited).toBe('SIGKILL');
    return { second, signalId, killedOid: lastOid(first, 'before_send')! };
  }

  /** A webhook source whose alerts may wait `seconds` (60 for a source with no row). */
  const staleAfterSeconds = (source: string, seconds: number) =>
    h.db.execute(
      `insert into webhook_sources (name, kind, stale_after_seconds) values ('${source}', 'tradingview', ${seconds})`,
    );

  /** The routed order's intent once it has ended, and the signal's entries then. */
  const whenEnded = async (signalId: string) => {
    await waitFor(async () => {
      const i = await getIntentBySignal(h.db, signalId);
      return i?.status === 'done' || i?.status === 'failed' ? true : undefined;
    }, 30_000);
    return entries(signalId);
  };

  /** The position the exchange holds, equal to the engine's, and its stop covering it. */
  async function expectProtected(qty: number): Promise<void> {
    const ex = (await kucoin.positions.positions('USDT')).find((p) => p.symbol === SYMBOL);
    expect(ex?.qty ?? 0).toBe(qty);
    if (qty === 0) return;
    await waitFor(async () => {
      const stops = (await kucoin.trade.stopOrders({ symbol: SYMBOL })).items;
      return stops.length === 1 && stops[0]!.size === qty && stops[0]!.reduceOnly ? true : undefined;
    }, 10_000);
  }

  /**
   * Each clientOid of the signal's entry children exists at the exchange exactly once (those given up as
   * never sent: not at all).
   */
  async function expectOncePerClientOid(signalId: string): Promise<string[]> {
    const rows = (await entries(signalId)).filter((o) => !o.reason?.startsWith('not_sent'));
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
    // the position is exactly what the children filled, and protected
    await expectProtected(rows.reduce((n, r) => n + r.filledSize, 0));
    return oids;
  }

  /** The signal's final status, once its routed leg has ended too ('protected' comes with the first fill). */
  const finalStatus = async (signalId: string) => {
    const status = await waitFor(async () => {
      const s = await getSignal(h.db, signalId);
      return s && !['received', 'scored', 'ordered', 'filled'].includes(s.status) ? s.status : undefined;
    }, 60_000);
    if (status === 'protected')
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
    await chaseStrategy(2);
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

  it('TWAP: killed between slice 1’s row and the wire, the kill switch on before the restart: slice 1 is re-checked and never sent, the TWAP stops, slice 0’s fill stays protected', async () => {
    const { second, signalId, slice1 } = await twapKilledBeforeSlice1();
    await putSetting(h.db, 'risk.kill_switch', { on: true, reason: 'drill' });
    await go(second);
    expect(await finalStatus(signalId)).toBe('protected');
    const rows = await entries(signalId);
    // slice 0 filled; slice 1 given up with the block's reason code; slice 2 never written
    expect(rows.map((r) => [r.clientOid === slice1, r.status])).toEqual([
      [false, expect.stringMatching(/^(filled|canceled)$/)],
      [true, 'rejected'],
    ]);
    expect(rows[0]!.filledSize).toBeGreaterThan(0);
    expect(rows[1]!.reason).toMatch(/^not_sent: kill_switch/);
    // given up only once no request of it can land: its send window (no request of it goes out later),
    // the client's 3 s timeout and the 1 s grace after its row was written
    expect(rows[1]!.doneAt!.getTime() - rows[1]!.createdAt.getTime()).toBeGreaterThanOrEqual(
      CRASH_TUNING.orderSendWindowMs + 3_000 + 1_000,
    );
    expect(exchangeOrders(slice1)).toHaveLength(0);
    await expectOncePerClientOid(signalId);
  });

  it('TWAP: killed between slice 1’s row and the wire; re-checked after the restart without counting its own row, it fits a position cap the whole order fits exactly', async () => {
    await putSetting(h.db, RISK_LIMITS_KEY, {
      ...DEFAULT_RISK_LIMITS,
      maxConsecutiveLosses: 1000,
      maxPositionLots: { [SYMBOL]: 3 },
    });
    const { second, signalId } = await twapKilledBeforeSlice1();
    await go(second);
    expect(await finalStatus(signalId)).toBe('protected');
    // counted twice (its row and itself), slice 1 would have been 4 lots against the cap of 3: blocked
    const done = ['filled', 'canceled', 'rejected'];
    const rows = await waitFor(async () => {
      const r = await entries(signalId);
      return r.length === 3 && r.every((o) => done.includes(o.status)) ? r : undefined;
    }, 10_000).catch(async () => entries(signalId));
    expect(rows.map((r) => [r.size, r.status === 'rejected', r.reason])).toEqual([
      [1, false, null],
      [1, false, null],
      [1, false, null],
    ]);
    await expectOncePerClientOid(signalId);
  });

  for (const blocker of ['kill_switch', 'stale_at_engine'] as const)
    it(`limit chase: killed between attempt 1’s row and the wire, ${blocker === 'kill_switch' ? 'the kill switch on before the restart' : 'restarted past its source’s staleness window'}: the attempt is re-checked and never sent, nor the taker fallback`, async () => {
      if (blocker === 'stale_at_engine') await staleAfterSeconds('chase', 3);
      const { second, signalId, killedOid: attempt1 } = await chaseKilledBeforeChild(5);
      // the chase re-priced (the touch moved) before its time limit: the child killed is attempt 1
      expect(attempt1).toBe(clientOidFor('algo', signalId, 1));
      if (blocker === 'kill_switch')
        await putSetting(h.db, 'risk.kill_switch', { on: true, reason: 'drill' });
      else await new Promise((r) => setTimeout(r, 3_000));
      await go(second);
      const status = await waitFor(async () => {
        const st = (await getSignal(h.db, signalId))?.status;
        return st === 'protected' || st === 'failed' ? st : undefined;
      }, 30_000);
      const rows = await whenEnded(signalId);
      const [a0, a1, ...rest] = rows;
      expect(a1).toMatchObject({ clientOid: attempt1, status: 'rejected' });
      expect(a1!.reason).toMatch(new RegExp(`^not_sent: ${blocker}`));
      expect(exchangeOrders(attempt1)).toHaveLength(0);
      // nothing after it: no other attempt, no taker fallback
      expect(rest).toEqual([]);
      // what attempt 0 filled (if anything) is the position, protected
      expect(status).toBe(a0!.filledSize > 0 ? 'protected' : 'failed');
      await expectOncePerClientOid(signalId);
    });

  it('limit chase: killed between the taker fallback’s row and the wire; the restart sends it once, never leaves it an intent', async () => {
    const { second, signalId, fallbackOid } = await chaseKilledBeforeFallback();
    // restarted past the send window of its row: the resumed send records when it began, and its window
    // counts from there (from the row's creation it would not go out)
    await new Promise((r) => setTimeout(r, CRASH_TUNING.orderSendWindowMs));
    await go(second);
    const rows = await whenEnded(signalId);
    const fallback = rows.find((r) => r.clientOid === fallbackOid);
    expect(fallback?.status).toMatch(/^(filled|canceled)$/);
    expect(exchangeOrders(fallbackOid)).toHaveLength(1);
    await expectOncePerClientOid(signalId);
  });

  it('limit chase: killed between the taker fallback’s row and the wire, restarted past its source’s staleness window: the fallback is re-checked and never sent late', async () => {
    // the source's alerts may wait 3 s (60 by default): the algorithm is interrupted longer than that
    await staleAfterSeconds('chase', 3);
    const { second, signalId, fallbackOid } = await chaseKilledBeforeFallback();
    await new Promise((r) => setTimeout(r, 3_000));
    await go(second);
    const rows = await whenEnded(signalId);
    const fallback = rows.find((r) => r.clientOid === fallbackOid);
    expect(fallback).toMatchObject({ status: 'rejected' });
    expect(fallback!.reason).toMatch(
      /^not_sent: stale_at_engine: this child of the routed entry was written/,
    );
    expect(exchangeOrders(fallbackOid)).toHaveLength(0);
    // what attempt 0 filled before it (if anything) is the position, protected
    expect(await finalStatus(signalId)).toBe(rows[0]!.filledSize > 0 ? 'protected' : 'failed');
    await expectOncePerClientOid(signalId);
  });

  it('an entry in flight when the engine died, blocked on resume by the kill switch: looked up until it can no longer land, it lands and is followed and protected, never sent again', async () => {
    await putSetting(h.db, strategyKey('mkt'), routedStrategy({ style: 'market', slippageBps: 20 }, 2));
    // A 2 s grace here: an intent row records no send time, so the rule counts from the row's creation,
    // and a loaded machine can spend half a second between the two.
    const second = child('second', undefined, undefined, { standby: true, graceMs: 2_000 });
    const first = child('first', undefined, undefined, { graceMs: 2_000 });
    await first.trading;
    // The gateway holds the entry 3.5 s: it lands after the restart (about 2 s), within its send + the
    // client's 3 s timeout + the grace, so only look-ups that wait for it can find it.
    sim.faults.set({ queueRequests: 1, queueMs: 3_500, pathPrefix: '/api/v1/orders' });
    const { signalId } = await postAlert(h.db, bus, { action: 'buy', symbol: SYMBOL }, { source: 'mkt' });
    const oid = await waitFor(async () => lastOid(first, 'before_send'), 10_000);
    // killed once the gateway holds it (not before the request has left the engine)
    await waitFor(async () => (sim.faults.get().queueRequests === 0 ? true : undefined), 10_000);
    first.proc.kill('SIGKILL');
    await first.exited;
    await putSetting(h.db, 'risk.kill_switch', { on: true, reason: 'drill' });
    await go(second);
    const restarted = Date.now();
    const status = await finalStatus(signalId);
    const [row, ...others] = await entries(signalId);
    const theirs = exchangeOrders(oid);
    // (the timings, should it fail: the rule counts from the row's creation)
    const at = `row created ${row?.createdAt.getTime()}, done ${row?.doneAt?.getTime()}, landed ${theirs[0]?.createdAt}`;
    expect(status, at).toBe('protected');
    expect(others).toEqual([]);
    expect(theirs).toHaveLength(1);
    // it landed once the restarted engine was reconciled (its look-ups had found nothing)
    expect(theirs[0]!.createdAt).toBeGreaterThan(restarted);
    expect(row).toMatchObject({ clientOid: oid, exchangeOrderId: theirs[0]!.id, reason: null });
    expect(row!.filledSize).toBeGreaterThan(0);
    await expectOncePerClientOid(signalId);
  });
});
