import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import type { SimBehaviour } from './behaviour.ts';
import { type Clock, ManualClock, systemClock } from './clock.ts';
import { SimEngine, type EngineOptions as SimEngineOptions } from './engine.ts';
import { Faults } from './faults.ts';
import { createSimApp } from './http/app.ts';
import type { SimCredentials } from './http/auth.ts';
import { mirrorSource } from './market/mirror.ts';
import { buildReplaySource, type ReplayConfig } from './market/select.ts';
import type { MarketSource } from './market/source.ts';
import { syntheticSource } from './market/synthetic.ts';
import { captureState, loadState, restoreState, saveState } from './state.ts';
import { installRenderers } from './views.ts';
import { attachWebSocketServer } from './ws/server.ts';
import { TokenStore } from './ws/tokens.ts';

/** Options of {@link startSimulator}; every field has a default. */
export interface SimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  key?: string;
  secret?: string;
  passphrase?: string;
  seed?: number;
  /** Market clock. A {@link ManualClock} disables the timer: drive it with `advance()`. */
  clock?: Clock;
  /** Clock for the 5 s signature window (default: wall time). */
  authClock?: Clock;
  /** 'synthetic' (default), 'replay', 'mirror', or a ready source. */
  source?: 'synthetic' | 'replay' | 'mirror' | MarketSource;
  replay?: ReplayConfig;
  /** Base URL of a KuCoin-protocol REST host to mirror (its public WS is used; no key needed). */
  mirrorUrl?: string;
  symbols?: string[];
  /** Starting USDT balance (default 0; `enigma start` funds a paper account). */
  initialBalance?: number;
  /** Fixed funding rate instead of the source's. */
  fundingRate?: number;
  /** The synthetic book's shape (levels, notional per level, spread): a thin book shapes partial fills. */
  bookShape?: SimEngineOptions['bookShape'];
  /** Market step interval in ms (default 250). */
  tickMs?: number;
  warmupMinutes?: number;
  pingInterval?: number;
  pingTimeout?: number;
  logger?: Logger;
  /** Enforce KuCoin's VIP-0 pool quotas with endpoint weights (429000 when exhausted). Default off. */
  enforceRateLimits?: boolean;
  /**
   * Per-pool quotas per 30 s window, reported in `gw-ratelimit-*` (and enforced when asked). Default
   * KuCoin's VIP 0 (2,000 each); a higher VIP level's quota lets a client go faster.
   */
  poolQuota?: { public: number; futures: number };
  /**
   * Length of a quota window, whose rest every answer reports in `gw-ratelimit-reset` (a 429 included).
   * Default KuCoin's 30 s; tests whose client waits for a reset shorten it.
   */
  rateLimitWindowMs?: number;
  /** Restrict the key to these source IPs (400006 otherwise). */
  ipWhitelist?: string[];
  /** Key permissions; a key without `Futures` may only read (400007 otherwise). */
  keyPermissions?: ('General' | 'Futures')[];
  /**
   * Keep the account in this file (atomic writes after every change): restored on start, credentials
   * included unless given explicitly. A corrupt file stops the start with a SimStateError.
   */
  statePath?: string;
  /** Behaviour switches (behaviour.ts); unset ones take the harsher default. */
  behaviour?: Partial<SimBehaviour>;
}

/** A running simulator. */
export interface RunningSimulator {
  url: string;
  wsUrl: string;
  credentials: SimCredentials;
  engine: SimEngine;
  faults: Faults;
  /** Manual clock only: advance the market by `ms` in tick-sized steps. */
  advance(ms: number): void;
  close(): Promise<void>;
}

const randomSecret = () => randomBytes(16).toString('hex');

/**
 * Start the KuCoin Futures-compatible simulator on localhost: REST on `url`, WebSocket from the bullet
 * endpoints, one funded-on-demand account, the chosen market source.
 *
 * @example
 * const sim = await startSimulator({ initialBalance: 10_000 });
 * // point a KuCoin client at sim.url with sim.credentials
 * await sim.close();
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const log = opts.logger ?? pino({ level: 'info', name: 'sim' });
  const clock = opts.clock ?? systemClock;
  const saved = opts.statePath ? loadState(opts.statePath) : undefined;
  const credentials: SimCredentials = {
    key: opts.key ?? saved?.credentials.key ?? randomSecret(),
    secret: opts.secret ?? saved?.credentials.secret ?? randomSecret(),
    passphrase: opts.passphrase ?? saved?.credentials.passphrase ?? randomSecret(),
  };
  const symbols = opts.symbols ?? ['XBTUSDTM', 'ETHUSDTM', 'SOLUSDTM'];
  const now = clock.now();
  const warmupMinutes = opts.warmupMinutes ?? 300;
  let source: MarketSource;
  if (typeof opts.source === 'object') source = opts.source;
  else if (opts.source === 'replay') source = buildReplaySource(symbols, opts.replay ?? {}, now);
  else if (opts.source === 'mirror') {
    if (!opts.mirrorUrl) throw new Error('mirror source needs mirrorUrl');
    source = mirrorSource({ baseUrl: opts.mirrorUrl, symbols, logger: log });
  } else source = syntheticSource({ seed: opts.seed ?? 1, startTime: now - warmupMinutes * 60_000 });
  await source.start?.();

  const faults = new Faults();
  const engine = new SimEngine({
    clock,
    faults,
    behaviour: opts.behaviour,
    source,
    seed: opts.seed ?? 1,
    symbols,
    // A restored account keeps its own balance; the starting balance only funds a new one.
    initialBalance: saved ? 0 : opts.initialBalance,
    fundingRate: opts.fundingRate,
    bookShape: opts.bookShape,
    warmupMinutes: source.kind === 'mirror' ? 0 : warmupMinutes,
  });
  installRenderers(engine);
  if (saved) restoreState(engine, saved);
  let savedRevision = -1;
  const persist = () => {
    if (!opts.statePath || engine.revision === savedRevision) return;
    try {
      saveState(opts.statePath, captureState(engine, credentials));
      savedRevision = engine.revision;
    } catch (err) {
      log.error({ err, path: opts.statePath }, 'simulator state not saved');
    }
  };
  persist();
  const tokens = new TokenStore();
  let base = '';
  const pingInterval = opts.pingInterval ?? 18_000;
  const pingTimeout = opts.pingTimeout ?? 10_000;
  const app = createSimApp({
    engine,
    credentials,
    faults,
    tokens,
    wsEndpoint: () => `${base.replace(/^http/, 'ws')}/endpoint`,
    authClock: opts.authClock ?? systemClock,
    pingInterval,
    pingTimeout,
    ipWhitelist: opts.ipWhitelist,
    enforceRateLimits: opts.enforceRateLimits,
    ...(opts.poolQuota ? { poolQuota: opts.poolQuota } : {}),
    ...(opts.rateLimitWindowMs !== undefined ? { rateLimitWindowMs: opts.rateLimitWindowMs } : {}),
    keyPermissions: opts.keyPermissions,
    onInternalError: (err) => log.error({ err }, 'simulator handler failed'),
    onNotFound: (method, url) => log.warn({ method, url }, 'simulator: no such endpoint'),
    onChange: persist,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: opts.host ?? '127.0.0.1' }, () =>
      resolve(s as Server),
    ) as Server;
    // A taken port must fail the start, not hang it.
    s.once('error', (err) => {
      source.close?.();
      reject(err);
    });
  });
  const addr = server.address() as AddressInfo;
  base = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;
  const ws = attachWebSocketServer({
    server,
    engine,
    tokens,
    faults,
    clock,
    idleTimeoutMs: pingInterval + pingTimeout + 30_000,
  });

  const tickMs = opts.tickMs ?? 250;
  const manual = clock instanceof ManualClock;
  const timer = manual
    ? undefined
    : setInterval(() => {
        try {
          engine.step();
        } catch (err) {
          log.error({ err }, 'simulator step failed');
        }
        persist();
      }, tickMs);
  log.debug({ url: base, source: source.kind }, 'simulator listening');

  return {
    url: base,
    wsUrl: `${base.replace(/^http/, 'ws')}/endpoint`,
    credentials,
    engine,
    faults,
    advance(ms: number) {
      if (!(clock instanceof ManualClock)) throw new Error('advance() needs a ManualClock');
      let left = ms;
      while (left > 0) {
        const d = Math.min(tickMs, left);
        clock.advance(d);
        engine.step();
        left -= d;
      }
      persist();
    },
    async close() {
      if (timer) clearInterval(timer);
      persist();
      ws.close();
      source.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
