/**
 * Why a webhook payload could not become a signal. Each code maps to one HTTP status at the edge
 * (see workers/src/errors.ts); the signal row records the code as its reason.
 */
export type SignalParseErrorCode =
  | 'malformed_body'
  | 'too_deep'
  | 'forbidden_key'
  | 'unexpanded_placeholder'
  | 'invalid_payload'
  | 'unknown_action'
  | 'unknown_symbol'
  | 'invalid_number'
  | 'invalid_timestamp';

/**
 * The only error the signal parsers throw. Anything else escaping them is a bug.
 *
 * @example
 * try { parseSignalBody(body, 'text/plain', options) }
 * catch (e) { if (e instanceof SignalParseError) reply(422, e.code, e.message, e.details) }
 */
export class SignalParseError extends Error {
  override readonly name = 'SignalParseError';
  constructor(
    readonly code: SignalParseErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
