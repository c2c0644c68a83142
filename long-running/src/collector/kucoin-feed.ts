import type { Logger } from 'pino';
import type { KucoinHttpClient } from '../exchange/kucoin/http.ts';
import type { KucoinMetrics } from '../exchange/kucoin/metrics.ts';
import { KucoinWs } from '../exchange/kucoin/ws.ts';
import type { FeedFactory } from './feed.ts';

export interface KucoinFeedOptions {
  /** Private channels (signed bullet token); needs a credential on the HTTP client. */
  privateChannel?: boolean;
  handshakeTimeoutMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  logger?: Logger;
  /** the socket's reconnect counter; default: prom-client's global registry */
  metrics?: KucoinMetrics;
}

/** KuCoin limits one subscribe message to 100 topics. */
const MAX_TOPICS_PER_SUBSCRIBE = 100;

/**
 * A FeedFactory over the exchange adapter's `KucoinWs` (token, welcome, ping, silent-link watchdog,
 * reconnect with resubscription). Topics that share a prefix are subscribed together
 * (`/contractMarket/level2:XBTUSDTM,ETHUSDTM`), as KuCoin allows, so start-up costs one ack per prefix.
 */
export function kucoinFeed(http: KucoinHttpClient, options: KucoinFeedOptions = {}): FeedFactory {
  return (handlers) => {
    const ws = new KucoinWs({
      getToken: () => (options.privateChannel ? http.market.privateToken() : http.market.publicToken()),
      privateChannel: options.privateChannel ?? false,
      ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.reconnectBaseMs !== undefined ? { reconnectBaseMs: options.reconnectBaseMs } : {}),
      ...(options.reconnectMaxMs !== undefined ? { reconnectMaxMs: options.reconnectMaxMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    ws.on('disconnected', (reason: string) => handlers.onDisconnected(reason));
    ws.on('reconnected', () => handlers.onReconnected());
    ws.on('handlerError', (error: unknown) =>
      options.logger?.warn({ err: error }, 'collector handler failed'),
    );
    return {
      async start(topics) {
        await ws.start();
        for (const topic of groupTopics(topics))
          await ws.subscribe(topic, (m) => handlers.onMessage(m.topic, m.subject, m.data));
      },
      close: () => ws.close(),
    };
  };
}

/** Join `prefix:SYMBOL` topics that share a prefix into comma lists of at most 100 symbols. */
export function groupTopics(topics: readonly string[]): string[] {
  const byPrefix = new Map<string, string[]>();
  const plain: string[] = [];
  for (const t of topics) {
    const i = t.indexOf(':');
    if (i < 0) {
      plain.push(t);
      continue;
    }
    const prefix = t.slice(0, i);
    const list = byPrefix.get(prefix) ?? [];
    list.push(t.slice(i + 1));
    byPrefix.set(prefix, list);
  }
  const out = [...plain];
  for (const [prefix, symbols] of byPrefix)
    for (let i = 0; i < symbols.length; i += MAX_TOPICS_PER_SUBSCRIBE)
      out.push(`${prefix}:${symbols.slice(i, i + MAX_TOPICS_PER_SUBSCRIBE).join(',')}`);
  return out;
}
