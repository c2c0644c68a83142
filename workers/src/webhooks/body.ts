import { ApiError } from '../errors.ts';

/** What the intake accepts as a body, by Content-Type. */
export type BodyKind = 'json' | 'text';

/**
 * Map a Content-Type to a parser: TradingView sends `application/json` when the alert message is
 * valid JSON and `text/plain; charset=utf-8` otherwise. Anything else is a 415.
 */
export function bodyKindOf(contentType: string | undefined): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/plain' || type === '') return 'text';
  throw new ApiError(
    'unsupported_media_type',
    `unsupported content type ${JSON.stringify(type.slice(0, 60))}`,
    {
      accepted: ['application/json', 'text/plain'],
    },
  );
}

/**
 * Read a request body as UTF-8 text, refusing (413) anything longer than `maxBytes` without buffering
 * more than that: the declared Content-Length is checked first, then the stream is counted.
 */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new ApiError('payload_too_large', `body larger than ${maxBytes} bytes`, { maxBytes });
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (Number.isFinite(declared)) {
    // Fast path: a declared length within the cap can be read whole. `req.body` is not touched
    // first: on @hono/node-server that would build a web stream and lose the direct read. The
    // length is re-checked because a client can lie about it.
    const bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge();
    return decodeUtf8(bytes);
  }
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return decodeUtf8(all);
}

/** One decoder for every body: `decode` without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ApiError('malformed_body', 'body is not valid UTF-8');
  }
}
