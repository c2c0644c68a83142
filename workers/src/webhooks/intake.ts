import { EVENTS_PREFIX, STREAMS } from '@enigma/core/bus/index';
import { checkFiniteNumber } from '@enigma/core/decimal-text';
import { findUnsafeText, unsafeTextProblem } from '@enigma/core/safe-text';
import {
  normaliseKeys,
  type ParsedSignal,
  parseAlertPost,
  parseGuardedJson,
  parseIndicatorPost,
  parseSignalObject,
  parseTextBody,
  SignalParseError,
  webhookIdempotencyKey,
} from '@enigma/core/signals/index';
import { alertNoticeEventSchema, checkStreamPayload } from '@enigma/core/streams/index';
import { edgeTraceparent, parseTraceparent } from '@enigma/core/streams/traceparent';
import {
  type IntakeSignalRow,
  insertAcceptedSignal,
  insertSignalRecord,
} from '@enigma/db/repositories/intake-signals';
import { insertAlertNotice, insertIndicatorSnapshot } from '@enigma/db/repositories/notices';
import type { OutboxEntry } from '@enigma/db/repositories/outbox';
import {
  trace as otel,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  TraceFlags,
  type Tracer,
} from '@opentelemetry/api';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { secretMatchesDigests, sha256Hex } from '../security/compare.ts';
import { SIGNATURE_HEADER, verifySignature } from '../security/hmac.ts';
import { clientKeyOf, ipAllowed } from '../security/ip.ts';
import { kvRefusalLimiter } from '../security/refusal-limit.ts';
import { knownSymbolsOf } from '../tradable.ts';
import { bodyKindOf, readBodyCapped } from './body.ts';
import { masterKeyOf } from './master-key.ts';
import { publishAbandonedEntry, publishHeldEntry } from './outbox.ts';
import { loadIntakeSource } from './source-cache.ts';

/** How long a delivered alert's idempotency key is remembered (TradingView redelivers within minutes). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** An alert stamped further than this in the future is refused (clock skew between TradingView and us). */
export const MAX_FUTURE_SKEW_SECONDS = 30;

/** Longest explicit idempotency key a sender may give. */
const MAX_EXPLICIT_KEY_LENGTH = 200;

/**
 * Which unauthenticated refusals of one address in one minute leave a sample row: the 1st, 10th,
 * 100th, … So a flood of n refusals writes at most ⌊log10 n⌋ + 1 rows per address per minute; the
 * rest are only counted (in the KV window counter, and in the sample's reason).
 */
export function isRefusalSample(countThisMinute: number): boolean {
  if (countThisMinute < 1) return false;
  let n = countThisMinute;
  while (n % 10 === 0) n /= 10;
  return n === 1;
}

/** Which webhook route received the request; `signals` authenticates with `x-api-key`. */
export type WebhookRoute = 'tradingview' | 'indicators' | 'alerts' | 'signals';

/** The answer to an accepted, duplicate or stale alert. */
export interface IntakeResult {
  status: 'received' | 'duplicate' | 'stale';
  /** the signal (trade routes) */
  signalId?: string;
  /** the stored indicator snapshot (`/webhooks/indicators`) */
  snapshotId?: number;
  /** the stored notice (`/webhooks/alerts`) */
  alertId?: string;
  /** for duplicates: the id of this request's own duplicate record */
  recordId?: string;
  reason?: string;
}

/** What is known about a request so far; enough to write its record if it is refused. */
interface Trace {
  source: string;
  sourceId: string | null;
  clientIp: string | undefined;
  receivedAt: Date;
  payload?: Record<string, unknown>;
  signal?: ParsedSignal;
  route: WebhookRoute;
  /** set once the request has proven it knows the source's secret (secret, api key or HMAC) */
  authenticated: boolean;
  /** this request's W3C traceparent (the caller's trace continued, or a new one): a signal's trace starts here */
  traceparent: string;
}

/** The API's tracer (a proxy: it delegates to an SDK registered later), got once. */
let tracer: Tracer | undefined;

/**
 * The edge request's span. Where an OpenTelemetry SDK is registered (the Node process of `enigma start`)
 * it is a real span, exported with the engine's; in the Worker (no SDK in the bundle) the API is a no-op,
 * only its W3C traceparent exists, and `deps.exportEdgeSpan` (OTLP over `fetch`) sends the span. Either way the traceparent names this request as the parent of
 * the signal's spans, and continues the caller's trace when the request carried a valid one.
 */
function edgeSpan(
  route: WebhookRoute,
  incoming: string | undefined,
): { traceparent: string; recording: boolean; end(): void } {
  const caller = parseTraceparent(incoming);
  const parent = caller
    ? otel.setSpanContext(ROOT_CONTEXT, {
        traceId: caller.traceId,
        spanId: caller.spanId,
        traceFlags: caller.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      })
    : ROOT_CONTEXT;
  tracer ??= otel.getTracer('enigma');
  const span: Span = tracer.startSpan(`webhook POST /webhooks/${route}`, { kind: SpanKind.SERVER }, parent);
  if (!span.isRecording()) return { traceparent: edgeTraceparent(incoming), recording: false, end: () => {} };
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    traceparent: `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) !== 0 ? '01' : '00'}`,
    recording: true,
    end: () => span.end(),
  };
}

/** Default source name per route when the request names none (`?source=`). */
const DEFAULT_SOURCE: Record<WebhookRoute, string> = {
  tradingview: 'tradingview',
  indicators: 'tradingview',
  alerts: 'tradingview',
  signals: 'signals',
};

/**
 * Run one webhook request through intake: size and type guards, per-IP and per-source rate limits,
 * source lookup, IP allowlist, HMAC, secret, parsing, staleness, idempotency; persist the signal row
 * and publish accepted signals to `signals:incoming`. Every outcome, refusals included, leaves a row.
 */
export async function handleWebhook(c: Context<AppEnv>, route: WebhookRoute): Promise<Response> {
  const deps = c.get('deps');
  const named = c.req.query('source');
  const trace: Trace = {
    source: (named ?? DEFAULT_SOURCE[route]).slice(0, 64),
    sourceId: null,
    clientIp: (deps.clientIp ?? cfConnectingIp)(c.req.raw, c.env),
    receivedAt: new Date(deps.config.now()),
    route,
    authenticated: false,
    traceparent: '',
  };
  const incoming = c.req.header('traceparent');
  const span = edgeSpan(route, incoming);
  trace.traceparent = span.traceparent;
  if (span.recording || !deps.exportEdgeSpan) return answerWebhook(c, deps, route, trace, span);
  // No SDK records the span here (the Worker): hand it, with the answer's status, to the exporter.
  const startMs = deps.config.now();
  let statusCode = 500;
  let signalId: string | undefined;
  try {
    const res = await answerWebhook(c, deps, route, trace, span);
    statusCode = res.status;
    signalId = res.headers.get('content-type')?.includes('json') ? await idOf(res.clone()) : undefined;
    return res;
  } catch (e) {
    const err = toApiError(e);
    statusCode = err.status;
    const recordId = (err.details as { recordId?: unknown } | undefined)?.recordId;
    signalId = typeof recordId === 'string' ? recordId : undefined;
    throw e;
  } finally {
    try {
      deps.exportEdgeSpan({
        traceparent: trace.traceparent,
        parent: incoming,
        name: `webhook POST /webhooks/${route}`,
        startMs,
        endMs: deps.config.now(),
        statusCode,
        attributes: {
          'http.request.method': 'POST',
          'http.route': `/webhooks/${route}`,
          'enigma.source': trace.source,
          'enigma.symbol': trace.signal?.symbol,
          'enigma.signal_id': signalId,
        },
      });
    } catch (e) {
      deps.logger.warn({ err: String(e) }, 'edge span: export failed');
    }
  }
}

/** The id an answer names (signal, snapshot or alert), if any. */
async function idOf(res: Response): Promise<string | undefined> {
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  const id = body?.['signalId'] ?? body?.['alertId'] ?? body?.['snapshotId'];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** The webhook's answer (or its refusal, thrown as an ApiError), the edge span ended when intake is done. */
async function answerWebhook(
  c: Context<AppEnv>,
  deps: AppDeps,
  route: WebhookRoute,
  trace: Trace,
  span: { end(): void },
): Promise<Response> {
  const named = c.req.query('source');
  const sourceProblem = named === undefined ? null : unsafeTextProblem(named);
  try {
    if (sourceProblem) {
      trace.source = '(invalid)';
      throw new ApiError('bad_request', `query parameter source: ${sourceProblem}`, { field: 'source' });
    }
    const result = await intake(c, deps, trace).finally(() => span.end());
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        route,
        source: trace.source,
        traceparent: trace.traceparent,
        ...result,
      },
      'webhook',
    );
    return c.json(result, result.status === 'received' ? 202 : 200);
  } catch (e) {
    const err = toApiError(e);
    if (err.status >= 500) throw e;
    if (!trace.authenticated) throw await refuseUnauthenticated(c, deps, trace, err);
    const finalStatus = err.code === 'unknown_symbol' ? 'rejected' : refusalStatusOf(err);
    const recordId = await recordRefusal(c, deps, trace, finalStatus, `${err.code}: ${err.message}`);
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        route,
        source: trace.source,
        status: finalStatus,
        code: err.code,
        recordId,
      },
      'webhook refused',
    );
    throw new ApiError(err.code, err.message, { ...err.details, status: finalStatus, recordId }, err.headers);
  }
}

/** How a refusal is recorded: `invalid` when the payload itself is at fault, `rejected` otherwise. */
function refusalStatusOf(err: ApiError): 'invalid' | 'rejected' {
  return err.code === 'malformed_body' || err.status === 422 ? 'invalid' : 'rejected';
}

/** Record a refusal; a database failure is logged and leaves the answer without a `recordId`. */
function recordRefusal(
  c: Context<AppEnv>,
  deps: AppDeps,
  trace: Trace,
  status: 'invalid' | 'rejected',
  reason: string,
): Promise<string | undefined> {
  return record(deps, trace, status, reason).catch((dbErr: unknown) => {
    deps.logger.error(
      { requestId: c.get('requestId'), err: String(dbErr) },
      'could not record a refused webhook',
    );
    return undefined;
  });
}

/**
 * A request that never proved it knows the source's secret: counted per client address (IPv6 per
 * /64) and minute, sampled into a row without its payload (`isRefusalSample`), and answered 429 once
 * the address has been refused more than `ipRateLimitPerMin` times this minute (on Workers with the
 * binding: once Cloudflare's rate limiter says so, see `deps.refusalLimiter`). Authenticated
 * requests from the same address are not affected (TradingView sends every user's alerts from the
 * same four addresses), and never share the source's budget with these.
 */
async function refuseUnauthenticated(
  c: Context<AppEnv>,
  deps: AppDeps,
  trace: Trace,
  err: ApiError,
): Promise<ApiError> {
  const clientKey = clientKeyOf(trace.clientIp);
  const limiter = deps.refusalLimiter ?? kvRefusalLimiter(deps.kv, deps.config.ipRateLimitPerMin);
  const { count, limited, resetSeconds, limit } = await limiter.refuse(clientKey);
  const status = refusalStatusOf(err);
  let recordId: string | undefined;
  if (isRefusalSample(count)) {
    const reason = `${err.code}: ${err.message} (refusal ${count} from ${clientKey} this minute; the 1st, 10th, 100th, … are recorded)`;
    const unread = { ...trace, payload: undefined, signal: undefined };
    recordId = await recordRefusal(c, deps, unread, status, reason);
  }
  deps.logger.info(
    {
      requestId: c.get('requestId'),
      route: trace.route,
      source: trace.source,
      client: clientKey,
      code: err.code,
      refusalsThisMinute: count,
      recordId,
    },
    'webhook refused before authentication',
  );
  const details = { status, recordId, refusalsThisMinute: count };
  if (limited) {
    return new ApiError(
      'rate_limited',
      limit === undefined
        ? 'too many refused requests from this address this minute'
        : `more than ${limit} refused requests from this address this minute`,
      { ...details, retryAfterSeconds: resetSeconds },
      { 'Retry-After': String(resetSeconds) },
    );
  }
  return new ApiError(err.code, err.message, { ...err.details, ...details }, err.headers);
}

async function intake(c: Context<AppEnv>, deps: AppDeps, trace: Trace): Promise<IntakeResult> {
  const { config } = deps;
  const kind = bodyKindOf(c.req.header('content-type'));
  const rawBody = await readBodyCapped(c.req.raw, config.maxBodyBytes);

  const mk = await masterKeyOf(config.masterKey);
  const source = deps.sourceCache
    ? await deps.sourceCache.get(deps.db, mk, trace.source, config.now())
    : await loadIntakeSource(deps.db, mk, trace.source, config.now());
  if (!source)
    throw new ApiError('unknown_source', `no webhook source named ${JSON.stringify(trace.source)}`);
  trace.sourceId = source.id;
  if (!source.enabled) throw new ApiError('source_disabled', `webhook source ${source.name} is disabled`);
  if (!ipAllowed(trace.clientIp, source.ipAllowlist)) {
    throw new ApiError('ip_not_allowed', 'client address is not in the source allowlist', {
      ip: trace.clientIp ?? null,
    });
  }

  const plaintextSecrets = source.secrets.flatMap((s) => (s.plaintext === null ? [] : [s.plaintext]));
  if (source.hmacRequired) {
    const check = await verifySignature(
      c.req.header(SIGNATURE_HEADER),
      rawBody,
      plaintextSecrets,
      config.now(),
    );
    if (!check.ok) throw new ApiError('invalid_signature', check.reason);
    trace.authenticated = true;
  }

  // A secret in a header is checked before the body is decoded; one in the body needs decoding first.
  const headerSecret =
    trace.route === 'signals' ? c.req.header('x-api-key') : c.req.header('x-webhook-secret');
  if (headerSecret !== undefined) {
    await checkSecret(headerSecret, source.secretDigests, trace.route);
    trace.authenticated = true;
  }
  const decoded = kind === 'json' ? parseGuardedJson(rawBody) : parseTextBody(rawBody);
  const keyed = normaliseKeys(decoded);
  const { secret: bodySecret, ...withoutSecret } = keyed;
  if (headerSecret === undefined) {
    const presented =
      trace.route === 'signals' ? undefined : typeof bodySecret === 'string' ? bodySecret : undefined;
    // An HMAC-signed request has proven knowledge of the secret already.
    if (!source.hmacRequired || presented !== undefined)
      await checkSecret(presented, source.secretDigests, trace.route);
  }
  trace.authenticated = true;

  // PostgreSQL cannot store NUL and JSON cannot carry lone surrogates: refuse them by field name
  // (the record is written without the payload).
  const unsafe = findUnsafeText(withoutSecret);
  if (unsafe) {
    throw new ApiError('invalid_payload', `field ${unsafe.path}: ${unsafe.problem}`, { field: unsafe.path });
  }
  trace.payload = withoutSecret;
  await rateLimit(deps, `rl:src:${source.id}`, source.rateLimitPerMin, 'source');

  const explicitKey = explicitIdempotencyKey(
    c.req.header('idempotency-key'),
    withoutSecret['idempotency_key'],
  );
  // Indicator values and notices are stored and announced, never traded.
  if (trace.route === 'indicators' || trace.route === 'alerts') {
    const key = webhookIdempotencyKey({
      source: source.name,
      bodySha256: await sha256Hex(rawBody),
      ...(explicitKey !== undefined ? { explicitKey } : {}),
    });
    return trace.route === 'indicators'
      ? acceptIndicators(deps, trace, source.name, withoutSecret, key)
      : acceptNotice(deps, trace, source.name, withoutSecret, key);
  }
  const { signal } = parseSignalObject(withoutSecret, await knownSymbolsOf(deps));
  trace.signal = signal;
  const confidence = confidenceOf(trace.route, withoutSecret['confidence']);

  if (signal.alertTime !== undefined && signal.alertTime - config.now() > MAX_FUTURE_SKEW_SECONDS * 1000) {
    throw new ApiError(
      'invalid_timestamp',
      `alert time is ${Math.round((signal.alertTime - config.now()) / 1000)} s in the future (at most ${MAX_FUTURE_SKEW_SECONDS} s of clock skew is allowed)`,
      { field: 'timestamp' },
    );
  }
  const staleAfter = source.staleAfterSeconds;
  if (signal.alertTime !== undefined && config.now() - signal.alertTime > staleAfter * 1000) {
    const reason = `stale: alert is ${Math.round((config.now() - signal.alertTime) / 1000)} s old (window ${staleAfter} s)`;
    const id = await record(deps, trace, 'stale', reason);
    return { status: 'stale', signalId: id, reason };
  }

  const key = webhookIdempotencyKey({
    source: source.name,
    bodySha256: await sha256Hex(rawBody),
    ...(explicitKey !== undefined ? { explicitKey } : {}),
  });
  const id = crypto.randomUUID();
  const entry: OutboxEntry = {
    id,
    stream: STREAMS.signalsIncoming,
    payload: busPayloadOf(id, source.name, signal, trace, confidence),
  };
  // The row's unique idempotency key decides (kept with the row, so longer than 24 h): one statement
  // writes the row and its outbox entry unless a row holds the key, and returns that row's id. No KV
  // claim before it — that was one more round trip per alert and a second, less durable, truth.
  const row = {
    ...rowOf(trace, 'received', null),
    id,
    idempotencyKey: key,
    outbox: { stream: entry.stream, payload: entry.payload },
  };
  const stored = await (deps.signalWriter
    ? deps.signalWriter.insertAccepted(row)
    : insertAcceptedSignal(deps.db, row));
  if (!stored.inserted) return repeatDelivery(deps, trace, stored.id);

  // Stored with its outbox entry: accepted. When the append fails the entry is released, so the
  // sender's resend or the relay publishes it; where the deps gather appends (the worker), it follows
  // the answer.
  if (!(await publishAccepted(deps, entry))) {
    deps.logger.warn(
      { requestId: c.get('requestId'), signalId: id },
      'signal stored but not yet on the stream: left to a resend or the outbox relay',
    );
  }
  return { status: 'received', signalId: id };
}

/**
 * Publish an entry just stored with its row (its lease held by this request): queued for after the
 * answer where the deps gather appends (`publishLater`, the worker), else appended now. False only when
 * an append made now failed (the entry is released to a resend or the relay).
 */
function publishAccepted(deps: AppDeps, entry: OutboxEntry): Promise<boolean> {
  if (!deps.publishLater) return publishHeldEntry(deps, entry);
  deps.publishLater(entry);
  return Promise.resolve(true);
}

function refuseFuture(deps: AppDeps, at: number | undefined): void {
  if (at !== undefined && at - deps.config.now() > MAX_FUTURE_SKEW_SECONDS * 1000) {
    throw new ApiError(
      'invalid_timestamp',
      `time is ${Math.round((at - deps.config.now()) / 1000)} s in the future (at most ${MAX_FUTURE_SKEW_SECONDS} s of clock skew is allowed)`,
      { field: 'timestamp' },
    );
  }
}

/**
 * `/webhooks/indicators`: an indicator snapshot (symbol, timeframe, values) stored with its
 * `indicators:raw` entry in one statement, then published; a repeat of the same delivery is a
 * `duplicate` and writes nothing.
 */
async function acceptIndicators(
  deps: AppDeps,
  trace: Trace,
  source: string,
  payload: Record<string, unknown>,
  key: string,
): Promise<IntakeResult> {
  const post = parseIndicatorPost(payload, await knownSymbolsOf(deps));
  refuseFuture(deps, post.at);
  // The row's delivery id (unique) is the delivery's, the key's digest as a UUID, which is also its
  // entry's id: the database stores a delivery once, whatever copies arrive and whenever. (Before, the
  // row had no column for it and a cache marker written after the row stood in: a writer killed
  // between the two left a delivery that a resend stored twice.)
  const entryId = await deliveryIdOf('indicators', key);
  const at = post.at ?? trace.receivedAt.getTime();
  const entry = checkStreamPayload('indicators:raw', {
    snapshotId: 1, // replaced by the row's id in the same statement
    source,
    symbol: post.symbol,
    timeframe: post.timeframe,
    at,
    values: post.values,
    receivedAt: trace.receivedAt.getTime(),
  });
  const stored = await insertIndicatorSnapshot(
    deps.db,
    { symbol: post.symbol, timeframe: post.timeframe, at: new Date(at), values: post.values },
    { id: entryId, stream: 'indicators:raw', payload: entry },
  );
  if ('duplicate' in stored) {
    // A copy was stored first. When its entry never reached the stream (its append failed, or its
    // writer died before appending and its lease ran out) this resend publishes it, as for a signal.
    if (await publishAbandonedEntry(deps, entryId))
      return { status: 'received', snapshotId: stored.duplicate };
    return { status: 'duplicate', snapshotId: stored.duplicate };
  }
  await publishAccepted(deps, { id: entryId, stream: 'indicators:raw', payload: stored.payload });
  return { status: 'received', snapshotId: stored.snapshotId };
}

/**
 * `/webhooks/alerts`: a notice (type, symbol, message, severity) stored unread with its
 * `events:alerts` event in one statement, then published for the dashboard; never traded.
 */
async function acceptNotice(
  deps: AppDeps,
  trace: Trace,
  source: string,
  payload: Record<string, unknown>,
  key: string,
): Promise<IntakeResult> {
  const post = parseAlertPost(payload, await knownSymbolsOf(deps));
  // The notice's id is its delivery's (the idempotency key's digest as a UUID): the database says
  // whether it is a repeat. A marker in the cache before the row (as here before) outlived a writer
  // killed between the two: every resend for a day was a `duplicate` of a notice never stored.
  const id = await deliveryIdOf('alerts', key);
  const event = alertNoticeEventSchema.parse({
    type: 'alert',
    at: trace.receivedAt.getTime(),
    alertId: id,
    source,
    kind: post.kind,
    symbol: post.symbol,
    message: post.message,
    severity: post.severity,
  });
  const stream = `${EVENTS_PREFIX}alerts`;
  const stored = await insertAlertNotice(
    deps.db,
    { id, sourceId: trace.sourceId, source, ...post, payload, receivedAt: trace.receivedAt },
    { stream, payload: event },
  );
  if (!stored) return { status: 'duplicate', alertId: id };
  await publishAccepted(deps, { id, stream, payload: event });
  return { status: 'received', alertId: id };
}

async function checkSecret(
  presented: string | undefined,
  digests: readonly string[],
  route: WebhookRoute,
): Promise<void> {
  if (presented === undefined || presented === '') {
    throw new ApiError('missing_secret', route === 'signals' ? 'missing x-api-key header' : 'missing secret');
  }
  if (!(await secretMatchesDigests(presented, digests)))
    throw new ApiError('invalid_secret', 'secret does not match');
}

/** The sender's own idempotency key: the `Idempotency-Key` header, else an `idempotency_key` field. */
function explicitIdempotencyKey(header: string | undefined, field: unknown): string | undefined {
  const value = header ?? field;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new ApiError('invalid_payload', 'idempotency_key must be text', { field: 'idempotency_key' });
  const text = String(value).trim();
  if (text === '' || text.length > MAX_EXPLICIT_KEY_LENGTH) {
    throw new ApiError(
      'invalid_payload',
      `idempotency key must be 1..${MAX_EXPLICIT_KEY_LENGTH} characters`,
      {
        field: 'idempotency_key',
      },
    );
  }
  return text;
}

/**
 * A delivery whose key is already held by `original`. When the original was stored but never reached
 * the stream (its append failed, or its process died before appending and its lease ran out), this
 * delivery publishes it and is answered `received`; otherwise it is a `duplicate`. Either way the
 * delivery leaves its own `duplicate` record pointing at the original.
 */
async function repeatDelivery(deps: AppDeps, trace: Trace, original: string | null): Promise<IntakeResult> {
  if (original) {
    if (await publishAbandonedEntry(deps, original)) {
      const recordId = await recordDuplicate(
        deps,
        trace,
        original,
        `resend of ${original}, which had not reached the stream: published now`,
      );
      return { status: 'received', signalId: original, recordId };
    }
  }
  const recordId = await recordDuplicate(deps, trace, original);
  return { status: 'duplicate', signalId: original ?? recordId, recordId };
}

/** The stream entry the engine consumes, checked against the stream catalog's schema. */
/**
 * An external source's own confidence (`/webhooks/signals`), 0..1 (or 0..100, read as a percentage),
 * recorded beside our score; null elsewhere or when absent.
 */
function confidenceOf(route: WebhookRoute, value: unknown): number | null {
  if (route !== 'signals' || value === undefined || value === null) return null;
  const n = checkFiniteNumber(value);
  const c = n.ok ? (n.value > 1 ? n.value / 100 : n.value) : Number.NaN;
  if (!(c >= 0 && c <= 1)) {
    throw new ApiError('invalid_number', 'confidence must be a number from 0 to 1 (or 0 to 100)', {
      field: 'confidence',
    });
  }
  return c;
}

function busPayloadOf(
  id: string,
  source: string,
  s: ParsedSignal,
  trace: Trace,
  confidence: number | null = null,
): Record<string, unknown> {
  return checkStreamPayload(STREAMS.signalsIncoming, {
    signalId: id,
    source,
    symbol: s.symbol,
    action: s.action,
    interval: s.interval ?? null,
    alertTime: s.alertTime ?? null,
    receivedAt: trace.receivedAt.getTime(),
    price: s.price ?? null,
    size: s.size ?? null,
    positionSize: s.positionSize ?? null,
    marketPosition: s.marketPosition ?? null,
    prevMarketPosition: s.prevMarketPosition ?? null,
    orderId: s.orderId ?? null,
    comment: s.comment ?? null,
    execution: s.execution ?? null,
    indicators: s.indicators,
    conditions: s.conditions,
    route: trace.route,
    confidence,
    traceparent: trace.traceparent,
  });
}

async function rateLimit(deps: AppDeps, key: string, perMinute: number, what: string): Promise<void> {
  const { count, resetSeconds } = await deps.kv.hit(key, 60);
  if (count > perMinute) {
    throw new ApiError(
      'rate_limited',
      `${what} rate limit of ${perMinute} requests per minute exceeded`,
      { retryAfterSeconds: resetSeconds },
      { 'Retry-After': String(resetSeconds) },
    );
  }
}

function rowOf(trace: Trace, status: IntakeSignalRow['status'], reason: string | null): IntakeSignalRow {
  const s = trace.signal;
  return {
    sourceId: trace.sourceId,
    source: trace.source,
    status,
    reason: reason?.slice(0, 1000) ?? null,
    symbol: s?.symbol ?? null,
    rawSymbol:
      s?.rawSymbol ??
      (typeof trace.payload?.['symbol'] === 'string' ? trace.payload['symbol'].slice(0, 64) : null),
    action: s?.action ?? null,
    interval: s?.interval ?? null,
    alertTime: s?.alertTime !== undefined ? new Date(s.alertTime) : null,
    receivedAt: trace.receivedAt,
    clientIp: trace.clientIp ?? null,
    payload: trace.payload ?? null,
    price: s?.price ?? null,
    contracts: s?.size ?? null,
    metadata: { route: trace.route, traceparent: trace.traceparent },
  };
}

function record(
  deps: AppDeps,
  trace: Trace,
  status: IntakeSignalRow['status'],
  reason: string,
): Promise<string> {
  return insertSignalRecord(deps.db, rowOf(trace, status, reason));
}

/**
 * Record a duplicate pointing at the original. The original is committed by the time its id is known
 * (its row holds the key); should the foreign key still fail, it is retried briefly before the link
 * falls back to metadata.
 */
async function recordDuplicate(
  deps: AppDeps,
  trace: Trace,
  original: string | null,
  reason = `duplicate of ${original ?? 'an alert being processed'}`,
): Promise<string> {
  // At most ~0.9 s in total, well inside TradingView's 3 s budget.
  for (let attempt = 0; attempt < 10 && original; attempt++) {
    try {
      return await insertSignalRecord(deps.db, {
        ...rowOf(trace, 'duplicate', reason),
        duplicateOf: original,
      });
    } catch (e) {
      if (!isForeignKeyViolation(e)) throw e;
      await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
    }
  }
  const row = rowOf(trace, 'duplicate', reason);
  return insertSignalRecord(deps.db, { ...row, metadata: { ...row.metadata, duplicateOf: original } });
}

function isForeignKeyViolation(e: unknown): boolean {
  for (let x: unknown = e; x; x = (x as { cause?: unknown }).cause) {
    if ((x as { code?: unknown }).code === '23503') return true;
  }
  return false;
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof SignalParseError) return new ApiError(e.code, e.message, e.details);
  return new ApiError('internal', 'internal error');
}

/** Cloudflare puts the original client address in CF-Connecting-IP. */
export function cfConnectingIp(req: Request): string | undefined {
  return req.headers.get('cf-connecting-ip') ?? undefined;
}

/**
 * The id of one delivery to a route that is not traded (`indicators`, `alerts`): its idempotency key's
 * SHA-256 as a UUID, so every copy of the delivery names the same row or entry and the database's
 * primary key decides which copy stores it.
 */
export function deliveryIdOf(route: 'indicators' | 'alerts', key: string): Promise<string> {
  return sha256Hex(`${route}:${key}`).then(uuidOfDigest);
}

/** A SHA-256 hex digest's first 128 bits as a UUID (version 8, RFC 9562's custom layout). */
function uuidOfDigest(hex: string): string {
  const h = hex.slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
