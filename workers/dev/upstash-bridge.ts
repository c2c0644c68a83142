import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A local stand-in for Upstash Redis: speaks Upstash's documented REST protocol in front of a real
 * Redis, so the unmodified `@upstash/redis` client (in workerd or Node) runs against local Redis.
 *
 * - `POST /` with a JSON command array (`["SET","k","v","NX"]`) → `{ "result": ... }`, or `{ "error": ... }` with 400
 * - `POST /pipeline` with an array of commands → an array of `{ result }` / `{ error }`, in order
 * - `POST /multi-exec` with an array of commands → the same, run inside MULTI/EXEC (atomic)
 * - `Authorization: Bearer <token>` is required (401 otherwise)
 * - `Upstash-Encoding: base64` makes every bulk string in the reply base64 (status replies like OK stay plain)
 *
 * Blocking commands and pub/sub subscriptions are refused: the REST protocol cannot carry them.
 */
export interface UpstashBridgeOptions {
  /** Redis to forward to, e.g. redis://127.0.0.1:6379 */
  redisUrl?: string;
  token: string;
  port?: number;
  host?: string;
}

export interface UpstashBridge {
  url: string;
  token: string;
  close(): Promise<void>;
}

const REFUSED = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'MONITOR',
  'BLPOP',
  'BRPOP',
  'BLMOVE',
  'BZPOPMIN',
  'BZPOPMAX',
  'SELECT',
  'QUIT',
  'FLUSHALL',
  'FLUSHDB',
]);

type Reply = { result: unknown } | { error: string };

/** Start the bridge; resolves once it listens. */
export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  const redis = new Redis(options.redisUrl ?? 'redis://127.0.0.1:6379', {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
  });
  const batcher = new CommandBatcher(redis);
  const server: Server = createServer((req, res) => {
    handle(redis, batcher, options.token, req, res).catch((e: unknown) => {
      send(res, 500, { error: `bridge failure: ${(e as Error).message}` });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    token: options.token,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

async function handle(
  redis: Redis,
  batcher: CommandBatcher,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'Unauthorized' });
  if (req.method !== 'POST') return send(res, 405, { error: 'only POST is supported' });
  const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return send(res, 400, { error: 'ERR failed to parse command' });
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/' || path === '') {
    if (!isCommand(body)) return send(res, 400, { error: 'ERR command must be a non-empty array' });
    const [reply] = (await pipeline(batcher, [body], base64)) as [Reply];
    return send(res, 'error' in reply ? 400 : 200, reply);
  }
  if (path === '/pipeline' || path === '/multi-exec') {
    if (!Array.isArray(body) || !body.every(isCommand)) {
      return send(res, 400, { error: 'ERR body must be an array of commands' });
    }
    const replies =
      path === '/pipeline' ? await pipeline(batcher, body, base64) : await multiExec(redis, body, base64);
    return send(res, 200, replies);
  }
  return send(res, 404, { error: `unknown path ${path}` });
}

function isCommand(v: unknown): v is (string | number)[] {
  return Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' || typeof a === 'number');
}

/**
 * Commands of the requests that arrive in one event-loop turn go to Redis as one ioredis pipeline: one
 * write for all of them instead of one per command (Upstash runs each request's commands in order, not
 * atomically; each caller's commands stay contiguous and in order here, and each reply stands alone).
 */
class CommandBatcher {
  #queue: { command: string[]; resolve(r: [Error | null, unknown]): void }[] = [];
  #scheduled = false;
  constructor(private readonly redis: Redis) {}

  run(commands: string[][]): Promise<[Error | null, unknown][]> {
    const replies = commands.map(
      (command) => new Promise<[Error | null, unknown]>((resolve) => this.#queue.push({ command, resolve })),
    );
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    return Promise.all(replies);
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    const p = this.redis.pipeline();
    for (const { command } of batch) p.callBuffer(command[0]!, ...command.slice(1));
    p.exec().then(
      (results) => {
        batch.forEach((w, i) => {
          w.resolve(results?.[i] ?? [new Error('no reply'), null]);
        });
      },
      (e: unknown) => {
        for (const w of batch) w.resolve([e as Error, null]);
      },
    );
  }
}

async function pipeline(
  batcher: CommandBatcher,
  commands: (string | number)[][],
  base64: boolean,
): Promise<Reply[]> {
  const replies: (Reply | undefined)[] = commands.map((c) =>
    REFUSED.has(String(c[0]).toUpperCase())
      ? { error: `ERR command ${c[0]} is not supported over REST` }
      : undefined,
  );
  const allowed = commands.filter((_, i) => replies[i] === undefined).map((c) => c.map(String));
  const results = allowed.length > 0 ? await batcher.run(allowed) : [];
  let next = 0;
  return replies.map((r) => {
    if (r) return r;
    const [err, value] = results[next++]!;
    return err ? { error: err.message } : { result: encode(value, base64) };
  });
}

async function multiExec(redis: Redis, commands: (string | number)[][], base64: boolean): Promise<Reply[]> {
  for (const c of commands) {
    if (REFUSED.has(String(c[0]).toUpperCase()))
      return [{ error: `ERR command ${c[0]} is not supported over REST` }];
  }
  const tx = redis.multi();
  for (const [name, ...args] of commands) tx.callBuffer(String(name), ...args.map(String));
  const results = (await tx.exec()) ?? [];
  return results.map(([err, value]) => (err ? { error: err.message } : { result: encode(value, base64) }));
}

/** Bulk strings become UTF-8 text or base64; status replies (ioredis gives them as "OK" or a Buffer of it) stay plain. */
function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) {
    const text = value.toString('utf8');
    if (text === 'OK') return 'OK';
    return base64 ? value.toString('base64') : text;
  }
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  if (typeof value === 'string')
    return base64 && value !== 'OK' ? Buffer.from(value).toString('base64') : value;
  return value ?? null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
