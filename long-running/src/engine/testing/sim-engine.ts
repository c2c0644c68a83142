/**
 * The engine-against-simulator fixture of the end-to-end tests (engine.sim, trailing.sim, tracing.sim,
 * router.sim, commands.sim, engine.crash): our KuCoin simulator, a real database (PGlite or PostgreSQL), a bus (in-process, or Redis
 * under a fresh key prefix), a KuCoin client on the simulator for the test's own look at the exchange, and
 * the engine (`runEngine`, what `enigma engine` runs) trading against all of them. Nothing is mocked.
 *
 * `useSimEngine(options)` registers the hooks (once for the file or describe block, or around each test
 * with `each: true`) and returns the fixture, whose fields are filled in before the first test runs.
 */

import { randomUUID } from 'node:crypto';
import type { Bus } from '@enigma/core/bus/index';
import { DEFAULT_RISK_LIMITS } from '@enigma/core/risk/limits';
import type { OperatorCommand } from '@enigma/core/signals/commands';
import {
  checkStreamPayload,
  type SignalEntryInput,
  type StreamPayloadInput,
} from '@enigma/core/streams/catalog';
import { type EnigmaDb, getSignal, insertCommand, putSetting } from '@enigma/db';
import { openTestDatabase, type TestHandle } from '@enigma/db/testing/drivers';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createMemoryBus } from '../../bus/memory.ts';
import { createRedisBus } from '../../bus/redis.ts';
import { deletePrefix, randomPrefix, TEST_REDIS_URL } from '../../bus/testing/redis-prefix.ts';
import { KucoinHttpClient } from '../../exchange/kucoin/http.ts';
import { createDatabaseJobs } from '../../jobs/database.ts';
import type { Jobs } from '../../jobs/types.ts';
import type { MarketSource } from '../../sim/market/source.ts';
import type { RunningSimulator, SimulatorOptions } from '../../sim/server.ts';
import { startTestSimulator, waitFor } from '../../sim/test-helpers.ts';
import { type EngineTuning, systemClock } from '../context.ts';
import { type RunEngineOptions, type RunningEngine, runEngine } from '../runner.ts';
import { postAlert } from './post-alert.ts';

/** The credentials `startTestSimulator` accepts. */
export const SIM_CREDENTIAL = {
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  passphrase: 'sim-pass',
  keyVersion: '3' as const,
};

/** The default risk limits with room for orders of up to 80,000 USDT (a 100,000 USDT test account's larger orders). */
export const ROOMY_RISK_LIMITS = {
  ...DEFAULT_RISK_LIMITS,
  maxPositionNotional: '80000',
  maxOrderNotional: '80000',
  maxTotalExposure: '80000',
};

/**
 * Fast protection checks, order polls and settings re-reads; no periodic reconciliation (a test asks for
 * one).
 */
export const SIM_TUNING = {
  protectEveryMs: 200,
  reconcileEveryMs: 3_600_000,
  orderPollMs: 30,
  settingsEveryMs: 200,
} satisfies Partial<EngineTuning>;

/**
 * How long a test waits after storing settings, limits or a strategy for the engine (SIM_TUNING) to have
 * read them again: three re-reads (`settingsEveryMs`), as 1.2 s and 2.3 s were for the default 1 s.
 */
export const SETTINGS_REREAD_MS = 3 * SIM_TUNING.settingsEveryMs;

/**
 * The kill switch turned as the API turns it: the stored state, then its command on the `commands` stream
 * (`key`: the command's idempotency key, one per turn).
 */
export async function turnKillSwitch(
  f: { db: EnigmaDb; bus: Bus },
  state: { on: boolean; reason: string; flatten?: boolean },
  key: string,
): Promise<void> {
  await putSetting(f.db, 'risk.kill_switch', state);
  await appendCommand(f, { type: 'kill_switch', ...state }, key);
}

/** An operator command on the `commands` stream, as the API publishes it (`key`: its idempotency key). */
export async function appendCommand(
  f: { bus: Bus },
  command: StreamPayloadInput<'commands'>['command'],
  key: string,
  commandId: string = randomUUID(),
): Promise<string> {
  await f.bus.append(
    'commands',
    checkStreamPayload('commands', {
      commandId,
      issuedBy: 'test',
      issuedAt: Date.now(),
      idempotencyKey: key,
      command,
    }),
  );
  return commandId;
}

/**
 * An operator command stored as the API stores it (its row holds the outcome, `GET /api/commands/{id}`)
 * and published to the engine; its id is also its idempotency key.
 */
export async function sendCommand(
  f: { db: EnigmaDb; bus: Bus },
  cmd: OperatorCommand,
  commandId: string = randomUUID(),
): Promise<string> {
  await insertCommand(f.db, {
    id: commandId,
    issuedBy: 'test',
    idempotencyKey: commandId,
    type: cmd.type,
    command: cmd as unknown as Record<string, unknown>,
    fingerprint: commandId,
  });
  return appendCommand(f, cmd, commandId, commandId);
}

/** A signal's status once the engine is done deciding and executing it (not one of the steps on the way). */
const IN_FLIGHT = ['received', 'scored', 'ordered', 'filled'];

/**
 * A synthetic price source whose prices the test moves (`prices[symbol] = …`): each contract samples its
 * entry (`fallback` for one not listed) at volume 2.
 */
export function movablePrices(initial: Record<string, number>, fallback = 100) {
  const prices: Record<string, number> = { ...initial };
  const source: MarketSource = {
    kind: 'synthetic',
    sample: (symbol) => ({ price: prices[symbol] ?? fallback, volume: 2 }),
  };
  return { prices, source };
}

export interface SimEngineOptions {
  /** for `startTestSimulator` (symbols, balance, book shape, a market source, a clock) */
  sim?: SimulatorOptions;
  db?: 'pglite' | 'pg';
  /** a Redis bus under a fresh key prefix (deleted at the end); default the in-process bus */
  redis?: boolean;
  /** settings stored before the engine starts (strategies by `strategyKey`, risk limits …), in order */
  settings?: Record<string, unknown>;
  /** the router's database job queue (TWAP slices, scheduled jobs), handed to the engine */
  jobs?: boolean;
  /** the engine's time (the simulator's is `sim.clock`); alerts are stamped with it too */
  now?: () => number;
  tuning?: Partial<EngineTuning>;
  /** the engine's KuCoin client's deadline and retries (`runEngine`'s `http`) */
  http?: RunEngineOptions['http'];
  /** the engine's log level (default silent) */
  logLevel?: string;
  /** the source alerts come from unless `alert` names one (default `tv`) */
  source?: string;
  /** after the simulator, database and bus are up, before the settings and the engine (a collector, the API) */
  beforeEngine?: (f: SimEngine) => Promise<void>;
  /** the engine's hook at each step of an order's life (given to a restarted engine too) */
  onPoint?: RunEngineOptions['onPoint'];
}

export interface SimEngine {
  sim: RunningSimulator;
  h: TestHandle;
  db: EnigmaDb;
  bus: Bus;
  /** a client of the simulator for the test's own checks (the engine has its own) */
  kucoin: KucoinHttpClient;
  running: RunningEngine;
  jobs: Jobs;
  accountId(): string;
  /** What intake does for an accepted alert (the row, then the stream entry). */
  alert(
    input: Partial<SignalEntryInput> & { action: SignalEntryInput['action'] },
    source?: string,
  ): Promise<{ signalId: string; entry: SignalEntryInput }>;
  /** The signal's status once it is no longer in flight (fails after `ms`). */
  settled(signalId: string, ms?: number): Promise<string>;
  /** Run at close, after the engine and its job queue stop and before the bus, simulator and database. */
  onClose(fn: () => unknown): void;
  /**
   * Stop the engine and start a new one on the same database, bus and simulator (a restart: its memory is
   * gone). With `jobs`, the job worker is stopped and a new one started on the same database as well.
   */
  restartEngine(): Promise<void>;
}

/** with `close`, and the Redis key prefix it makes (deleted at close) */
type Fixture = SimEngine & { close(): Promise<void>; prefix(): string };

/** Start everything; `close` stops what started, in reverse order. */
export async function startSimEngine(
  options: SimEngineOptions = {},
  f: Fixture = emptyFixture(options),
): Promise<Fixture> {
  f.sim = await startTestSimulator({ initialBalance: 10_000, symbols: ['XBTUSDTM'], ...options.sim });
  f.h = await openTestDatabase(options.db ?? 'pglite');
  f.db = f.h.db;
  f.bus = options.redis ? createRedisBus({ url: TEST_REDIS_URL, keyPrefix: f.prefix() }) : createMemoryBus();
  await options.beforeEngine?.(f);
  for (const [key, value] of Object.entries(options.settings ?? {})) await putSetting(f.db, key, value);
  if (options.jobs) f.jobs = createDatabaseJobs({ db: f.db, pollMs: 100 });
  f.kucoin = new KucoinHttpClient({ baseUrl: f.sim.url, credential: SIM_CREDENTIAL });
  f.running = await startEngine(options, f);
  return f;
}

function startEngine(options: SimEngineOptions, f: Fixture): Promise<RunningEngine> {
  return runEngine({
    db: f.db,
    bus: f.bus,
    logger: pino({ level: options.logLevel ?? 'silent' }),
    mode: 'paper',
    baseUrl: f.sim.url,
    credential: SIM_CREDENTIAL,
    model: { enabled: false, reason: 'not loaded in this test' },
    tuning: { ...SIM_TUNING, ...options.tuning },
    ...(options.http ? { http: options.http } : {}),
    ...(options.now ? { clock: { now: options.now, sleep: systemClock.sleep } } : {}),
    ...(f.jobs ? { jobs: f.jobs } : {}),
    ...(options.onPoint ? { onPoint: options.onPoint } : {}),
  });
}

/**
 * Register the fixture's hooks in the current file or describe block: started before its tests (before
 * each test with `each`) and closed after them. The returned object's fields are filled in when the hook
 * runs; its functions (`alert`, `settled`, `accountId`, `onClose`) can be taken at once. Hooks of the
 * file registered before this one run before it starts and (vitest runs after-hooks in reverse) after it
 * closes.
 */
export function useSimEngine(options: SimEngineOptions = {}, { each = false } = {}): SimEngine {
  const f = emptyFixture(options);
  const start = async () => {
    await startSimEngine(options, f);
  };
  const stop = () => f.close();
  if (each) {
    beforeEach(start, 60_000);
    afterEach(stop);
  } else {
    beforeAll(start, 60_000);
    afterAll(stop);
  }
  return f;
}

/** The fixture's functions, before anything runs; `close` can be called again for the next start. */
function emptyFixture(options: SimEngineOptions): Fixture {
  const closers: (() => unknown)[] = [];
  let prefix: string | undefined;
  const source = options.source ?? 'tv';
  const f = {} as Fixture;
  Object.assign(f, {
    prefix: () => {
      prefix = randomPrefix();
      return prefix;
    },
    onClose: (fn: () => unknown) => closers.push(fn),
    alert: (input: Parameters<SimEngine['alert']>[0], src = source) =>
      postAlert(f.db, f.bus, input, { source: src, ...(options.now ? { now: options.now() } : {}) }),
    settled: (signalId: string, ms = 20_000) =>
      waitFor(async () => {
        const s = (await getSignal(f.db, signalId))?.status;
        return s && !IN_FLIGHT.includes(s) ? s : undefined;
      }, ms),
    accountId: () => f.running.engine.ctx.accountId,
    restartEngine: async () => {
      await f.running.close();
      if (f.jobs) {
        await f.jobs.close();
        f.jobs = createDatabaseJobs({ db: f.db, pollMs: 100 });
      }
      f.running = await startEngine(options, f);
    },
    close: async () => {
      await f.running?.close();
      await f.jobs?.close();
      for (const fn of closers.splice(0).reverse()) await fn();
      await f.kucoin?.close();
      await f.bus?.close();
      await f.sim?.close();
      await f.h?.cleanup();
      if (prefix) await deletePrefix(prefix);
      // the next start (each: true) begins from nothing
      for (const k of ['running', 'jobs', 'kucoin', 'bus', 'sim', 'h', 'db'] as const) delete f[k];
      prefix = undefined;
    },
  });
  return f;
}
