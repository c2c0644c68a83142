import type { SignalParseErrorCode } from '@enigma/core/signals/index';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the API can answer with, and its HTTP status. Exhaustive: a new code needs a status. */
export const ERROR_STATUS = {
  bad_request: 400,
  malformed_body: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  missing_secret: 401,
  invalid_secret: 401,
  invalid_signature: 401,
  invalid_token: 401,
  forbidden: 403,
  ip_not_allowed: 403,
  source_disabled: 403,
  not_found: 404,
  unknown_source: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  too_deep: 422,
  forbidden_key: 422,
  unexpanded_placeholder: 422,
  invalid_payload: 422,
  unknown_action: 422,
  unknown_symbol: 422,
  invalid_number: 422,
  invalid_timestamp: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<SignalParseErrorCode | string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error type route code throws; `onError` turns it into the envelope
 * `{ error: { code, message, details, requestId } }` with the status from `ERROR_STATUS`.
 *
 * @example throw new ApiError('unknown_source', 'no webhook source named "tv2"')
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** extra response headers, e.g. Retry-After */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** The error envelope every non-2xx answer uses. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown>; requestId?: string };
}

/** Build an error response for `err` (an ApiError, or anything else as an opaque 500). */
export function errorResponse(c: Context, err: ApiError): Response {
  const body: ErrorBody = {
    error: { code: err.code, message: err.message, details: err.details, requestId: c.get('requestId') },
  };
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(body, err.status);
}
