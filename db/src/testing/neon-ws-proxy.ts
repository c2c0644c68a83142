/**
 * A local WebSocket→TCP proxy speaking what @neondatabase/serverless expects from a self-hosted proxy
 * (`wss?://<proxy>/v1?address=host:port`, raw PostgreSQL protocol bytes in binary frames), so the Neon
 * driver can be tested against the real local PostgreSQL. The same server also answers Neon's
 * SQL-over-HTTP protocol at `/sql` (see neon-http-sql.ts) for `neon()` / `neonHttp()`. Node only; for tests
 * and local development.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { NeonHttpSql, type NeonHttpSqlOptions } from './neon-http-sql.ts';

export interface NeonWsProxy {
  port: number;
  /** Value for `openDatabase({ kind: 'neon', neon: { wsProxy } })` / `neonConfig.wsProxy`. */
  wsProxy: string;
  /** Value for `neonConfig.fetchEndpoint` / `configureNeon({ fetchEndpoint })`: `http://127.0.0.1:<port>/sql`. */
  fetchEndpoint: string;
  /** Hosts the proxy may connect to; anything else is refused so the proxy is not an open relay. */
  allowedHosts: string[];
  close(): Promise<void>;
}

/**
 * Start the proxy on 127.0.0.1 (random port unless given).
 *
 * @example
 * const proxy = await startNeonWsProxy();
 * const handle = await openDatabase({ kind: 'neon', url, neon: { wsProxy: proxy.wsProxy } });
 */
export async function startNeonWsProxy(
  opts: { port?: number; allowedHosts?: string[] } & NeonHttpSqlOptions = {},
): Promise<NeonWsProxy> {
  const allowedHosts = opts.allowedHosts ?? ['127.0.0.1', 'localhost'];
  const httpSql = new NeonHttpSql(allowedHosts, {
    ...(opts.pgSocketDir ? { pgSocketDir: opts.pgSocketDir } : {}),
    ...(opts.preparedStatements ? { preparedStatements: opts.preparedStatements } : {}),
  });
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/sql')) {
      httpSql.handle(req, res).catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(426).end('websocket or POST /sql only');
  });
  const wss = new WebSocketServer({ server, path: '/v1' });
  const sockets = new Set<Socket>();

  wss.on('connection', (ws, req) => {
    const address = new URL(req.url ?? '', 'http://proxy').searchParams.get('address') ?? '';
    const match = /^(.+):(\d+)$/.exec(address);
    if (!match || !allowedHosts.includes(match[1]!)) {
      ws.close(1008, 'address not allowed');
      return;
    }
    const tcp = connect({ host: match[1]!, port: Number(match[2]) });
    sockets.add(tcp);
    const pending: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    tcp.on('data', (chunk) => ws.send(chunk, { binary: true }));
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (connected) tcp.write(chunk);
      else pending.push(chunk);
    });
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    wsProxy: `127.0.0.1:${port}/v1`,
    fetchEndpoint: `http://127.0.0.1:${port}/sql`,
    allowedHosts,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await httpSql.close();
    },
  };
}
