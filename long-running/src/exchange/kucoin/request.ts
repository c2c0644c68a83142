import { type KucoinCredential, signHeaders } from './credential.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null;

/** What an operation needs sent, before signing: venue-level, no host, no clock. */
export interface RequestSpec {
  method: HttpMethod;
  /** Path from `/api/...`, path parameters already substituted (and URI-encoded). */
  path: string;
  /** Sent in insertion order; undefined/null values are skipped. */
  query?: Record<string, QueryValue>;
  /** JSON body (POST, and DELETE /orders/multi-cancel). */
  body?: unknown;
  /** Whether the request must be signed. */
  private: boolean;
  /** Rate-limit pool weight (kucoin-spec x-api-rate-limit-weight). */
  weight: number;
}

/** A fully built request: what goes on the wire. */
export interface BuiltRequest {
  method: HttpMethod;
  url: string;
  /** The path + decoded query exactly as signed. */
  signedPath: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface BuildContext {
  baseUrl: string;
  /** Server-corrected epoch ms used for KC-API-TIMESTAMP. */
  timestampMs: number;
  credential?: KucoinCredential | undefined;
}

/** Query pairs in insertion order, skipping unset values. */
function queryPairs(query: Record<string, QueryValue> | undefined): [string, string][] {
  if (!query) return [];
  return Object.entries(query)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== null)
    .map(([k, v]) => [k, String(v)]);
}

/**
 * Build (and sign, when private) one request. Pure: no network, no clock (the timestamp is passed in),
 * so static request tables can test it. The query is percent-encoded on the wire but signed decoded,
 * in the order sent (KuCoin docs-new authentication; the official SDK does the same).
 *
 * @example
 * buildRequest({ method: 'GET', path: '/api/v1/ticker', query: { symbol: 'XBTUSDTM' }, private: false, weight: 2 },
 *   { baseUrl: 'https://api-futures.kucoin.com', timestampMs: Date.now() })
 */
export function buildRequest(spec: RequestSpec, ctx: BuildContext): BuiltRequest {
  const pairs = queryPairs(spec.query);
  const wireQuery = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const signedQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const signedPath = signedQuery ? `${spec.path}?${signedQuery}` : spec.path;
  const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (spec.private) {
    if (!ctx.credential)
      throw new Error(`${spec.method} ${spec.path} is private: no KuCoin credential configured`);
    Object.assign(headers, signHeaders(ctx.credential, ctx.timestampMs, spec.method, signedPath, body ?? ''));
  }
  const base = ctx.baseUrl.replace(/\/+$/, '');
  return {
    method: spec.method,
    url: `${base}${spec.path}${wireQuery ? `?${wireQuery}` : ''}`,
    signedPath,
    headers,
    body,
  };
}
