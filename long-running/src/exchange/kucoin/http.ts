import { exponentialBackoff } from '@enigma/core/backoff';
import { SpanKind, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import { Agent } from 'undici';
import { inSampledTrace, inSpan } from '../../runtime/tracing.ts';
import type { KucoinCredential } from './credential.ts';
import { account, type Endpoint, market, positions, trade } from './endpoints.ts';
import {
  ExchangeUnavailableError,
  InvalidTimestampError,
  KucoinError,
  KucoinNetworkError,
  OrderNotFoundError,
  OrderOutcomeUnknownError,
  RateLimitError,
  toKucoinError,
} from './errors.ts';
import { type KucoinMetrics, kucoinMetrics } from './metrics.ts';
import { type PoolName, RateLimiter } from './rate-limit.ts';
import { type BuiltRequest, buildRequest, type RequestSpec } from './request.ts';
import { envelope } from './schemas.ts';
import { fetchTransport, type RawResponse, type Transport, undiciTransport } from './transport.ts';

export type { RawResponse, ResponseHeaders, Transport } from './transport.ts';

export interface KucoinHttpOptions {
  /** e.g. https://api-futures.kucoin.com or the local simulator's URL. */
  baseUrl: string;
  credential?: KucoinCredential;
  /** Epoch ms; injected for tests. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Per-attempt deadline, ms: connect, headers and body together. */
  timeoutMs?: number;
  /** Retries of a safe request (GET, or a rejected-before-processing 429/400002). */
  maxRetries?: number;
  retryBaseMs?: number;
  /** How many times a lost order response is looked up by clientOid before giving up. */
  resolveAttempts?: number;
  logger?: Logger;
  /**
   * Send through this WHATWG fetch instead of the client's own keep-alive undici Agent (other
   * runtimes, or a test that must see the wire through fetch). Same timeout, errors and retries.
   */
  fetch?: typeof fetch;
  /** Defaults to the metrics on prom-client's global registry. */
  metrics?: KucoinMetrics;
}

type Bound<G> = {
  [K in keyof G]: G[K] extends (...args: infer A) => Endpoint<infer T> ? (...args: A) => Promise<T> : never;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The rejection of an attempt that hit its deadline (what AbortSignal.timeout used to give). */
const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * KuCoin Futures REST client: signs with a server-corrected clock, respects the gateway rate limit,
 * retries only what is safe, and resolves a lost order response by clientOid, never by re-sending.
 * HTTP goes through one keep-alive undici Agent per client: call `close()` when done with it.
 *
 * @example
 * const kucoin = new KucoinHttpClient({ baseUrl: 'https://api-futures.kucoin.com', credential });
 * await kucoin.syncTime();
 * const ack = await kucoin.trade.placeOrder({ clientOid: 'sig-42', symbol: 'XBTUSDTM', side: 'buy',
 *   type: 'limit', price: toMoney('60000'), size: 1, leverage: 3 });
 * await kucoin.close();
 */
export class KucoinHttpClient {
  /** Server time minus local time, ms (see syncTime). */
  timeOffsetMs = 0;
  readonly limiter: RateLimiter;
  readonly market: Bound<typeof market>;
  readonly trade: Bound<typeof trade>;
  readonly positions: Bound<typeof positions>;
  readonly account: Bound<typeof account>;
  private readonly opts: Required<Omit<KucoinHttpOptions, 'credential' | 'metrics' | 'fetch'>> & {
    credential?: KucoinCredential;
    metrics: KucoinMetrics;
  };
  /** Undefined when a fetch was injected. */
  private readonly agent: Agent | undefined;
  private readonly transport: Transport;
  private closed = false;

  constructor(options: KucoinHttpOptions) {
    this.opts = {
      clock: Date.now,
      sleep: defaultSleep,
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseMs: 250,
      resolveAttempts: 5,
      logger: pino({ level: 'silent' }),
      ...options,
      metrics: options.metrics ?? kucoinMetrics(),
    };
    if (options.fetch) {
      this.agent = undefined;
      this.transport = fetchTransport(options.fetch);
    } else {
      // undici's defaults (4 s idle keep-alive, server hints honoured) are what Node's fetch used, so
      // the chance of sending on a socket the server is closing is unchanged.
      this.agent = new Agent();
      this.transport = undiciTransport(this.agent);
    }
    this.limiter = new RateLimiter(this.opts.clock);
    this.market = this.bind(market);
    this.trade = this.bind(trade);
    this.positions = this.bind(positions);
    this.account = this.bind(account);
  }

  /**
   * The per-attempt deadline (`timeoutMs`): how long one request may stay in flight before this client
   * gives up on it. A request given up on may still be processed by KuCoin afterwards (a gateway queue).
   */
  get requestTimeoutMs(): number {
    return this.opts.timeoutMs;
  }

  private bind<G extends Record<string, (...args: never[]) => Endpoint<unknown>>>(group: G): Bound<G> {
    const bound: Record<string, unknown> = {};
    for (const [name, make] of Object.entries(group)) {
      bound[name] = (...args: never[]) => this.call(make(...args));
    }
    return bound as Bound<G>;
  }

  /** Build and sign with the server-corrected clock. Pure apart from reading the clock. */
  buildRequest(spec: RequestSpec): BuiltRequest {
    return buildRequest(spec, {
      baseUrl: this.opts.baseUrl,
      credential: this.opts.credential,
      timestampMs: Math.round(this.opts.clock() + this.timeOffsetMs),
    });
  }

  /** Measure the server clock (GET /api/v1/timestamp) and keep the offset for signing. */
  async syncTime(): Promise<number> {
    const before = this.opts.clock();
    const server = await this.call(market.serverTime());
    const after = this.opts.clock();
    this.timeOffsetMs = server - (before + after) / 2;
    this.opts.logger.debug({ offsetMs: this.timeOffsetMs }, 'kucoin clock offset');
    return this.timeOffsetMs;
  }

  /**
   * Close the client's connections: requests in flight finish first, later ones throw. Idempotent.
   * An idle client does not keep the process alive, but its sockets stay open until closed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent?.close();
  }

  /** Send one built request once. Throws KucoinNetworkError when no HTTP response arrived. */
  async send(request: BuiltRequest): Promise<RawResponse> {
    // Not a KucoinNetworkError: nothing was sent, and retrying cannot help.
    if (this.closed) throw new Error(`${request.method} ${request.url}: KucoinHttpClient is closed`);
    const stop = this.opts.metrics.requestSeconds.startTimer({ method: request.method });
    // One deadline for the whole attempt, cleared as soon as it settles: a timer per request that
    // outlives it (AbortSignal.timeout) costs every request and piles up under load.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(timeoutError()), this.opts.timeoutMs);
    try {
      const res = await this.transport(request, abort.signal);
      trace.getActiveSpan()?.setAttribute('http.response.status_code', res.status);
      return res;
    } catch (error) {
      this.opts.metrics.requests.inc({ method: request.method, outcome: 'network' });
      throw new KucoinNetworkError(
        `${request.method} ${request.url}: ${describe(error)}`,
        mayHaveBeenSent(error),
        error,
      );
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  /**
   * Run one operation with rate limiting, safe retries and, for orders, lost-response resolution.
   * Made on behalf of a traced signal, it is a client span of that trace (its look-ups nested in it);
   * other calls (polls, the collector's REST) start no trace of their own.
   */
  async call<T>(endpoint: Endpoint<T>): Promise<T> {
    if (!inSampledTrace()) return this.run(endpoint);
    const { spec } = endpoint;
    const clientOid = endpoint.placesOrder ?? endpoint.placesOrders?.join(',');
    return inSpan(
      `kucoin ${spec.method} ${spanRoute(spec.path)}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': spec.method,
          'url.path': spec.path,
          'server.address': new URL(this.opts.baseUrl).host,
          ...(clientOid ? { 'kucoin.client_oid': clientOid } : {}),
        },
      },
      () => this.run(endpoint),
    );
  }

  private async run<T>(endpoint: Endpoint<T>): Promise<T> {
    const { spec } = endpoint;
    const pool: PoolName = spec.private ? 'futures' : 'public';
    const safeToRepeat = spec.method === 'GET';
    let resynced = false;
    // when the call began and when its last attempt went out (a lost order's request left then)
    const began = this.opts.clock();
    let sentAt = began;
    const sendBy = endpoint.sendWithinMs === undefined ? undefined : began + endpoint.sendWithinMs;
    for (let attempt = 0; ; attempt++) {
      const wait = this.limiter.delayFor(pool, spec.weight);
      // Past its send window (or bound to pass it waiting for the rate limit): not sent at all. Every
      // attempt before this one was refused unprocessed (a 429, a request that never left), so nothing
      // of this call can reach KuCoin after its window.
      if (sendBy !== undefined && this.opts.clock() + wait > sendBy)
        throw new KucoinNetworkError(
          `${spec.method} ${spec.path}: its send window (${endpoint.sendWithinMs} ms) ${
            wait > 0 ? `would pass while the rate limit holds it ${Math.ceil(wait)} ms` : 'has passed'
          }${attempt > 0 ? ` (after ${attempt} attempt${attempt > 1 ? 's' : ''} refused unprocessed)` : ''}`,
          false,
          undefined,
          wait > 0 ? Math.ceil(wait) : undefined,
        );
      if (wait > 0) await this.opts.sleep(wait);
      this.limiter.spend(pool, spec.weight);
      const request = this.buildRequest(spec);
      let failure: unknown;
      try {
        sentAt = this.opts.clock();
        const res = await this.send(request);
        this.limiter.update(pool, res.headers);
        let data: unknown;
        try {
          data = interpret(res);
        } catch (error) {
          const kind = error instanceof KucoinError ? error.kind : 'unparseable';
          this.opts.metrics.requests.inc({ method: spec.method, outcome: kind });
          throw error;
        }
        this.opts.metrics.requests.inc({ method: spec.method, outcome: 'ok' });
        return endpoint.parse(data);
      } catch (error) {
        failure = error;
      }
      const canRetry = attempt < this.opts.maxRetries;
      // Rejected at the gateway before any processing: repeating is safe for every method.
      if (failure instanceof RateLimitError && canRetry) {
        this.limiter.exhausted(pool, this.backoff(attempt));
        continue;
      }
      if (failure instanceof InvalidTimestampError && !resynced && spec.path !== '/api/v1/timestamp') {
        resynced = true;
        await this.syncTime();
        continue;
      }
      // Never reached KuCoin (connection refused, DNS): repeating is safe for every method.
      if (failure instanceof KucoinNetworkError && !failure.sent) {
        if (!canRetry) throw failure;
        await this.opts.sleep(this.backoff(attempt));
        continue;
      }
      const ambiguous = failure instanceof KucoinNetworkError || failure instanceof ExchangeUnavailableError;
      if (ambiguous && endpoint.placesOrder !== undefined) {
        this.opts.logger.warn(
          { clientOid: endpoint.placesOrder, err: describe(failure) },
          'order outcome unknown',
        );
        return (await this.resolveOrder(endpoint.placesOrder, failure, sentAt - began)) as T;
      }
      if (ambiguous && endpoint.placesOrders !== undefined) {
        this.opts.logger.warn(
          { clientOids: endpoint.placesOrders, err: describe(failure) },
          'batch outcome unknown',
        );
        const found = [];
        for (const clientOid of endpoint.placesOrders) {
          const ack = await this.resolveOrder(clientOid, failure, sentAt - began);
          found.push({ ...ack, code: '200000', msg: 'resolved by clientOid' });
        }
        return found as T;
      }
      if (ambiguous && safeToRepeat && canRetry) {
        await this.opts.sleep(this.backoff(attempt));
        continue;
      }
      throw failure;
    }
  }

  /**
   * The order request may or may not have reached KuCoin: look it up by clientOid (with backoff, since
   * the matching engine may not have recorded it yet). Never places it again. `sentAfterMs`: how long
   * after the call began its last attempt went out (carried by the unknown outcome).
   */
  private async resolveOrder(
    clientOid: string,
    cause: unknown,
    sentAfterMs: number,
  ): Promise<{ orderId: string; clientOid: string }> {
    for (let i = 0; i < this.opts.resolveAttempts; i++) {
      try {
        const found = await this.call(trade.orderByClientOid(clientOid));
        if (found) {
          this.opts.metrics.orderResolutions.inc({ result: 'found' });
          return { orderId: found.id, clientOid };
        }
      } catch (error) {
        if (!(error instanceof OrderNotFoundError) && !isNotFound(error)) {
          this.opts.logger.warn({ clientOid, err: describe(error) }, 'order lookup failed');
        }
      }
      await this.opts.sleep(this.backoff(i));
    }
    this.opts.metrics.orderResolutions.inc({ result: 'unknown' });
    throw new OrderOutcomeUnknownError(clientOid, cause, Math.max(0, sentAfterMs));
  }

  private backoff(attempt: number): number {
    return Math.floor(exponentialBackoff(attempt, { base: this.opts.retryBaseMs, jitter: [1, 1.25] }));
  }
}

/** A span name of low cardinality: path segments that are ids (order ids, clientOids) become `{id}`. */
export function spanRoute(path: string): string {
  return path
    .split('/')
    .map((seg) => (seg.length >= 8 && /\d/.test(seg) ? '{id}' : seg))
    .join('/');
}

const NOT_SENT = new Set<unknown>(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Connection refused or name not resolved: the request cannot have reached KuCoin. undici.request
 * rejects with the socket error itself; fetch wraps it as the `cause` of a TypeError.
 */
function mayHaveBeenSent(error: unknown): boolean {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return !(NOT_SENT.has(e?.code) || NOT_SENT.has(e?.cause?.code));
}

function isNotFound(error: unknown): boolean {
  return error instanceof KucoinError && error.kind === 'notFound';
}

/** Envelope → data, or the typed error. KuCoin answers business errors with HTTP 200 + code. */
export function interpret(res: RawResponse): unknown {
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw toKucoinError(undefined, res.text.slice(0, 200) || `HTTP ${res.status}`, res.status);
  }
  const env = envelope.safeParse(json);
  if (!env.success) throw toKucoinError(undefined, res.text.slice(0, 200), res.status);
  if (res.status === 200 && env.data.code === '200000') return env.data.data;
  const message = env.data.msg ?? (typeof env.data.data === 'string' ? env.data.data : '');
  throw toKucoinError(env.data.code === '200000' ? undefined : env.data.code, message, res.status);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
