/**
 * KuCoin Futures error codes mapped to typed errors by one table (KUCOIN.md §2.2; 330005/330011 from
 * ccxt/ccxt#25592, hummingbot/hummingbot#8228 and sieblyio/kucoin-api#93). Callers branch on
 * `instanceof` or `kind`, never on message text.
 */

export type KucoinErrorKind =
  | 'authentication'
  | 'invalidTimestamp'
  | 'permissionDenied'
  | 'rateLimited'
  | 'insufficientBalance'
  | 'orderNotFound'
  | 'marginModeMismatch'
  | 'positionModeMismatch'
  | 'invalidOrder'
  | 'duplicateClientOid'
  | 'badRequest'
  | 'notFound'
  | 'accountSuspended'
  | 'riskLimitExceeded'
  | 'tradingSuspended'
  | 'exchangeUnavailable'
  | 'exchangeError';

/** Any error the venue reported with a code (or an HTTP status when there was no parseable body). */
export class KucoinError extends Error {
  override readonly name: string = 'KucoinError';
  constructor(
    readonly kind: KucoinErrorKind,
    readonly code: string,
    readonly exchangeMessage: string,
    readonly httpStatus: number,
  ) {
    super(`KuCoin ${code} (${kind}, HTTP ${httpStatus}): ${exchangeMessage}`);
  }
}

export class AuthenticationError extends KucoinError {
  override readonly name = 'AuthenticationError';
}
export class InvalidTimestampError extends KucoinError {
  override readonly name = 'InvalidTimestampError';
}
export class RateLimitError extends KucoinError {
  override readonly name = 'RateLimitError';
}
export class InsufficientBalanceError extends KucoinError {
  override readonly name = 'InsufficientBalanceError';
}
export class OrderNotFoundError extends KucoinError {
  override readonly name = 'OrderNotFoundError';
}
export class MarginModeMismatchError extends KucoinError {
  override readonly name = 'MarginModeMismatchError';
}
export class InvalidOrderError extends KucoinError {
  override readonly name = 'InvalidOrderError';
}
export class DuplicateClientOidError extends KucoinError {
  override readonly name = 'DuplicateClientOidError';
}
export class ExchangeUnavailableError extends KucoinError {
  override readonly name = 'ExchangeUnavailableError';
}

type ErrorClass = new (kind: KucoinErrorKind, code: string, message: string, status: number) => KucoinError;

/** code → [kind, class, meaning]. Exhaustive for every code our client or the simulator produces. */
export const KUCOIN_ERROR_TABLE: Readonly<Record<string, readonly [KucoinErrorKind, ErrorClass, string]>> = {
  '400001': ['authentication', AuthenticationError, 'a KC-API-* header is missing'],
  '400002': ['invalidTimestamp', InvalidTimestampError, 'KC-API-TIMESTAMP more than 5 s from server time'],
  '400003': ['authentication', AuthenticationError, 'KC-API-KEY does not exist'],
  '400004': ['authentication', AuthenticationError, 'invalid KC-API-PASSPHRASE'],
  '400005': ['authentication', AuthenticationError, 'invalid KC-API-SIGN'],
  '400006': ['permissionDenied', AuthenticationError, 'IP not in the key whitelist'],
  '400007': ['permissionDenied', AuthenticationError, 'key lacks the permission'],
  '400008': ['authentication', AuthenticationError, 'V1/V2 keys not supported by this API'],
  '400009': ['authentication', AuthenticationError, 'invalid KC-API-KEY-VERSION'],
  '400100': ['badRequest', KucoinError, 'parameter error'],
  '404000': ['notFound', KucoinError, 'URL not found'],
  '411100': ['accountSuspended', KucoinError, 'user frozen'],
  '415000': ['badRequest', KucoinError, 'unsupported media type'],
  '429000': ['rateLimited', RateLimitError, 'rate limit: resource pool exhausted'],
  '200002': ['rateLimited', RateLimitError, 'too many requests (legacy per-endpoint limit)'],
  '1015': ['rateLimited', RateLimitError, 'Cloudflare per-IP limit'],
  '500000': ['exchangeUnavailable', ExchangeUnavailableError, 'internal error'],
  '100001': ['invalidOrder', InvalidOrderError, 'invalid parameters'],
  '100003': ['badRequest', KucoinError, 'contract parameter invalid'],
  '100004': [
    'orderNotFound',
    OrderNotFoundError,
    'order not cancelable or does not exist (e.g. already filled)',
  ],
  '200003': ['badRequest', KucoinError, 'symbol parameter invalid'],
  '200005': ['insufficientBalance', InsufficientBalanceError, 'insufficient balance to change risk limit'],
  '300000': ['invalidOrder', InvalidOrderError, 'request parameter illegal'],
  '300001': ['invalidOrder', InvalidOrderError, 'active order count limit exceeded'],
  '300002': ['tradingSuspended', KucoinError, 'order placement/cancel suspended'],
  '300003': ['insufficientBalance', InsufficientBalanceError, 'balance insufficient'],
  '300004': ['invalidOrder', InvalidOrderError, 'stop order count limit exceeded'],
  '300005': ['riskLimitExceeded', InvalidOrderError, 'risk limit exceeded'],
  '300006': ['invalidOrder', InvalidOrderError, 'close price worse than bankruptcy price'],
  '300007': ['invalidOrder', InvalidOrderError, 'price worse than liquidation price'],
  '300008': ['invalidOrder', InvalidOrderError, 'no contra order in the book'],
  '300009': ['invalidOrder', InvalidOrderError, 'no open position to close'],
  '300010': ['invalidOrder', InvalidOrderError, 'failed to close the position'],
  '300011': ['invalidOrder', InvalidOrderError, 'price above the band maximum'],
  '300012': ['invalidOrder', InvalidOrderError, 'price below the band minimum'],
  '300013': ['invalidOrder', InvalidOrderError, 'no contra order in the book'],
  '300014': ['tradingSuspended', InvalidOrderError, 'position is being liquidated'],
  '300015': ['tradingSuspended', KucoinError, 'settlement in progress'],
  '300016': ['invalidOrder', InvalidOrderError, 'leverage above the maximum'],
  '300018': ['duplicateClientOid', DuplicateClientOidError, 'clientOid repeated'],
  '330005': [
    'marginModeMismatch',
    MarginModeMismatchError,
    "order's margin mode does not match the symbol's",
  ],
  '330011': ['positionModeMismatch', InvalidOrderError, "order's position mode does not match the account's"],
  '40010': ['permissionDenied', KucoinError, 'region restricted'],
};

/** HTTP status fallbacks for responses without a parseable KuCoin code. */
function kindForStatus(status: number): [KucoinErrorKind, ErrorClass] {
  if (status === 401 || status === 403) return ['authentication', AuthenticationError];
  if (status === 429) return ['rateLimited', RateLimitError];
  if (status === 404) return ['notFound', KucoinError];
  if (status >= 500) return ['exchangeUnavailable', ExchangeUnavailableError];
  if (status >= 400) return ['badRequest', KucoinError];
  return ['exchangeError', KucoinError];
}

/**
 * The typed error for a KuCoin error response.
 *
 * @example toKucoinError('300003', 'Balance insufficient', 200) instanceof InsufficientBalanceError // true
 */
export function toKucoinError(code: string | undefined, message: string, httpStatus: number): KucoinError {
  const row = code === undefined ? undefined : KUCOIN_ERROR_TABLE[code];
  if (row) return new row[1](row[0], code!, message, httpStatus);
  const [kind, Cls] = kindForStatus(httpStatus);
  return new Cls(kind, code ?? `HTTP${httpStatus}`, message, httpStatus);
}

/** A payload that does not match KuCoin's documented shape: rejected at the parse boundary, never coerced. */
export class KucoinParseError extends Error {
  override readonly name = 'KucoinParseError';
  constructor(
    readonly what: string,
    readonly issues: string,
  ) {
    super(`invalid KuCoin ${what}: ${issues}`);
  }
}

/** The outcome of an order request is unknown (timeout/reset after send) and could not be resolved. */
export class OrderOutcomeUnknownError extends Error {
  override readonly name = 'OrderOutcomeUnknownError';
  constructor(
    readonly clientOid: string,
    override readonly cause: unknown,
    /**
     * How long after the call began its last attempt went out (ms): the client may have waited for its
     * rate-limit window or repeated a request refused before processing, so the request that may still
     * reach KuCoin can have left this much later than the call began.
     */
    readonly sentAfterMs = 0,
  ) {
    super(`order ${clientOid}: outcome unknown after a lost response and it could not be resolved`);
  }
}

/**
 * Network-level failure (no HTTP response). `sent` says whether the request may have reached KuCoin.
 * `holdMs`: not sent only because the rate limit would have held it this long, past its send window
 * (`Endpoint.sendWithinMs`): the caller may wait that long itself and send it again in a new window.
 */
export class KucoinNetworkError extends Error {
  override readonly name = 'KucoinNetworkError';
  constructor(
    message: string,
    readonly sent: boolean,
    override readonly cause?: unknown,
    readonly holdMs?: number,
  ) {
    super(message);
  }
}
