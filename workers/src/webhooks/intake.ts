import { STREAMS } from '@enigma/core/bus/index';
import {
  idempotencyKey,
  normaliseKeys,
  type ParsedSignal,
  parseGuardedJson,
  parseSignalObject,
  parseTextBody,
  SignalParseError,
} from '@enigma/core/signals/index';
import { checkStreamPayload } from '@enigma/core/streams/index';
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../deps.ts';
import { ApiError } from '../errors.ts';
import {
  type IntakeSignalRow,
  insertAcceptedSignal,
  insertSignalRecord,
  setSignalStatus,
} from '../repos/signals.ts';
import { secretMatchesDigests } from '../security/compare.ts';
import { SIGNATURE_HEADER, verifySignature } from '../security/hmac.ts';
import { ipAllowed } from '../security/ip.ts';
import { bodyKindOf, readBodyCapped } from './body.ts';
import { masterKeyOf } from './master-key.ts';
import { loadIntakeSource } from './source-cache.ts';

/** How long a delivered alert's idempotency key is remembered (TradingView redelivers within minutes). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Which webhook route received the request; `signals` authenticates with `x-api-key`. */
export type WebhookRoute = 'tradingview' | 'indicators' | 'alerts' | 'signals';

/** The answer to an accepted, duplicate or stale alert. */
export interface IntakeResult {
  status: 'received' | 'duplicate' | 'stale';
  signalId: string;
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
  const trace: Trace = {
    source: (c.req.query('source') ?? DEFAULT_SOURCE[route]).slice(0, 64),
    sourceId: null,
    clientIp: (deps.clientIp ?? cfConnectingIp)(c.req.raw, c.env),
    receivedAt: new Date(deps.config.now()),
    route,
  };
  try {
    const result = await intake(c, deps, trace);
    deps.logger.info({ requestId: c.get('requestId'), route, source: trace.source, ...result }, 'webhook');
    return c.json(result, result.status === 'received' ? 202 : 200);
  } catch (e) {
    const err = toApiError(e);
    if (err.status >= 500) throw e;
    const status = err.code === 'malformed_body' || err.status === 422 ? 'invalid' : 'rejected';
    const finalStatus = err.code === 'unknown_symbol' ? 'rejected' : status;
    const recordId = await record(deps, trace, finalStatus, `${err.code}: ${err.message}`).catch(
      (dbErr: unknown) => {
        deps.logger.error(
          { requestId: c.get('requestId'), err: String(dbErr) },
          'could not record a refused webhook',
        );
        return undefined;
      },
    );
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

async function intake(c: Context<AppEnv>, deps: AppDeps, trace: Trace): Promise<IntakeResult> {
  const { config, kv } = deps;
  const ipKey = trace.clientIp ?? 'unknown';
  await rateLimit(deps, `rl:ip:${ipKey}`, config.ipRateLimitPerMin, 'client IP');

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
  await rateLimit(deps, `rl:src:${source.id}`, source.rateLimitPerMin, 'source');

  const plaintextSecrets = source.secrets.flatMap((s) => (s.plaintext === null ? [] : [s.plaintext]));
  if (source.hmacRequired) {
    const check = await verifySignature(
      c.req.header(SIGNATURE_HEADER),
      rawBody,
      plaintextSecrets,
      config.now(),
    );
    if (!check.ok) throw new ApiError('invalid_signature', check.reason);
  }

  const decoded = kind === 'json' ? parseGuardedJson(rawBody) : parseTextBody(rawBody);
  const keyed = normaliseKeys(decoded);
  const { secret: bodySecret, ...withoutSecret } = keyed;
  trace.payload = withoutSecret;

  const presented =
    trace.route === 'signals'
      ? c.req.header('x-api-key')
      : (c.req.header('x-webhook-secret') ?? (typeof bodySecret === 'string' ? bodySecret : undefined));
  // An HMAC-signed request has proven knowledge of the secret already.
  if (!source.hmacRequired || presented !== undefined) {
    if (presented === undefined || presented === '') {
      throw new ApiError(
        'missing_secret',
        trace.route === 'signals' ? 'missing x-api-key header' : 'missing secret',
      );
    }
    if (!(await secretMatchesDigests(presented, source.secretDigests)))
      throw new ApiError('invalid_secret', 'secret does not match');
  }

  const { signal } = parseSignalObject(
    withoutSecret,
    config.knownSymbols ? { knownSymbols: config.knownSymbols } : {},
  );
  trace.signal = signal;

  const staleAfter = source.staleAfterSeconds;
  if (signal.alertTime !== undefined && config.now() - signal.alertTime > staleAfter * 1000) {
    const reason = `stale: alert is ${Math.round((config.now() - signal.alertTime) / 1000)} s old (window ${staleAfter} s)`;
    const id = await record(deps, trace, 'stale', reason);
    return { status: 'stale', signalId: id, reason };
  }

  const key = idempotencyKey({
    source: source.name,
    symbol: signal.symbol,
    action: signal.action,
    rawBody,
    ...(signal.alertTime !== undefined ? { alertTime: signal.alertTime } : {}),
    ...(signal.orderId !== undefined ? { orderId: signal.orderId } : {}),
  });
  const id = crypto.randomUUID();
  const kvKey = `idem:${key}`;
  if (!(await kv.setNx(kvKey, id, IDEMPOTENCY_TTL_SECONDS))) {
    const original = (await kv.get(kvKey)) ?? null;
    const recordId = await recordDuplicate(deps, trace, original);
    return { status: 'duplicate', signalId: original ?? recordId, recordId };
  }

  let stored: { id: string; inserted: boolean };
  try {
    const row = { ...rowOf(trace, 'received', null), id, idempotencyKey: key };
    stored = await (deps.signalWriter
      ? deps.signalWriter.insertAccepted(row)
      : insertAcceptedSignal(deps.db, row));
  } catch (e) {
    // Free the key so TradingView's next delivery is not taken for a duplicate of nothing.
    await kv.del(kvKey).catch(() => {});
    throw e;
  }
  if (!stored.inserted) {
    // The key outlived the KV entry (expired or embedded restart): the database is the backstop.
    // Point the KV entry at the real original so later repeats are answered without the database.
    await kv
      .del(kvKey)
      .then(() => kv.setNx(kvKey, stored.id, IDEMPOTENCY_TTL_SECONDS))
      .catch(() => {});
    const recordId = await recordDuplicate(deps, trace, stored.id);
    return { status: 'duplicate', signalId: stored.id, recordId };
  }

  try {
    await deps.bus.append(STREAMS.signalsIncoming, busPayloadOf(id, source.name, signal, trace));
  } catch (e) {
    await setSignalStatus(deps.db, id, 'failed', `publish_failed: ${(e as Error).message}`.slice(0, 500));
    throw e;
  }
  return { status: 'received', signalId: id };
}

/** The stream entry the engine consumes, checked against the stream catalog's schema. */
function busPayloadOf(id: string, source: string, s: ParsedSignal, trace: Trace): Record<string, unknown> {
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
    indicators: s.indicators,
    conditions: s.conditions,
    route: trace.route,
    confidence: null,
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
    metadata: { route: trace.route },
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
 * Record a duplicate pointing at the original. The original's row may not be committed yet when 50
 * copies arrive at once (it won SET NX a moment ago), so the foreign key is retried briefly before
 * the link falls back to metadata.
 */
async function recordDuplicate(deps: AppDeps, trace: Trace, original: string | null): Promise<string> {
  const reason = `duplicate of ${original ?? 'an alert being processed'}`;
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
