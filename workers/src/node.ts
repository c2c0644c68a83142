/**
 * Helpers for mounting the app on Node (`enigma start`): not imported by the worker bundle.
 *
 * @example
 * import { serve } from '@hono/node-server';
 * const app = createApp({ db, kv: new MemoryKv(), bus, config, logger, clientIp: nodeSocketIp });
 * serve({ fetch: app.fetch, port: 8787 });
 */

/**
 * The client address on @hono/node-server: the socket's remote address (`env.incoming`). Behind a
 * reverse proxy, pass a function reading that proxy's header instead; this one trusts no header.
 */
export function nodeSocketIp(_req: Request, env: unknown): string | undefined {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
