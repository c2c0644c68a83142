/**
 * A local stand-in for Neon's SQL-over-HTTP endpoint, as @neondatabase/serverless's `neon()` calls it:
 * `POST <fetchEndpoint>` with headers `Neon-Connection-String`, `Neon-Raw-Text-Output: true`,
 * `Neon-Array-Mode: true` (and `Neon-Batch-*` for transactions); body `{ query, params }` or
 * `{ queries: [...] }`. It answers `{ fields: [{ name, dataTypeID }], rows: [[text…]], command, rowCount }`
 * (or `{ results: [...] }`), and errors as HTTP 400 with the PostgreSQL error fields — the driver parses
 * the text values itself. Node only; for tests and local development.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';

interface QueryData {
  query: string;
  params?: unknown[];
}

const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

// Values stay as PostgreSQL's text output: the Neon driver applies its own type parsers.
const rawText = { getTypeParser: () => (value: string) => value };

/** Options of the stand-in. */
export interface NeonHttpSqlOptions {
  /**
   * Reach a PostgreSQL on this machine (`127.0.0.1`/`localhost` in the connection string) through its
   * Unix socket in this directory (e.g. `/var/run/postgresql`) instead of loopback TCP: the same server
   * and database, at a fraction of the kernel's cost per statement. For benchmarks, where the
   * stand-in shares the machine's cores with the code being measured (Neon reaches its own servers
   * over its own network).
   */
  pgSocketDir?: string;
  /**
   * Keep up to this many statement texts prepared on the server (a named statement per text, per
   * connection, from its second use on): PostgreSQL parses and plans a repeated statement once per
   * connection instead of once per request. Neon's own proxy does its own caching; here it is the
   * PostgreSQL on the benchmark's two cores that pays. 0 (the default): every statement unnamed.
   */
  preparedStatements?: number;
}

/** Handles SQL-over-HTTP requests with one small pg pool per connection string. */
export class NeonHttpSql {
  private readonly pools = new Map<string, pg.Pool>();
  /** statement text → its name, once prepared (see `preparedStatements`) */
  private readonly names = new Map<string, string>();
  private readonly seen = new Set<string>();
  constructor(
    private readonly allowedHosts: string[],
    private readonly options: NeonHttpSqlOptions = {},
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const connectionString = req.headers['neon-connection-string'];
    if (req.method !== 'POST' || typeof connectionString !== 'string') {
      send(400, { message: 'POST with a Neon-Connection-String header expected' });
      return;
    }
    let url: URL;
    try {
      url = new URL(connectionString);
    } catch {
      send(400, { message: 'invalid connection string' });
      return;
    }
    if (!this.allowedHosts.includes(url.hostname)) {
      send(400, { message: `host not allowed: ${url.hostname}` });
      return;
    }
    let body: QueryData | { queries: QueryData[] };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      send(400, { message: 'body is not JSON' });
      return;
    }
    const client = await this.pool(connectionString).connect();
    try {
      if ('queries' in body) {
        const iso = req.headers['neon-batch-isolation-level'];
        const readOnly = req.headers['neon-batch-read-only'] === 'true';
        const isolation =
          typeof iso === 'string' && /^[A-Za-z ]+$/.test(iso)
            ? ` ISOLATION LEVEL ${iso.replace(/([a-z])([A-Z])/g, '$1 $2')}`
            : '';
        await client.query(`BEGIN${isolation}${readOnly ? ' READ ONLY' : ''}`);
        try {
          const results = [];
          for (const q of body.queries) results.push(await run(client, q, this.nameOf(q.query)));
          await client.query('COMMIT');
          send(200, { results });
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      } else {
        send(200, await run(client, body, this.nameOf(body.query)));
      }
    } catch (error) {
      const e = error as Record<string, unknown> & { message?: string };
      send(400, {
        message: e.message ?? String(error),
        ...Object.fromEntries(ERROR_FIELDS.map((f) => [f, e[f]])),
      });
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }

  private pool(connectionString: string): pg.Pool {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ ...this.poolConfigOf(connectionString), max: 4 });
      pool.on('error', () => {});
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  /** The name to prepare `text` under, if it is repeated and the budget allows. */
  private nameOf(text: string): string | undefined {
    const max = this.options.preparedStatements ?? 0;
    if (max === 0) return undefined;
    const known = this.names.get(text);
    if (known || this.names.size >= max) return known;
    if (!this.seen.has(text)) {
      if (this.seen.size >= 10_000) this.seen.clear();
      this.seen.add(text);
      return undefined;
    }
    const name = `neon_http_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }

  private poolConfigOf(connectionString: string): pg.PoolConfig {
    const dir = this.options.pgSocketDir;
    const url = new URL(connectionString);
    if (!dir || !['127.0.0.1', 'localhost'].includes(url.hostname)) return { connectionString };
    return {
      host: dir,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
      user: decodeURIComponent(url.username),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    };
  }
}

/** The request body as text (listeners: cheaper than the stream's async iterator). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

async function run(client: pg.PoolClient, q: QueryData, name: string | undefined) {
  const result = await client.query({
    ...(name ? { name } : {}),
    text: q.query,
    values: q.params ?? [],
    rowMode: 'array',
    types: rawText,
  });
  return {
    command: result.command,
    rowCount: result.rowCount,
    rowAsArray: true,
    fields: result.fields.map((f) => ({
      name: f.name,
      dataTypeID: f.dataTypeID,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: f.format,
    })),
    rows: result.rows,
  };
}
