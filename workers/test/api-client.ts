import type { Hono } from 'hono';

/** Options of one test request to the REST API. */
export interface CallOptions {
  token?: string;
  /** sent as `x-api-key` */
  key?: string;
  /** JSON-encoded with `content-type: application/json` */
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a test request answered. */
export interface CallResult {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  json: any;
  text: string;
  headers: Headers;
}

/**
 * A REST API caller for route tests: `call(method, path, { token, key, body, headers })` answers
 * `{ status, json, text, headers }` (json undefined when the body is not JSON).
 *
 * @example const call = apiCaller(() => h.app); const r = await call('GET', '/api/risk', { token });
 */
export function apiCaller(
  app: () => Pick<Hono, 'request'>,
): (method: string, path: string, opts?: CallOptions) => Promise<CallResult> {
  return async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    if (opts.key) headers['x-api-key'] = opts.key;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await app().request(path, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    let json: CallResult['json'];
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
}
