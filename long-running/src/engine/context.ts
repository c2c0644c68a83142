import type { Bus } from '@enigma/core/bus/index';
import type { TradableContract } from '@enigma/core/risk/checks';
import type { RiskLimits } from '@enigma/core/risk/limits';
import type { EventTopic } from '@enigma/core/streams/catalog';
import type { EnigmaDb } from '@enigma/db';
import type { Logger } from 'pino';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { Contract } from '../exchange/types.ts';
import type { EngineMetrics } from './metrics.ts';
import type { PositionBook } from './positions.ts';
import type { AccountState } from './state.ts';

/** Time as the engine sees it: injected, so a backtest can drive the same code on simulated time. */
export interface EngineClock {
  now(): number;
  /** resolves after `ms`, or at once when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: EngineClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface EngineTuning {
  /** the lease is renewed every third of this; another engine takes over after it runs out */
  leaseTtlMs: number;
  /** periodic reconciliation */
  reconcileEveryMs: number;
  /** how long a position may stay without a confirmed stop before it is flattened */
  protectGraceMs: number;
  /** polling of an order until it is done (also the REST fallback when the private socket is down) */
  orderPollMs: number;
  /** how long a followed order waits for its done push before its first REST look-up (private socket up) */
  orderPushWaitMs: number;
  /** how long an answer of a market or IOC order waits to be written with its done report (one write) */
  answerMergeMs: number;
  /** how long an entry order may take to fill before it is reported and left to reconciliation */
  orderDoneTimeoutMs: number;
  /**
   * an order whose answer was lost (`unknown`) and whose clientOid the exchange does not know is judged
   * never received (`not_at_exchange`) only this long after its request could last have been in flight
   * (its send time + the KuCoin client's request timeout): a gateway queue may still place a request
   * its client has given up on
   */
  unknownOrderGraceMs: number;
  /**
   * how long after its intent row is written (or, for one sent later, after its send began: recorded as
   * the row's `submittedAt` first) an order request may still go on the wire: past it the KuCoin client
   * does not send it (held by the rate limit, waiting for the contract's margin mode, between retries of
   * a request refused unprocessed) and the row is closed `not_sent`. So an `intent` left by a crash can
   * land at the exchange only until this + the client's request timeout + `unknownOrderGraceMs` after
   * that time, the rule by which such a row is given up as never sent
   */
  orderSendWindowMs: number;
  /**
   * how old a reading of a contract's selected risk-limit level may be before it is read again in the
   * background (contracts with an entry in the last hour); twice this old, an entry waits for a new one
   */
  riskLevelMaxAgeMs: number;
  /** signal entries handled at once across symbols */
  maxInFlight: number;
  /** an entry unacked this long (a dead consumer's) is taken over */
  reclaimIdleMs: number;
  /** the protection watchdog (stop confirmation, trailing) */
  protectEveryMs: number;
  /**
   * while the private socket is up, the watchdog's fill sync by time window (which finds a fill whose push
   * was lost) runs for a contract at most this often; with the socket down, on every watchdog pass
   */
  fillWindowEveryMs: number;
  /**
   * how often the stored settings (risk limits, kill switch) and the cached strategies and sources'
   * staleness windows are read again: a changed one is in force within this
   */
  settingsEveryMs: number;
}

export const DEFAULT_TUNING: EngineTuning = {
  leaseTtlMs: 10_000,
  reconcileEveryMs: 30_000,
  protectGraceMs: 5_000,
  orderPollMs: 150,
  orderPushWaitMs: 100,
  answerMergeMs: 500,
  orderDoneTimeoutMs: 15_000,
  unknownOrderGraceMs: 5_000,
  orderSendWindowMs: 10_000,
  riskLevelMaxAgeMs: 60_000,
  maxInFlight: 256,
  reclaimIdleMs: 30_000,
  protectEveryMs: 1_000,
  fillWindowEveryMs: 5_000,
  settingsEveryMs: 1_000,
};

/** What every part of the engine shares. */
export interface EngineContext {
  db: EnigmaDb;
  /**
   * The decision path's own connections (the decision's one statement, the answer of its first orders):
   * never queued behind the follow-up's writes on `db`'s pool. `db` itself when none was given.
   */
  decisionDb: EnigmaDb;
  bus: Bus;
  kucoin: KucoinHttpClient;
  clock: EngineClock;
  log: Logger;
  metrics: EngineMetrics;
  tuning: EngineTuning;
  mode: 'paper' | 'live';
  accountId: string;
  /** the current lease (name and fence); orders are written only under it */
  lease: { name: string; fence: number };
  contracts: ContractBook;
  /** the account's positions and live orders in memory (kept by the executor, the ledger and reconciliation) */
  state: AccountState;
  /** the account's position rows: read once, then kept by their writers (every position write goes through it) */
  positions: PositionBook;
  /** run `fn` with the symbol's lock held: position, stop and fill changes of one contract are serial */
  withSymbol<T>(symbol: string, fn: () => Promise<T>): Promise<T>;
  /** publish a dashboard event (best effort) */
  publish(topic: EventTopic, event: Record<string, unknown>): void;
  /** the risk limits in force, or null when the stored value does not parse (everything blocks) */
  limits(): RiskLimits | null;
  killSwitch(): { on: boolean; reason: string | null };
  breaker(): 'active' | 'reduce_only' | 'halted';
  /** count an exchange call's outcome for the error-rate breaker */
  exchangeOutcome(ok: boolean): void;
  /** test hook: called at each step of an order's life (crash tests kill the process here) */
  point(step: CrashPoint, detail: { clientOid?: string; symbol?: string }): void;
  /** bench hook: a signal's stream entry read → its first order request on the wire, in ms (performance.now) */
  onDecision?: (ms: number) => void;
}

/** The steps of the order lifecycle where the crash tests kill the engine. */
export const CRASH_POINTS = [
  'before_intent',
  'after_intent',
  'before_send',
  'after_answer',
  'after_fill',
  'before_stop',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The exchange's contracts: the one source of truth for what can be traded. */
export interface ContractBook {
  get(symbol: string): TradableContract | undefined;
  raw(symbol: string): Contract | undefined;
  symbols(): string[];
}
