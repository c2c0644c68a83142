import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DuplicateClientOidError,
  ExchangeUnavailableError,
  InsufficientBalanceError,
  InvalidOrderError,
  InvalidTimestampError,
  KUCOIN_ERROR_TABLE,
  KucoinError,
  MarginModeMismatchError,
  OrderNotFoundError,
  RateLimitError,
  toKucoinError,
} from './errors.ts';
import { interpret } from './http.ts';

// Error mapping table: (code, HTTP status) → typed error.
const rows: [string | undefined, number, typeof KucoinError, string][] = [
  ['400001', 401, AuthenticationError, 'authentication'],
  ['400002', 400, InvalidTimestampError, 'invalidTimestamp'],
  ['400003', 401, AuthenticationError, 'authentication'],
  ['400004', 401, AuthenticationError, 'authentication'],
  ['400005', 401, AuthenticationError, 'authentication'],
  ['400006', 401, AuthenticationError, 'permissionDenied'],
  ['400007', 401, AuthenticationError, 'permissionDenied'],
  ['429000', 429, RateLimitError, 'rateLimited'],
  ['300003', 200, InsufficientBalanceError, 'insufficientBalance'],
  ['100004', 200, OrderNotFoundError, 'orderNotFound'],
  ['330005', 200, MarginModeMismatchError, 'marginModeMismatch'],
  ['300018', 200, DuplicateClientOidError, 'duplicateClientOid'],
  ['300009', 200, InvalidOrderError, 'invalidOrder'],
  ['100001', 200, InvalidOrderError, 'invalidOrder'],
  ['500000', 500, ExchangeUnavailableError, 'exchangeUnavailable'],
  ['999999', 200, KucoinError, 'exchangeError'],
  [undefined, 503, ExchangeUnavailableError, 'exchangeUnavailable'],
  [undefined, 429, RateLimitError, 'rateLimited'],
  [undefined, 401, AuthenticationError, 'authentication'],
];

describe('KuCoin error code table', () => {
  for (const [code, status, Cls, kind] of rows) {
    it(`maps ${code ?? 'no code'} with HTTP ${status} to ${Cls.name} (${kind})`, () => {
      const error = toKucoinError(code, 'message from KuCoin', status);
      expect(error).toBeInstanceOf(Cls);
      expect(error.kind).toBe(kind);
      expect(error.httpStatus).toBe(status);
      expect(error.exchangeMessage).toBe('message from KuCoin');
    });
  }

  it('keeps the venue code on the error for the audit log', () => {
    expect(toKucoinError('300003', 'Balance insufficient', 200).code).toBe('300003');
    expect(toKucoinError(undefined, 'Bad Gateway', 502).code).toBe('HTTP502');
  });

  it('has a meaning for every code in the table', () => {
    for (const [code, [, , meaning]] of Object.entries(KUCOIN_ERROR_TABLE)) {
      expect(meaning.length, code).toBeGreaterThan(3);
    }
  });
});

describe('KuCoin response envelope', () => {
  const res = (status: number, text: string) => ({ status, headers: new Headers(), text });

  it('returns data only for HTTP 200 with code "200000"', () => {
    expect(interpret(res(200, '{"code":"200000","data":{"a":1}}'))).toEqual({ a: 1 });
    expect(interpret(res(200, '{"code":"200000","data":null}'))).toBeNull();
  });

  it('maps a business error sent with HTTP 200', () => {
    expect(() => interpret(res(200, '{"code":"300003","msg":"Balance insufficient"}'))).toThrow(
      InsufficientBalanceError,
    );
  });

  it('maps a gateway error sent with 4xx', () => {
    expect(() => interpret(res(401, '{"code":"400005","msg":"Invalid KC-API-SIGN"}'))).toThrow(
      AuthenticationError,
    );
  });

  it('maps a non-JSON answer (e.g. a proxy error page) by its HTTP status', () => {
    expect(() => interpret(res(502, '<html>Bad Gateway</html>'))).toThrow(ExchangeUnavailableError);
    expect(() => interpret(res(403, '<html>denied</html>'))).toThrow(AuthenticationError);
  });
});
