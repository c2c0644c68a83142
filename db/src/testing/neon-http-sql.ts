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

/** Handles SQL-over-HTTP requests with one small pg pool per connection string. */
export class NeonHttpSql {
  private readonly pools = new Map<string, pg.Pool>();
  constructor(private readonly allowedHosts: string[]) {}

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
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: QueryData | { queries: QueryData[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
          for (const q of body.queries) results.push(await run(client, q));
          await client.query('COMMIT');
          send(200, { results });
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      } else {
        send(200, await run(client, body));
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
      pool = new pg.Pool({ connectionString, max: 4 });
      pool.on('error', () => {});
      this.pools.set(connectionString, pool);
    }
    return pool;
  }
}

async function run(client: pg.PoolClient, q: QueryData) {
  const result = await client.query({
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
