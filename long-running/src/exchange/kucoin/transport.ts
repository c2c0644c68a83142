import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { type Dispatcher, request } from 'undici';
import type { BuiltRequest } from './request.ts';

/** The response headers the client reads (a WHATWG `Headers` satisfies it). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** One HTTP exchange: what came back, before interpretation. */
export interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * Sends one built request once and reads the whole body. Rejects when no complete response arrived;
 * `signal` aborts the attempt at any stage (connect, headers or body).
 */
export type Transport = (request: BuiltRequest, signal: AbortSignal) => Promise<RawResponse>;

// What Node's fetch asks for, so KuCoin's large responses (contracts, klines) still come compressed.
const ACCEPT_ENCODING = 'gzip, deflate, br';
const decoders: Record<string, (raw: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * `undici.request` on the given dispatcher (a keep-alive Agent): node streams and a plain header
 * object instead of fetch's WHATWG Request/Response/Headers machinery. Redirects are not followed:
 * KuCoin's REST API does not redirect, and a 3xx is interpreted like any other non-200 answer.
 */
export function undiciTransport(dispatcher: Dispatcher): Transport {
  return async (req, signal) => {
    const res = await request(req.url, {
      method: req.method,
      headers: { 'accept-encoding': ACCEPT_ENCODING, ...req.headers },
      body: req.body,
      signal,
      dispatcher,
    });
    const text = await bodyText(res);
    return { status: res.statusCode, headers: headerReader(res.headers), text };
  };
}

/** Through a WHATWG `fetch` (injected for tests or other runtimes): it decompresses by itself. */
export function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async (req, signal) => {
    const res = await fetchImpl(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

/** undici.request does not decompress (fetch does): decode the encodings we asked for. */
async function bodyText(res: Dispatcher.ResponseData): Promise<string> {
  const encoding = res.headers['content-encoding'];
  const decode =
    typeof encoding === 'string' && res.statusCode !== 204 && res.statusCode !== 304
      ? decoders[encoding.trim().toLowerCase()]
      : undefined;
  // An unknown encoding passes through as bytes, as with fetch, and interpret() reports it. Chained
  // encodings (which KuCoin does not send) pass through too.
  if (!decode) return res.body.text();
  return (await decode(Buffer.from(await res.body.arrayBuffer()))).toString('utf8');
}

function headerReader(headers: Record<string, string | string[] | undefined>): ResponseHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
