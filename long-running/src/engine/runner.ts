import type { Bus } from '@enigma/core/bus/index';
import type { EnigmaDb } from '@enigma/db';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KucoinCredential } from '../exchange/kucoin/credential.ts';
import { KucoinHttpClient, type KucoinHttpOptions } from '../exchange/kucoin/http.ts';
import type { Jobs } from '../jobs/types.ts';
import { type DisabledModel, type SignalModel, startSignalModelOrDisabled } from '../ml/signal-model.ts';
import type { EngineClock, EngineTuning } from './context.ts';
import { Engine } from './engine.ts';

export interface RunEngineOptions {
  db: EnigmaDb;
  /**
   * a second handle on the same database for the decision path alone (its one durable statement and
   * the answers of its orders), so a signal's decision never waits for a pool connection behind the
   * follow-up's writes; default `db`
   */
  decisionDb?: EnigmaDb;
  bus: Bus;
  logger: Logger;
  mode: 'paper' | 'live';
  baseUrl: string;
  credential: KucoinCredential;
  /** the KuCoin client's deadline and retries (default the client's own: a test shortens them) */
  http?: Pick<KucoinHttpOptions, 'timeoutMs' | 'maxRetries' | 'retryBaseMs' | 'resolveAttempts'>;
  accountName?: string;
  registry?: Registry;
  holder?: string;
  clock?: EngineClock;
  tuning?: Partial<EngineTuning>;
  /** sources that get the paper default strategy when none is stored */
  defaultStrategyFor?: string[];
  /** pass a model (tests), or let it load the bundled ONNX model (disabled with a reason if it cannot) */
  model?: SignalModel | DisabledModel;
  /** test hook at each step of an order's life (crash tests) */
  onPoint?: import('./context.ts').EngineContext['point'];
  /** bench hook: stream entry read → first order request on the wire, ms */
  onDecision?: (ms: number) => void;
  /** resolve `start()` only once trading (default), or at once while it waits for the lease */
  waitForTrading?: boolean;
  /** the job queue for the router's TWAP slices (closed by its owner, after the engine) */
  jobs?: Jobs;
}

export interface RunningEngine {
  engine: Engine;
  close(): Promise<void>;
}

/**
 * Wire the engine for one account: the KuCoin client (the simulator's URL in paper mode, KuCoin's in
 * live mode), the model off the main thread, then start. The composition used by `enigma engine` and
 * `enigma start`.
 */
export async function runEngine(opts: RunEngineOptions): Promise<RunningEngine> {
  const kucoin = new KucoinHttpClient({
    baseUrl: opts.baseUrl,
    credential: opts.credential,
    logger: opts.logger.child({ component: 'kucoin' }),
    ...opts.http,
  });
  const ownModel = opts.model === undefined;
  const model =
    opts.model ??
    (await startSignalModelOrDisabled({}, (e) =>
      opts.logger.warn({ err: e.message }, 'signal model disabled: scoring without it'),
    ));
  const engine = new Engine({
    db: opts.db,
    ...(opts.decisionDb ? { decisionDb: opts.decisionDb } : {}),
    bus: opts.bus,
    kucoin,
    logger: opts.logger,
    mode: opts.mode,
    model,
    ...(opts.accountName ? { accountName: opts.accountName } : {}),
    ...(opts.holder ? { holder: opts.holder } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.defaultStrategyFor ? { defaultStrategyFor: opts.defaultStrategyFor } : {}),
    ...(opts.onPoint ? { onPoint: opts.onPoint } : {}),
    ...(opts.onDecision ? { onDecision: opts.onDecision } : {}),
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
  });
  const started = engine.start().catch((error) => {
    opts.logger.error({ err: error }, 'engine failed to start');
    throw error;
  });
  if (opts.waitForTrading !== false) await started;
  else started.catch(() => {});
  return {
    engine,
    async close() {
      await engine.close();
      await started.catch(() => {});
      if (ownModel && model.enabled) await model.close();
      await kucoin.close();
    },
  };
}
